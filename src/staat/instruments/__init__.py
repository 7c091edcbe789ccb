# SPDX-License-Identifier: EUPL-1.2
"""Instruments: questionnaire definitions, responses and results."""
