# SPDX-License-Identifier: EUPL-1.2
import importlib
import subprocess
import sys

import pytest

from staat.settings.environment import markdown_reference
from django.conf import settings


@pytest.mark.parametrize("module", ["staat.settings.dev", "staat.settings.test"])
def test_settings_modules_import(module):
    importlib.import_module(module)


def test_production_settings_refuse_the_insecure_default_key():
    code = "import staat.settings.production"
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True,
        env={"PATH": "", "STAAT_DATA_DIR": settings.DATA_DIR.as_posix()},
    )
    assert run.returncode != 0
    assert "STAAT_SECRET_KEY" in run.stderr


def test_production_settings_import_with_a_secret_key():
    run = subprocess.run(
        [sys.executable, "-c", "import staat.settings.production as p; print(p.DEBUG)"],
        capture_output=True, text=True,
        env={"PATH": "", "STAAT_SECRET_KEY": "x" * 50, "STAAT_DATA_DIR": settings.DATA_DIR.as_posix()},
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


def test_configuration_reference_is_current():
    current = (settings.PROJECT_DIR / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert current == markdown_reference(), "run `staat config_docs`"
