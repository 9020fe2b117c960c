from django import forms

from kithkin.core.spheres import RATING_WORDS
from kithkin.core.vocabulary import COMPONENTS, TYPES

RINGS = [(1, "1 — closest, safest"), (2, "2"), (3, "3"), (4, "4"), (5, "5 — furthest")]
RATINGS = [(value, word) for value, word in RATING_WORDS.items()]


class EntryForm(forms.Form):
    """One person on the map. Ring, types and ratings are re-checked by the core rules."""

    person = forms.TypedChoiceField(coerce=int, label="Person")
    ring = forms.TypedChoiceField(coerce=int, choices=RINGS, widget=forms.RadioSelect, label="Ring")
    types = forms.MultipleChoiceField(
        choices=[(t.key, t.label) for t in TYPES.values()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Relationship types",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(p.pk, p.name) for p in people]
        for component in COMPONENTS.values():
            self.fields[f"c_{component.key}"] = forms.TypedChoiceField(
                coerce=int,
                choices=RATINGS,
                initial=0,
                required=False,
                label=component.label,
                help_text=component.description,
            )

    def ratings(self) -> dict[str, int]:
        return {
            key: self.cleaned_data.get(f"c_{key}") or 0
            for key in COMPONENTS
            if self.cleaned_data.get(f"c_{key}")
        }
