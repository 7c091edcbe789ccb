# SPDX-License-Identifier: EUPL-1.2
"""The sandbox: results and errors come back, hangs and memory eaters are stopped and reaped."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from staat.sources.parsers import IngestError, Limits
from staat.sources.parsers.sandbox import run_sandboxed

sys.path.insert(0, str(Path(__file__).parent))
from hostile import (  # noqa: E402
    blow_up,
    crash,
    eat_memory,
    eat_memory_slowly,
    exit_quietly,
    refuse,
    sleep_forever,
    spin,
    unpicklable,
    whoami,
)


def assert_gone(pid_file: Path) -> None:
    """The child no longer exists: not running and not a zombie (kill(pid, 0) fails)."""
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)
    state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    pytest.fail(f"child {pid} still exists (state {state})")


def test_result_comes_back_from_a_limited_child():
    pid, limit = run_sandboxed(whoami, filename="x.pdf", limits=Limits(memory_mb=512))
    assert pid != os.getpid()
    assert limit == 512 * 1024 * 1024


def test_ingest_error_passes_through_unchanged():
    with pytest.raises(IngestError) as info:
        run_sandboxed(refuse, "geheim.pdf", filename="geheim.pdf")
    assert info.value.code == "encrypted"
    assert info.value.message.startswith("geheim.pdf: ")


@pytest.mark.parametrize("hang", [spin, sleep_forever])
def test_a_hanging_parser_is_killed_after_the_timeout(tmp_path, hang):
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(IngestError) as info:
        run_sandboxed(hang, str(pid_file), filename="traag.pdf",
                      limits=Limits(timeout_seconds=1))
    assert time.monotonic() - started < 10
    assert info.value.code == "timeout"
    assert info.value.message == ("traag.pdf: reading the file took longer than 1 seconds "
                                  "and was stopped.")
    assert_gone(pid_file)


@pytest.mark.parametrize("hog", [eat_memory, eat_memory_slowly])
def test_a_memory_eater_gets_a_memory_error(tmp_path, hog):
    pid_file = tmp_path / "pid"
    with pytest.raises(IngestError) as info:
        run_sandboxed(hog, str(pid_file), filename="gulzig.docx",
                      limits=Limits(memory_mb=512, timeout_seconds=30))
    assert info.value.code == "memory"
    assert info.value.message == ("gulzig.docx: reading the file needed more than 512 MB of "
                                  "memory and was stopped.")
    assert_gone(pid_file)


def test_a_crashing_parser_is_reported(tmp_path):
    pid_file = tmp_path / "pid"
    with pytest.raises(IngestError) as info:
        run_sandboxed(crash, str(pid_file), filename="kapot.pdf")
    assert info.value.code == "parse_failed"
    assert info.value.message.startswith("kapot.pdf: ")
    assert f"signal {int(signal.SIGSEGV)}" in info.value.message
    assert_gone(pid_file)


def test_a_child_that_exits_without_an_answer():
    with pytest.raises(IngestError) as info:
        run_sandboxed(exit_quietly, filename="stil.odt")
    assert info.value.code == "parse_failed"
    assert "exit code 3" in info.value.message


def test_an_unexpected_exception_becomes_parse_failed():
    with pytest.raises(IngestError) as info:
        run_sandboxed(blow_up, filename="raar.html")
    assert info.value.code == "parse_failed"
    assert info.value.message == ("raar.html: the file could not be read "
                                  "(ValueError: unexpected token at byte 42).")


def test_an_unpicklable_result_is_reported():
    with pytest.raises(IngestError) as info:
        run_sandboxed(unpicklable, filename="x.md")
    assert info.value.code == "parse_failed"


def test_no_zombies_are_left():
    for _ in range(5):
        run_sandboxed(whoami, filename="x.pdf")
    with pytest.raises(IngestError):
        run_sandboxed(exit_quietly, filename="x.pdf")
    time.sleep(0.2)
    zombies = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, ppid = fields[0], int(fields[1])
        if state == "Z" and ppid in _our_process_tree():
            zombies.append(stat.parent.name)
    assert zombies == []


def _our_process_tree() -> set[int]:
    """This process and its direct children (the fork server among them)."""
    me = os.getpid()
    tree = {me}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            tree.add(int(stat.parent.name))
    return tree
