# SPDX-License-Identifier: EUPL-1.2
"""Forms: a questionnaire generated from a definition, definition upload, waves, imports."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staat.analysis import instrument_schema as schema
from staat.analysis import microdata
from staat.instruments.models import Wave
from staat.instruments.services import JUSTIFICATION_SUFFIX, PASSTHROUGH

#: Attributes filled in by Staat itself, not asked in a web form.
AUTOMATIC_ATTRIBUTES = ("organisation", "org_type", "assessor")


class QuestionnaireForm(forms.Form):
    """The items and attributes of an instrument as a form.

    With ``draft=True`` nothing is required (a draft may be incomplete); values must still
    be valid answers. ``sections`` gives the fields grouped by dimension for the template.
    """

    organisation = forms.ModelChoiceField(queryset=None, label=_("Organisation"))

    def __init__(self, definition: schema.Instrument, *args, language: str = "nl",
                 organisations=None, draft: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.language = language
        self.draft = draft
        self.fields["organisation"].queryset = organisations
        self._values: dict[str, dict[str, object]] = {}
        self.sections = []
        for dim in definition.dimensions:
            entries = []
            for item in dim.items:
                scale = definition.scales[item.scale]
                self._values[item.code] = {str(o.value): o.value for o in scale.options}
                choices = [(str(o.value), o.label.get(language)) for o in scale.options]
                self.fields[item.code] = forms.ChoiceField(
                    label=item.text.get(language), choices=choices,
                    required=item.required and not draft, widget=forms.RadioSelect)
                anchors = None
                if item.anchors:
                    anchors = [(scale.option(v).label.get(language) if scale.option(v) else v,
                                text.get(language)) for v, text in item.anchors.items()]
                just = None
                if item.justification_required:
                    just = f"{item.code}{JUSTIFICATION_SUFFIX}"
                    self.fields[just] = forms.CharField(
                        label=_("Justification"), required=not draft,
                        widget=forms.Textarea(attrs={"rows": 3}),
                        help_text=_("Required: explain your score. Name exceptional "
                                    "circumstances if there were any."))
                entries.append({"name": item.code, "anchors": anchors, "justification": just})
            self.sections.append({"dimension": dim, "label": dim.label.get(language),
                                  "description": (dim.description.get(language)
                                                  if dim.description else ""),
                                  "items": entries})
        self.attribute_names = []
        for at in definition.attributes:
            if at.code in AUTOMATIC_ATTRIBUTES:
                continue
            label = at.label.get(language)
            required = at.required and not draft
            if at.type == "category":
                self._values[at.code] = {str(o.value): o.value for o in at.options}
                field = forms.ChoiceField(
                    label=label, required=required,
                    choices=[("", "—"), *[(str(o.value), o.label.get(language))
                                          for o in at.options]])
            elif at.type == "number":
                field = forms.FloatField(label=label, required=required)
            else:
                field = forms.CharField(label=label, required=required, max_length=300)
            self.fields[at.code] = field
            self.attribute_names.append(at.code)

    def bound_sections(self):
        for section in self.sections:
            yield {**section, "items": [
                {"field": self[e["name"]], "anchors": e["anchors"],
                 "justification": self[e["justification"]] if e["justification"] else None}
                for e in section["items"]]}

    def attribute_fields(self):
        return [self[name] for name in self.attribute_names]

    def answers(self) -> dict:
        """Item answers (typed as in the definition) and justifications."""
        out = {}
        for item in self.definition.items:
            raw = self.cleaned_data.get(item.code)
            if raw not in (None, ""):
                out[item.code] = self._values[item.code][raw]
            just = f"{item.code}{JUSTIFICATION_SUFFIX}"
            if just in self.cleaned_data and self.cleaned_data[just]:
                out[just] = self.cleaned_data[just].strip()
        return out

    def attributes(self) -> dict:
        out = {}
        for code in self.attribute_names:
            value = self.cleaned_data.get(code)
            if value in (None, ""):
                continue
            out[code] = self._values[code][value] if code in self._values else value
        return out

    @classmethod
    def initial_from(cls, answers: dict) -> dict:
        initial = {}
        for k, v in (answers or {}).items():
            key = k.removeprefix("attr:")
            initial[key] = str(v) if not isinstance(v, str) else v
        return initial


class DefinitionUploadForm(forms.Form):
    file = forms.FileField(label=_("Definition (YAML)"),
                           help_text=_("A file in the staat-instrument/1 format, UTF-8."))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 1024 * 1024:
            raise forms.ValidationError(_("A definition is at most 1 MB."))
        try:
            self.text = f.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc
        return f


class WaveForm(forms.ModelForm):
    class Meta:
        model = Wave
        fields = ["name", "year", "period", "ends_on", "is_open"]
        widgets = {"ends_on": forms.DateInput(attrs={"type": "date"})}


class ImportUploadForm(forms.Form):
    wave = forms.ModelChoiceField(queryset=Wave.objects.none(), label=_("Wave"))
    organisation = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Organisation of every row"),
        help_text=_("Leave empty when the file has a column with the organisation's code."))
    file = forms.FileField(label=_("File"), help_text=_("CSV, Excel (.xlsx) or SPSS (.sav); "
                                                        "one row per respondent."))

    def __init__(self, *args, waves=None, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wave"].queryset = waves
        self.fields["organisation"].queryset = organisations


class MappingForm(forms.Form):
    """One choice per file column: an item, an attribute, the respondent key, the
    organisation, or nothing."""

    def __init__(self, *args, columns, definition: schema.Instrument, language="nl",
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = list(columns)
        choices = [("", _("(not imported)")),
                   (microdata.RESPONDENT, _("Respondent key (stored only as a pseudonym)")),
                   ("organisation", _("Organisation (code)"))]
        choices += [(a.code, f"{a.code}: {a.label.get(language)}")
                    for a in definition.attributes if a.code not in PASSTHROUGH]
        choices += [(i.code, f"{i.code}: {i.text.get(language)[:70]}") for i in definition.items]
        for index, col in enumerate(self.columns):
            self.fields[f"col_{index}"] = forms.ChoiceField(label=col, choices=choices,
                                                            required=False)

    def mapping(self) -> dict[str, str]:
        return {col: self.cleaned_data.get(f"col_{i}") for i, col in enumerate(self.columns)
                if self.cleaned_data.get(f"col_{i}")}

    @classmethod
    def initial_for(cls, columns, mapping: dict) -> dict:
        return {f"col_{i}": mapping.get(col, "") for i, col in enumerate(columns)}

    def clean(self):
        data = super().clean()
        seen: dict[str, str] = {}
        for i, col in enumerate(self.columns):
            target = data.get(f"col_{i}")
            if not target:
                continue
            if target in seen:
                self.add_error(f"col_{i}", _("Also chosen for column “%(other)s”.")
                               % {"other": seen[target]})
            seen[target] = col
        return data
