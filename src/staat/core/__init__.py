# SPDX-License-Identifier: EUPL-1.2
"""Organisation register, users and roles, audit history, settings helpers."""
