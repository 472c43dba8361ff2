"""The agency finder: a name typed in (the type-ahead fills it), resolved to agencies."""

from __future__ import annotations

from django import forms

REQUIRED_MESSAGE = (
    "Please select an agency; agency options are available after typing a few characters "
    "in the agency name."
)


class AgencyFinderForm(forms.Form):
    agency = forms.CharField(
        label="Agency name",
        max_length=255,
        error_messages={"required": REQUIRED_MESSAGE},
        widget=forms.TextInput(attrs={
            "placeholder": "Search for police or sheriff's department...",
            "autocomplete": "off",
            "class": "form-control",
        }),
    )
    # Set by the type-ahead when a suggestion is picked; a stale or foreign id is ignored.
    agency_id = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                   widget=forms.HiddenInput)
