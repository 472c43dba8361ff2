"""The search form shared by the states: agency resolution, date rules, messages.

States subclass ``StopSearchForm`` to add their person and stop fields (choices differ) and
set ``agency_model`` and ``agency_help``.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django import forms
from django.db import models
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

AGENCY_REQUIRED = (
    "Please select an agency; agency options are available after typing a few characters "
    "in the agency name."
)
UNKNOWN_AGENCY = (
    "No agency named “%(name)s”. Pick one from the suggestions as you type, or from the "
    "state's agency list."
)
END_BEFORE_START = "End date must be greater than or equal to start-date"
RANGE_TOO_LONG = "Date-range must be less than or equal to one-year"
# A leap year's range of 1/1 to 1/1 of the next year is still "one year".
MAX_RANGE = dt.timedelta(days=366)
EMPTY_CHOICE = ("", "---")


def choice_field(label: str, choices, **kwargs) -> forms.ChoiceField:
    """An optional select with the leading "---" choice of the original form."""
    return forms.ChoiceField(label=label, choices=(EMPTY_CHOICE, *choices), required=False,
                             **kwargs)


def checkbox_field(label: str, choices) -> forms.TypedMultipleChoiceField:
    """An optional multi-select of coded integers shown as checkboxes."""
    return forms.TypedMultipleChoiceField(
        label=label, choices=choices, coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DateInput(forms.DateInput):
    """A native date picker; it submits ISO dates, and typed US dates are accepted too."""

    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class StopSearchForm(forms.Form):
    agency_model: ClassVar[type[models.Model]]
    agency_help: ClassVar[str] = ""

    agency = forms.CharField(
        label="Agency Name", max_length=255,
        error_messages={"required": AGENCY_REQUIRED},
        widget=forms.TextInput(attrs={
            "autocomplete": "off",
            "placeholder": "Search for police or sheriff's department...",
        }),
    )
    officer = forms.CharField(label="Officer ID", max_length=15, required=False,
                              help_text="ex: 227")
    start_date = forms.DateField(label="Start Date", required=False, widget=DateInput(),
                                 help_text="ex: 8/13/2013")
    end_date = forms.DateField(label="End Date", required=False, widget=DateInput(),
                               help_text="ex: 8/13/2014")
    age = forms.IntegerField(label="Age", min_value=0, max_value=130, required=False)

    def __init__(self, *args, datalist_id: str = "", **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["agency"].help_text = self.agency_help
        if datalist_id:
            self.fields["agency"].widget.attrs["list"] = datalist_id

    def clean_agency(self) -> models.Model:
        """The agency of that exact name, else of that name in any case; else an error.

        An unknown name must never widen the search to every agency. Duplicate names
        (rare) resolve to the lowest id, the older agency.
        """
        name = self.cleaned_data["agency"].strip()
        agencies = self.agency_model.objects.order_by("id")
        agency = agencies.filter(name=name).first() or agencies.filter(name__iexact=name).first()
        if agency is None:
            raise forms.ValidationError(UNKNOWN_AGENCY, code="unknown_agency",
                                        params={"name": name})
        return agency

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end:
            if start > end:
                self.add_error("end_date", forms.ValidationError(END_BEFORE_START,
                                                                 code="end_before_start"))
            elif end - start > MAX_RANGE:
                self.add_error("end_date", forms.ValidationError(RANGE_TOO_LONG,
                                                                 code="range_too_long"))
        return cleaned

    def checkbox_fields(self) -> list[dict]:
        """The multi-select fields (rendered as fieldsets after the single-value ones), each
        with its checkboxes' HTML built here: one widget template per checkbox would cost
        more than the search itself."""
        return [{"field": self[name], "boxes": self._checkboxes(self[name])}
                for name, field in self.fields.items()
                if isinstance(field.widget, forms.CheckboxSelectMultiple)]

    @staticmethod
    def _checkboxes(bound: forms.BoundField) -> SafeString:
        checked = {str(value) for value in (bound.value() or ())}
        return format_html_join(
            "", '<label for="{0}_{1}"><input type="checkbox" name="{2}" value="{3}" '
            'id="{0}_{1}"{4}> {5}</label>',
            ((bound.auto_id, index, bound.html_name, value,
              SafeString(" checked") if str(value) in checked else "", label)
             for index, (value, label) in enumerate(bound.field.choices)))

    def single_fields(self) -> list[forms.BoundField]:
        return [self[name] for name, field in self.fields.items()
                if not isinstance(field.widget, forms.CheckboxSelectMultiple)]
