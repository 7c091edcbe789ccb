# SPDX-License-Identifier: EUPL-1.2
"""Production: secure cookies and HSTS; the secret key must come from the environment."""

from staat.settings.base import *  # noqa: F403
from staat.settings.base import SECRET_KEY

if SECRET_KEY.startswith("insecure-"):
    raise RuntimeError("Set STAAT_SECRET_KEY to a long random value in production.")

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
