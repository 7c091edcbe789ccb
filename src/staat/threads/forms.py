# SPDX-License-Identifier: EUPL-1.2
"""Forms of the threads and calls pages (labels in English, translated by gettext)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staat.findings.models import Kind
from staat.sources.models import Source
from staat.threads.models import Audience, FollowUpStatus, MatchStatus, Thread, Trend

REASON_HELP = _("Kept with the decision in the history.")


def _reason(required: bool = False) -> forms.CharField:
    return forms.CharField(label=_("Reason"), required=required, help_text=REASON_HELP,
                           widget=forms.Textarea(attrs={"rows": 2,
                                                        "class": "utrecht-textarea"}))


def _text_input() -> forms.TextInput:
    return forms.TextInput(attrs={"class": "utrecht-textbox utrecht-textbox--html-input"})


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "utrecht-select utrecht-select--html-select"})


class ThreadFilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None,
                                  widget=_select())
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=_select(),
                             choices=[("", _("All kinds")), *Kind.choices])
    theme = forms.ChoiceField(label=_("Theme"), required=False, widget=_select())
    trend = forms.ChoiceField(label=_("Trend"), required=False, widget=_select(),
                              choices=[("", _("All trends")), *Trend.choices])

    def __init__(self, *args, years=(), themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Latest year")), *[(y, y) for y in years]]
        self.fields["theme"].choices = [("", _("All themes")), *themes]


class RenameForm(forms.Form):
    label = forms.CharField(label=_("New name"), max_length=300, widget=_text_input())
    reason = _reason()


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(label=_("Merge into"), queryset=Thread.objects.none(),
                                  to_field_name="key", widget=_select())
    reason = _reason(required=True)

    def __init__(self, *args, thread: Thread, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = Thread.objects.current().exclude(pk=thread.pk)


class SplitForm(forms.Form):
    label = forms.CharField(label=_("Name of the new thread"), max_length=300,
                            widget=_text_input())
    findings = forms.TypedMultipleChoiceField(coerce=int, label=_("Findings to move"))
    reason = _reason(required=True)

    def __init__(self, *args, finding_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].choices = [(i, i) for i in finding_ids]


class FindingActionForm(forms.Form):
    ACTIONS = [("pin", _("Pin")), ("unpin", _("Unpin")), ("remove", _("Remove")),
               ("add", _("Add"))]
    finding = forms.IntegerField(label=_("Finding number"), min_value=1,
                                 widget=forms.NumberInput(attrs={
                                     "class": "utrecht-textbox utrecht-textbox--html-input"}))
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    reason = _reason()


class PinThreadForm(forms.Form):
    pinned = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = _reason()


class CallForm(forms.Form):
    edition_year = forms.IntegerField(label=_("Edition"), min_value=2000, max_value=2100,
                                      widget=forms.NumberInput(attrs={
                                          "class": "utrecht-textbox utrecht-textbox--html-input"}))
    order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False,
                               widget=forms.NumberInput(attrs={
                                   "class": "utrecht-textbox utrecht-textbox--html-input"}))
    title = forms.CharField(label=_("Short title"), max_length=200, widget=_text_input())
    text = forms.CharField(label=_("Original wording"),
                           widget=forms.Textarea(attrs={"rows": 4, "class": "utrecht-textarea"}))
    audience = forms.ChoiceField(label=_("Addressed to"), choices=Audience.choices,
                                 widget=_select())
    threads = forms.ModelMultipleChoiceField(
        label=_("Threads"), required=False, queryset=Thread.objects.none(), to_field_name="key",
        widget=forms.SelectMultiple(attrs={"class": "utrecht-select utrecht-select--html-select",
                                           "size": 6}))
    reason = _reason()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["threads"].queryset = Thread.objects.current().order_by("label")


class VersionForm(forms.Form):
    edition_year = forms.IntegerField(label=_("Edition"), min_value=2000, max_value=2100,
                                      widget=forms.NumberInput(attrs={
                                          "class": "utrecht-textbox utrecht-textbox--html-input"}))
    text = forms.CharField(label=_("Sharpened wording"),
                           widget=forms.Textarea(attrs={"rows": 3, "class": "utrecht-textarea"}))
    note = forms.CharField(label=_("Why it was sharpened"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "utrecht-textarea"}))


class FollowUpForm(forms.Form):
    edition_year = forms.IntegerField(label=_("Edition"), min_value=2000, max_value=2100,
                                      widget=forms.NumberInput(attrs={
                                          "class": "utrecht-textbox utrecht-textbox--html-input"}))
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices,
                               widget=_select())
    response = forms.CharField(label=_("Response"), required=False, widget=forms.Textarea(
        attrs={"rows": 3, "class": "utrecht-textarea"}))
    steps = forms.CharField(label=_("Steps taken"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3, "class": "utrecht-textarea"}))
    citations = forms.CharField(
        label=_("Sources cited"), required=False, widget=_text_input(),
        help_text=_("Source numbers, each with an optional page: 12, 14:3, 20:7"))
    reason = _reason()

    def clean_citations(self):
        out = []
        for part in (self.cleaned_data.get("citations") or "").replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            sid, _sep, page = part.partition(":")
            try:
                source = Source.objects.get(pk=int(sid))
                out.append((source, int(page) if page.strip() else None))
            except (ValueError, Source.DoesNotExist) as exc:
                raise forms.ValidationError(_("Unknown source: %(s)s") % {"s": part}) from exc
        return out


class CheckForm(forms.Form):
    sources = forms.ModelMultipleChoiceField(
        label=_("Documents to check against"), queryset=Source.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For example election programmes or government letters (add them as "
                    "sources of kind “other” or “advisory report”)."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].queryset = Source.objects.order_by("-year", "title")


class MatchDecisionForm(forms.Form):
    status = forms.ChoiceField(choices=MatchStatus.choices, widget=forms.HiddenInput)
    reason = forms.CharField(required=False, widget=forms.HiddenInput)
