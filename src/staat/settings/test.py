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
