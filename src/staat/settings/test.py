# SPDX-License-Identifier: EUPL-1.2
"""Defaults for the test suite: a throw-away data folder, fast password hashing."""

import os
import tempfile

os.environ.setdefault("STAAT_DATA_DIR", tempfile.mkdtemp(prefix="staat-test-"))
# tests that check the post-ingest hook switch it on themselves
os.environ.setdefault("STAAT_EXTRACT_AFTER_INGEST", "off")

from staat.settings.base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A test database in a file, not Django's shared-cache in-memory one: shared-cache
    # SQLite locks whole tables and answers a second thread's write with "database table is
    # locked" at once (SQLITE_LOCKED ignores the busy timeout), which made tests with
    # background threads (builds, extraction runs) fail now and then. A file in WAL mode
    # lets readers and a writer work side by side and makes writers wait, as in production.
    # Without fsync: a crash loses nothing that matters in a throw-away test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
    DATABASES["default"]["OPTIONS"]["init_command"] = (  # noqa: F405
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
    )
