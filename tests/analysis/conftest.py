# SPDX-License-Identifier: EUPL-1.2
"""The analysis core is Django-free: its tests run with or without pytest-django.

``tests/conftest.py`` has a session-wide autouse fixture that asks pytest-django for
``django_db_blocker``; with ``-p no:django`` that fixture does not exist. Here the check is
replaced by a no-op: nothing under ``tests/analysis`` touches a database (a full run still
performs the check through the other test folders).
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def _required_database():
    return None
