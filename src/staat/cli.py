# SPDX-License-Identifier: EUPL-1.2
"""The ``staat`` command: the single command-line entry point (dispatches to Django commands)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staat.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["staat", *args])


if __name__ == "__main__":
    main()
