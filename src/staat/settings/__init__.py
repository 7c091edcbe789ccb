# SPDX-License-Identifier: EUPL-1.2
"""Settings: ``base`` holds everything; ``dev``, ``test`` and ``production`` only set defaults."""
