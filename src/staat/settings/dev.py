# SPDX-License-Identifier: EUPL-1.2
"""Defaults for a developer's machine and `make demo`."""

import os

os.environ.setdefault("STAAT_DEBUG", "true")

from staat.settings.base import *  # noqa: E402,F403  (settings modules are the one place this is allowed)
