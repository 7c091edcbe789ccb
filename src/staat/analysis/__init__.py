# SPDX-License-Identifier: EUPL-1.2
"""Pure computational core: instrument definitions, scoring, statistics, assessor agreement,
disclosure control and microdata import.

Nothing in this package imports Django; it takes arrays, frames, strings and plain data
classes and returns the same (numbers in, numbers out).
"""
