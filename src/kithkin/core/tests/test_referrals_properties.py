"""A referral's move, from whatever the form or the URL sends (a status, a target, a kind): the
next status, or ReferralRefused with a sentence for the therapist; never another error."""

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.referrals import NEXT, Kind, ReferralRefused, Side, Status, move

ANY = st.sampled_from([s.value for s in Status]) | st.text(max_size=20)
KINDS = st.sampled_from([k.value for k in Kind]) | st.text(max_size=20)


@given(status=ANY, target=ANY, kind=KINDS, side=st.sampled_from(list(Side)))
def test_a_move_is_a_next_status_or_refused_in_words(status, target, kind, side):
    try:
        reached = move(status, target, kind=kind, side=side)
    except ReferralRefused as refused:
        assert str(refused).strip()
        return
    assert reached is Status(target)
    assert reached in NEXT[Status(status)]
