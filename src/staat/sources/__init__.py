# SPDX-License-Identifier: EUPL-1.2
"""Sources: upload, parsers per format, passages, storage of originals."""
