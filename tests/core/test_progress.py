# SPDX-License-Identifier: EUPL-1.2
"""The commands' progress bars leave no thread behind: an edition built later in the same
process (``staat demo``) may then render its pages in a second process."""

from __future__ import annotations

import io
import threading

from staat.core.progress import tqdm


def test_a_progress_bar_starts_no_monitor_thread():
    before = {t.ident for t in threading.enumerate()}
    output = io.StringIO()
    with tqdm(total=3, desc="test", file=output) as bar:
        bar.update(3)
    assert "3/3" in output.getvalue()
    assert {t.ident for t in threading.enumerate()} <= before
