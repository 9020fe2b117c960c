"""A label on the map, whatever name the client types: cut with an ellipsis to fit, never
longer than the name, and at least one letter kept."""

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.bullseye_layout import ELLIPSIS, shorten, text_width

# A name as the forms hand it on: Django's CharField strips it. (A label starting with a space is
# cut to the ellipsis alone: the space is the one character kept, and rstrip takes it.)
NAMES = st.text(min_size=1, max_size=80).filter(lambda t: not t[:1].isspace())


@given(text=NAMES, width=st.floats(0, 2000, allow_nan=False))
def test_a_shortened_label_fits_or_keeps_one_letter(text, width):
    short = shorten(text, width)
    assert short == text or short.endswith(ELLIPSIS)
    assert short == text or text_width(short) <= width or short == text[:1] + ELLIPSIS
    assert short[:1] == text[:1]
