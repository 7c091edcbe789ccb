# SPDX-License-Identifier: EUPL-1.2
"""Forms for the findings pages: filters, decisions, memos, the codebook and coding sessions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staat.core.forms import UtrechtFormMixin
from staat.core.models import Organisation, User
from staat.findings import codebook as cb
from staat.findings.models import Kind, Origin, Status, Theme


class ThemeMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Theme) -> str:
        return f"{obj.parent.label} › {obj.label}" if obj.parent_id else obj.label


class FindingFilterForm(UtrechtFormMixin, forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), required=False, queryset=Organisation.objects.all(),
        to_field_name="code", empty_label=_("All organisations"),
    )
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("All kinds")), *Kind.choices])
    theme = forms.ModelChoiceField(label=_("Theme"), required=False, queryset=Theme.objects.none(),
                                   to_field_name="code", empty_label=_("All themes"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Status.choices])
    origin = forms.ChoiceField(label=_("Origin"), required=False,
                               choices=[("", _("Machine and person")), *Origin.choices])
    confidence_min = forms.FloatField(label=_("Confidence from"), required=False, min_value=0,
                                      max_value=1, widget=forms.NumberInput(attrs={"step": "0.05"}))
    confidence_max = forms.FloatField(label=_("Confidence up to"), required=False, min_value=0,
                                      max_value=1, widget=forms.NumberInput(attrs={"step": "0.05"}))
    source = forms.IntegerField(required=False, widget=forms.HiddenInput)

    FILTERS = ("organisation", "year", "kind", "theme", "status", "origin", "confidence_min",
               "confidence_max", "source")

    def __init__(self, *args, years=(), organisations=None, researcher=False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("All years")), *((str(y), str(y)) for y in years)]
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        self.fields["theme"].queryset = cb.ensure_codebook().themes.order_by("order", "code")
        if not researcher:
            self.fields["status"].choices = [
                ("", _("All statuses")), (Status.CONFIRMED, Status.CONFIRMED.label),
                (Status.EDITED, Status.EDITED.label),
            ]

    def apply(self, qs):
        if not self.is_valid():
            return qs
        d = self.cleaned_data
        if d["organisation"]:
            qs = qs.filter(source__organisations=d["organisation"])
        if d["year"]:
            qs = qs.filter(source__year=d["year"])
        if d["kind"]:
            qs = qs.filter(kind=d["kind"])
        if d["theme"]:
            qs = qs.filter(finding_themes__theme=d["theme"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["origin"]:
            qs = qs.filter(origin=d["origin"])
        if d["confidence_min"] is not None:
            qs = qs.filter(confidence__gte=d["confidence_min"])
        if d["confidence_max"] is not None:
            qs = qs.filter(confidence__lte=d["confidence_max"])
        if d["source"]:
            qs = qs.filter(source_id=d["source"])
        return qs.distinct()


def theme_field(required=False) -> ThemeMultipleChoiceField:
    return ThemeMultipleChoiceField(
        label=_("Themes"), required=required, queryset=Theme.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Hold Ctrl (or Cmd) to choose several."),
    )


class _ThemesMixin:
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = cb.active_themes()


class EditForm(_ThemesMixin, UtrechtFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    themes = theme_field()
    char_start = forms.IntegerField(label=_("Start (character)"), min_value=0)
    char_end = forms.IntegerField(label=_("End (character)"), min_value=1)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             help_text=_("Why you changed the machine's suggestion."))


class CreateForm(EditForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _("Why this is a finding (recorded with your name).")


class RejectForm(UtrechtFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=2000)


class ConfirmForm(forms.Form):
    reason = forms.CharField(required=False, max_length=2000)


class MemoForm(UtrechtFormMixin, forms.Form):
    text = forms.CharField(label=_("Memo"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ThemeForm(UtrechtFormMixin, forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=64,
                           help_text=_("Stable identifier: lowercase letters, digits and hyphens. "
                                       "It cannot be changed later."))
    label_nl = forms.CharField(label=_("Label (Dutch)"), max_length=200)
    label_en = forms.CharField(label=_("Label (English)"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.ModelChoiceField(label=_("Parent theme"), required=False,
                                    queryset=Theme.objects.none(),
                                    empty_label=_("(top level)"))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)

    def __init__(self, *args, theme: Theme | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        qs = cb.ensure_codebook().themes.order_by("order", "code")
        if theme is not None:
            qs = qs.exclude(pk=theme.pk)
            self.fields["code"].disabled = True
            self.fields["code"].required = False
        self.fields["parent"].queryset = qs


class SourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.year})" if obj.year else obj.title


class SessionForm(UtrechtFormMixin, forms.Form):
    source = SourceChoiceField(label=_("Source"), queryset=None)
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    coders = forms.ModelMultipleChoiceField(
        label=_("Coders"), queryset=User.objects.none(),
        help_text=_("Choose two or more researchers (Ctrl or Cmd for several)."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from django.db.models import Q

        from staat.sources.models import Source

        self.fields["source"].queryset = Source.objects.exclude(text="").order_by("-year", "title")
        self.fields["coders"].queryset = User.objects.filter(
            Q(role__in=["researcher", "administrator"]) | Q(is_superuser=True)
        ).order_by("username")


class CodingForm(_ThemesMixin, UtrechtFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    themes = theme_field()
    char_start = forms.IntegerField(label=_("Start (character)"), min_value=0)
    char_end = forms.IntegerField(label=_("End (character)"), min_value=1)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
