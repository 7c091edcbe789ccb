# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstrumentsConfig(AppConfig):
    name = "staat.instruments"
    label = "instruments"
    verbose_name = _("Measurement instruments")
