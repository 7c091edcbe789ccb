# SPDX-License-Identifier: EUPL-1.2
"""Findings: extraction runs, findings, codebook, review queue, coders and exports."""
