# SPDX-License-Identifier: EUPL-1.2
"""Run every ``bench/bench_*.py`` in turn (``make bench``), each in its own process.

Each benchmark prints its own table; the figures to keep go to ``bench/README.md`` (the
pipeline benchmark updates its section there itself with ``--write-readme``). Exits non-zero
if any benchmark failed, after running the others.

    .venv/bin/python bench/run.py [NAME ...]     e.g. bench/run.py pipeline ingest
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# the runs of a benchmark (one without arguments unless listed): the pipeline on both corpora
RUNS = {"bench_pipeline.py": [["--write-readme"], ["--write-readme", "--density", "realistic"]]}


def main(argv: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if argv:
        wanted = {a.removeprefix("bench_").removesuffix(".py") for a in argv}
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed = []
    for script in scripts:
        for args in RUNS.get(script.name, [[]]):
            name = " ".join([script.name, *args])
            print(f"\n== {name} ==", flush=True)
            start = time.perf_counter()
            code = subprocess.call([sys.executable, str(script), *args], cwd=HERE.parent)
            print(f"({name}: {time.perf_counter() - start:.0f} s, exit {code})", flush=True)
            if code:
                failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
