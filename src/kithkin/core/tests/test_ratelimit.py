import pytest

from kithkin.core.ratelimit import Tally, window_index


def test_the_previous_window_counts_for_the_part_still_inside_the_sliding_one():
    assert Tally(previous=10, current=3, elapsed=0.25).estimate == pytest.approx(10.5)
    assert Tally(previous=10, current=3, elapsed=0.0).estimate == 13


def test_a_limit_allows_up_to_and_including_it():
    assert Tally(previous=0, current=2, elapsed=0.5).allows(2)
    assert not Tally(previous=0, current=3, elapsed=0.5).allows(2)


def test_a_burst_across_the_edge_of_a_window_is_refused():
    # Two at the end of one window and a third just after: a count per fixed window would
    # allow it, and with it twice the limit within a moment.
    assert not Tally(previous=2, current=1, elapsed=0.001).allows(2)


def test_a_refusal_waits_until_enough_of_the_previous_window_has_slid_out():
    refused = Tally(previous=4, current=2, elapsed=0.25)  # 3 + 2 > 4
    # One more fits once the previous window weighs 2: halfway through this one.
    assert refused.wait(limit=4, seconds=60) == pytest.approx(15)
    assert Tally(previous=4, current=2, elapsed=0.5).allows(4)
    assert not Tally(previous=4, current=2, elapsed=0.49).allows(4)


def test_a_full_window_waits_into_the_next():
    refused = Tally(previous=0, current=3, elapsed=0.5)  # the third of "2 per window"
    wait = refused.wait(limit=2, seconds=60)
    assert wait == pytest.approx(30 + 30)  # the rest of this one, and half the next
    # Half into the next window, its previous (the two counted) weighs one: one more fits.
    assert Tally(previous=2, current=1, elapsed=0.5).allows(2)
    assert not Tally(previous=2, current=1, elapsed=0.49).allows(2)


@pytest.mark.parametrize(
    "tally",
    [
        Tally(previous=5, current=1, elapsed=0.0),
        Tally(previous=1, current=5, elapsed=0.99),
        Tally(previous=100, current=100, elapsed=0.5),
    ],
)
def test_a_refused_request_is_always_told_to_wait_a_while(tally):
    assert not tally.allows(4)
    assert tally.wait(limit=4, seconds=60) > 0


def test_a_limit_of_nothing_waits_one_window():
    assert Tally(previous=0, current=1, elapsed=0.3).wait(limit=0, seconds=60) == 60


def test_the_window_is_counted_from_the_epoch():
    assert window_index(125.0, 60) == (2, pytest.approx(5 / 60))
