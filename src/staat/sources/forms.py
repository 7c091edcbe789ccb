# SPDX-License-Identifier: EUPL-1.2
"""Forms for listing, uploading, editing, deleting and searching sources."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from staat.core import permissions
from staat.core.forms import UtrechtFormMixin, reason_field
from staat.core.models import Organisation
from staat.sources.models import SourceKind, SourceStatus

class OrganisationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return organisation_label(obj)


class OrganisationMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return organisation_label(obj)


def organisation_label(obj: Organisation) -> str:
    label = f"{obj.name} ({obj.short_name})" if obj.short_name else obj.name
    return f"{label} – {_('fictional')}" if obj.is_fictional else label


SORTS = {
    "year": ("year", "title", "id"),
    "-year": ("-year", "title", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "id"),
}
DEFAULT_SORT = "-year"


def _year_choices(years) -> list[tuple[str, str]]:
    return [("", _("All years")), *((str(y), str(y)) for y in years)]


class SourceFilterForm(UtrechtFormMixin, forms.Form):
    organisation = OrganisationChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.all(),
        to_field_name="code", empty_label=_("All organisations"),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *SourceKind.choices]
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("All statuses")), *SourceStatus.choices],
    )
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args, years=(), organisations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(years)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class SearchForm(UtrechtFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Words to search for"), required=False, max_length=300,
        help_text=_("Words are matched in every form: 'aanvragen' also finds 'aanvraag'."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    organisation = OrganisationChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.all(),
        to_field_name="code", empty_label=_("All organisations"),
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *SourceKind.choices]
    )
    order = forms.ChoiceField(
        label=_("Order"), required=False,
        choices=[("", _("Most relevant first")), ("newest", _("Newest first"))],
    )

    def __init__(self, *args, years=(), organisations=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = _year_choices(years)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations


class _MetadataFields(forms.Form):
    """The metadata fields upload and edit share."""

    title = forms.CharField(label=_("Title"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=SourceKind.choices, initial=SourceKind.STAND)
    organisations = OrganisationMultipleChoiceField(
        label=_("Organisations"), required=False, queryset=Organisation.objects.all(),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose more than one."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=1990, max_value=2100,
        help_text=_("The edition year the source belongs to."),
    )
    authors = forms.CharField(label=_("Authors"), max_length=500, required=False)
    institution = forms.CharField(label=_("Institution"), max_length=300, required=False)
    publication_date = forms.DateField(
        label=_("Publication date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=SourceStatus.choices, initial=SourceStatus.DRAFT,
        help_text=_("Published sources are visible to everyone."),
    )

    def restrict_for(self, user) -> None:
        """Contributors work for their own organisation and do not publish."""
        if permissions.is_researcher(user):
            return
        self.fields.pop("status", None)
        self.fields.pop("organisations", None)


class UploadForm(UtrechtFormMixin, _MetadataFields):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, DOCX, ODT, HTML, Markdown or plain text, at most %(mb)s MB.")
        % {"mb": settings.MAX_UPLOAD_MB},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.docx,.odt,.html,.htm,.md,.markdown,.txt"}
        ),
    )
    field_order = [
        "file", "title", "kind", "organisations", "year", "authors", "institution",
        "publication_date", "status",
    ]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["title"].help_text = _("Leave empty to take the title from the document.")
        self.restrict_for(user)


class SourceEditForm(UtrechtFormMixin, _MetadataFields):
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = reason_field()
    field_order = [
        "title", "kind", "organisations", "year", "authors", "institution",
        "publication_date", "summary", "status", "reason",
    ]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.restrict_for(user)

    def changed_values(self) -> dict:
        """The cleaned metadata (without the reason), ready for ``update_metadata``."""
        return {k: v for k, v in self.cleaned_data.items() if k != "reason"}


class DeleteForm(UtrechtFormMixin, forms.Form):
    reason = reason_field(
        help_text=_("Why is this source removed? Recorded in the audit history.")
    )
