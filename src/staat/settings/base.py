# SPDX-License-Identifier: EUPL-1.2
"""Base settings. Every value read from the environment is declared in ``environment.py``."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from staat.settings.environment import as_bool, declare

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent.parent

DATA_DIR = Path(
    declare(
        "STAAT_DATA_DIR",
        "./var",
        "Folder for the SQLite database, stored originals, built editions and other data.",
    )
).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = declare(
    "STAAT_SECRET_KEY",
    "insecure-development-key-change-me",
    "Django's secret key. Must be set to a long random value in production.",
)
DEBUG = as_bool(declare("STAAT_DEBUG", "false", "Show Django's debug pages (never in production)."))
ALLOWED_HOSTS = [
    h.strip()
    for h in declare(
        "STAAT_ALLOWED_HOSTS", "127.0.0.1,localhost", "Comma-separated host names served."
    ).split(",")
    if h.strip()
]
PSEUDONYM_SECRET = declare(
    "STAAT_PSEUDONYM_SECRET",
    "",
    "Secret for hashing survey respondent keys (HMAC-SHA256). Defaults to the secret key.",
) or SECRET_KEY

MAX_UPLOAD_MB = int(
    declare("STAAT_MAX_UPLOAD_MB", "50", "Largest source file accepted, in megabytes.")
)
PARSE_TIMEOUT_SECONDS = int(
    declare("STAAT_PARSE_TIMEOUT", "60", "Seconds a parser may run on one file before it is stopped.")
)
PARSE_MEMORY_MB = int(
    declare("STAAT_PARSE_MEMORY_MB", "1024", "Memory a parser may use on one file, in megabytes.")
)

REVIEW_THRESHOLD = float(
    declare(
        "STAAT_REVIEW_THRESHOLD",
        "0.75",
        "Machine findings with a confidence (0-1) below this value go to the review queue.",
    )
)
_jobs = int(
    declare(
        "STAAT_JOBS",
        "0",
        "Worker processes that `staat ingest` and `staat extract` use side by side (their "
        "`--jobs` option overrides it). 0: the number of CPUs, at most 4; 1: no worker "
        "processes, everything in one process.",
    )
)
_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
JOBS = _jobs if _jobs > 0 else min(_cpus, 4)
EXTRACT_AFTER_INGEST = declare(
    "STAAT_EXTRACT_AFTER_INGEST",
    "sync",
    "Draw findings from a source right after it is added: 'sync' (in the same request or "
    "command) or 'off' (only with `staat extract` or the extraction page).",
)

_database_url = declare(
    "DATABASE_URL",
    "",
    "PostgreSQL database, e.g. postgres://user@127.0.0.1:5432/staat. Empty: SQLite in the data folder.",
)
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "staat.sqlite3",
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "staat.core",
    "staat.sources",
    "staat.findings",
    "staat.threads",
    "staat.instruments",
    "staat.editions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "staat.urls"
WSGI_APPLICATION = "staat.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "staat.core.context_processors.roles",
            ],
        },
    }
]

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
if NODE_MODULES.exists():
    STATICFILES_DIRS += [
        ("vendor/utrecht", NODE_MODULES / "@utrecht" / "component-library-css" / "dist"),
        ("vendor/tokens", NODE_MODULES / "@nl-design-system-unstable" / "voorbeeld-design-tokens" / "dist"),
        ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ]
WHITENOISE_USE_FINDERS = True

ORIGINALS_DIR = DATA_DIR / "originals"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
