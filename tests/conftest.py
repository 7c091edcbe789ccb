# SPDX-License-Identifier: EUPL-1.2
"""Test-wide set-up: database check, reproducible randomness, a real headless Chromium."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SEED = int(os.environ.get("STAAT_TEST_SEED", random.randrange(1_000_000)))
CHROMIUM = os.environ.get("STAAT_CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def pytest_report_header(config):
    return [f"random seed: {SEED} (replay with STAAT_TEST_SEED={SEED})"]


@pytest.fixture(autouse=True)
def _seed():
    random.seed(SEED)
    try:
        import factory.random

        factory.random.reseed_random(SEED)
    except ImportError:  # pragma: no cover - factory_boy is a dev dependency
        pass


@pytest.fixture(scope="session", autouse=True)
def _required_database(request):
    """With STAAT_REQUIRE_DATABASE=postgresql the run fails loudly if PostgreSQL is not there."""
    wanted = os.environ.get("STAAT_REQUIRE_DATABASE")
    if not wanted:
        return
    from django.db import connection

    try:
        request.getfixturevalue("django_db_setup")  # creates the test database
        with request.getfixturevalue("django_db_blocker").unblock():
            connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001 - any failure to connect must stop the run
        pytest.exit(f"STAAT_REQUIRE_DATABASE={wanted} but the database is unreachable: {exc}",
                    returncode=3)
    if connection.vendor != wanted:
        pytest.exit(f"STAAT_REQUIRE_DATABASE={wanted} but tests run on {connection.vendor}",
                    returncode=3)


@pytest.fixture(scope="session")
def browser():
    """A real headless Chromium (Debian's), driven by Playwright. Missing Chromium fails."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make browser` (browser tests never skip)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        out = Path("test-results")
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def axe_violations(page, *, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (from npm) on the page and return violations of the given impacts."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci`")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
    )
    return [v for v in result["violations"] if v.get("impact") in impacts]
