"""The import form: the file and where the client starts. The file's contents are the reader's
to judge (kithkin.imports.reader); the form only takes it as UTF-8 text of a bounded size."""

from django import forms

from kithkin.core.episodes import Phase
from kithkin.imports.reader import MAX_BYTES


class ImportForm(forms.Form):
    bundle = forms.FileField(
        label="The FHIR file from the previous therapist",
        help_text=(
            "A FHIR R4 Bundle in JSON (collection, document, searchset or transaction), "
            f"at most {MAX_BYTES // 1024 // 1024} MB."
        ),
        error_messages={"required": "Choose the file to import."},
    )
    phase = forms.ChoiceField(
        label="The client starts at",
        choices=[
            (Phase.REACHING_OUT.value, Phase.REACHING_OUT.label),
            (Phase.ASSESSMENT.value, Phase.ASSESSMENT.label),
        ],
        initial=Phase.REACHING_OUT.value,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose where the client starts."},
    )

    def clean_bundle(self) -> str:
        upload = self.cleaned_data["bundle"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the import takes at most "
                f"{MAX_BYTES // 1024 // 1024} MB."
            )
        try:
            # utf-8-sig: a byte-order mark some exporters write is not part of the JSON.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text: it cannot be FHIR JSON."
            ) from None
