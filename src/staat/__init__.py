"""Staat: workshop for the Dutch State of Public Service Delivery."""
# SPDX-License-Identifier: EUPL-1.2
__version__ = "0.1.0"
