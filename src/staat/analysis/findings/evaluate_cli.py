# SPDX-License-Identifier: EUPL-1.2
"""Print the quality of the finding extractor against a labelled set.

    python -m staat.analysis.findings.evaluate_cli [--cross-validate] [--folds 5]
        [--format text|json] [LABELS]

Without ``--cross-validate``: train on the committed development set
(``data/labels/dev.jsonl``) and score LABELS (default: the held-out set
``data/labels/heldout.jsonl``; ``data/labels/heldout-descriptive.jsonl`` measures how often
descriptive prose is called a finding). With ``--cross-validate``: grouped k-fold
cross-validation by document on LABELS (default: the development set). The Django command
``staat eval LABELS`` wraps this.
"""

from __future__ import annotations

import argparse
import json
import sys

from .codebook import load_default_codebook
from .evaluation import cross_validate, evaluate
from .labels import DEV_PATH, HELDOUT_PATH, default_labels, read_labels
from .model import Extractor


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m staat.analysis.findings.evaluate_cli",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("labels", nargs="?", help="JSONL file of labelled sentences")
    ap.add_argument("--cross-validate", action="store_true",
                    help="grouped k-fold cross-validation by document on LABELS")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--format", choices=("text", "json"), default="text")
    args = ap.parse_args(argv)
    codebook = load_default_codebook()
    try:
        if args.cross_validate:
            path = args.labels or str(DEV_PATH)
            report = cross_validate(read_labels(path), codebook, folds=args.folds,
                                    seed=args.seed)
            report.extra.pop("predictions", None)
            report.description += f" ({path})"
        else:
            path = args.labels or str(HELDOUT_PATH)
            labels = read_labels(path)
            ex = Extractor.train(default_labels(), codebook, seed=args.seed)
            report = evaluate(ex, labels, f"trained on the development set ({DEV_PATH.name}), "
                                          f"evaluated on {len(labels)} sentences of {path}")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.to_text())
    return 0


if __name__ == "__main__":
    sys.exit(main())
