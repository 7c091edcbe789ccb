# SPDX-License-Identifier: EUPL-1.2
"""Pure functions for Dutch text: normalising, segmenting, sentences, lemmas, language.

Nothing in this package imports Django; it takes strings and plain data classes and returns
the same.
"""
