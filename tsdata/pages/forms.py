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
    # Set by the type-ahead when a suggestion is picked. The user cannot see or fix it, so a
    # stale or malformed id is ignored and the typed name decides.
    agency_id = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)

    def clean_agency_id(self) -> int | None:
        value = self.cleaned_data["agency_id"]
        return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None
