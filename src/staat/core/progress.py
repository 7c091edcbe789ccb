# SPDX-License-Identifier: EUPL-1.2
"""Progress bars of the management commands: tqdm without its monitor thread.

tqdm starts a background thread (``tqdm_monitor``) with the first bar and keeps it for the
life of the process. A process with other threads must not fork, so an edition built after a
bar (``staat demo``: ingest, extract, threads, then the build) would render its pages in one
process instead of two (:func:`staat.editions.site.can_fork`). The monitor only adjusts how
often a bar redraws; our bars do without it.
"""

from __future__ import annotations

from tqdm import tqdm as _tqdm


class tqdm(_tqdm):  # noqa: N801 - a drop-in for tqdm.tqdm
    monitor_interval = 0


__all__ = ["tqdm"]
