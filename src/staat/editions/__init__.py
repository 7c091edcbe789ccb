# SPDX-License-Identifier: EUPL-1.2
"""The edition: what goes in (the editor) and the build (static site, PDF, charts, open data)."""
