# SPDX-License-Identifier: EUPL-1.2
"""Forms of the core pages, and the mixin that dresses any form in NL Design System classes."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from staat.core.models import AuditEvent, Organisation, OrganisationType

_WIDGET_CLASSES: list[tuple[type, str]] = [
    (forms.CheckboxInput, "utrecht-checkbox utrecht-checkbox--html-input"),
    (forms.RadioSelect, "utrecht-radio-button utrecht-radio-button--html-input"),
    (forms.Select, "utrecht-select utrecht-select--html-select"),  # also SelectMultiple
    (forms.Textarea, "utrecht-textarea utrecht-textarea--html-textarea"),
    (forms.ClearableFileInput, "staat-file-input"),
    (forms.FileInput, "staat-file-input"),
    (forms.widgets.Input, "utrecht-textbox utrecht-textbox--html-input"),
]
_INVALID_CLASSES = {
    "utrecht-select": "utrecht-select--invalid",
    "utrecht-textarea": "utrecht-textarea--invalid",
    "utrecht-textbox": "utrecht-textbox--invalid",
    "utrecht-checkbox": "utrecht-checkbox--invalid",
}


class UtrechtFormMixin:
    """Gives every widget its Utrecht component class and links error messages to inputs.

    Templates render fields with ``includes/field.html``, which gives the error message the
    id ``<field id>_error``; this mixin points ``aria-describedby`` at it and sets
    ``aria-invalid`` so screen readers announce the error with the field.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            for widget_type, css in _WIDGET_CLASSES:
                if isinstance(widget, widget_type):
                    existing = widget.attrs.get("class", "")
                    widget.attrs["class"] = f"{existing} {css}".strip()
                    break

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        for name in self.errors:
            if name not in self.fields:
                continue
            bound = self[name]
            widget = self.fields[name].widget
            described = [f"{bound.auto_id}_error"]
            if self.fields[name].help_text:
                described.append(f"{bound.auto_id}_helptext")
            widget.attrs["aria-describedby"] = " ".join(described)
            widget.attrs["aria-invalid"] = "true"
            classes = widget.attrs.get("class", "").split()
            for base, invalid in _INVALID_CLASSES.items():
                if base in classes and invalid not in classes:
                    classes.append(invalid)
            widget.attrs["class"] = " ".join(classes)


def reason_field(help_text=None) -> forms.CharField:
    return forms.CharField(
        label=_("Reason for this change"),
        help_text=help_text or _("Recorded in the audit history with your name and the time."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class LoginForm(UtrechtFormMixin, AuthenticationForm):
    pass


class OrganisationFilterForm(UtrechtFormMixin, forms.Form):
    type = forms.ChoiceField(
        label=_("Type"), required=False,
        choices=[("", _("All types")), *OrganisationType.choices],
    )
    q = forms.CharField(label=_("Name contains"), required=False, max_length=100)


class OrganisationForm(UtrechtFormMixin, forms.ModelForm):
    """Create or edit an entry of the organisation register; the reason goes to the audit."""

    reason = reason_field()

    class Meta:
        model = Organisation
        fields = ["code", "name", "short_name", "type", "ministry", "sector", "is_fictional"]
        help_texts = {
            "code": _("Short, stable identifier used in URLs and by `staat ingest --organisation`; "
                      "lowercase letters, digits and hyphens."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # the code is the organisation's stable identifier: it does not change
            self.fields["code"].disabled = True


class AuditFilterForm(UtrechtFormMixin, forms.Form):
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    action = forms.ChoiceField(
        label=_("Action"), required=False,
        choices=[("", _("All actions")), *AuditEvent.Action.choices],
    )
    actor = forms.ChoiceField(label=_("User"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Up to and including"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, object_types=(), actors=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", _("All types")), *object_types]
        self.fields["actor"].choices = [("", _("Everyone")), *((a, a) for a in actors)]
