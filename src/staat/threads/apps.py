# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThreadsConfig(AppConfig):
    name = "staat.threads"
    label = "threads"
    verbose_name = _("Common threads and calls")
