import dataclasses

from hypothesis import given
from hypothesis import strategies as st

from kithkin.core.audit import GENESIS, StoredEvent, canonical_json, chain_hash, verify_chain


def build(n: int) -> list[StoredEvent]:
    events, previous = [], GENESIS
    for seq in range(1, n + 1):
        payload = {
            "seq": seq,
            "action": "client.view",
            "resource_id": str(seq * 7),
            "actor": "alice",
        }
        digest = chain_hash(previous, payload)
        events.append(
            StoredEvent(
                event_id=100 + seq, seq=seq, previous_hash=previous, hash=digest, payload=payload
            )
        )
        previous = digest
    return events


def test_canonical_json_ignores_key_order_and_keeps_unicode():
    assert canonical_json({"b": 1, "a": "Zoë"}) == canonical_json({"a": "Zoë", "b": 1})
    assert canonical_json({"a": "Zoë"}) == '{"a":"Zoë"}'.encode()


def test_the_hash_is_sha256_of_previous_hash_and_canonical_json():
    import hashlib

    payload = {"seq": 1, "x": "y"}
    assert (
        chain_hash(GENESIS, payload)
        == hashlib.sha256(GENESIS.encode() + b'{"seq":1,"x":"y"}').hexdigest()
    )


def test_an_intact_chain_verifies():
    events = build(5)
    verdict = verify_chain(events, head_seq=5, head_hash=events[-1].hash)
    assert verdict.ok and verdict.checked == 5


def test_an_edited_event_is_named():
    events = build(5)
    events[2] = dataclasses.replace(events[2], payload={**events[2].payload, "actor": "mallory"})
    verdict = verify_chain(events)
    assert not verdict.ok
    assert verdict.first_bad_id == 103
    assert "content" in verdict.reason


def test_an_edited_and_rehashed_event_is_named_by_its_successor():
    events = build(5)
    forged = {**events[1].payload, "actor": "mallory"}
    events[1] = dataclasses.replace(
        events[1], payload=forged, hash=chain_hash(events[1].previous_hash, forged)
    )
    assert verify_chain(events).first_bad_id == 103


def test_a_deleted_event_is_named():
    events = build(5)
    del events[2]
    verdict = verify_chain(events)
    assert verdict.first_bad_id == 104
    assert "expected sequence number 3" in verdict.reason


def test_a_deleted_tail_is_caught_by_the_head():
    events = build(5)
    verdict = verify_chain(events[:3], head_seq=5, head_hash=events[-1].hash)
    assert not verdict.ok
    assert verdict.first_bad_id == 103


def test_reordered_events_are_named():
    events = build(5)
    events[1], events[2] = events[2], events[1]
    assert verify_chain(events).first_bad_id == 103


def test_a_renumbered_event_is_named():
    events = build(3)
    events[1] = dataclasses.replace(events[1], seq=2, payload={**events[1].payload, "seq": 9})
    assert not verify_chain(events).ok


@given(st.integers(min_value=1, max_value=30), st.data())
def test_any_single_change_to_any_event_is_detected(n, data):
    events = build(n)
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    key = data.draw(st.sampled_from(["action", "resource_id", "actor"]))
    value = data.draw(st.text(max_size=10))
    if events[index].payload[key] == value:
        return
    events[index] = dataclasses.replace(
        events[index], payload={**events[index].payload, key: value}
    )
    verdict = verify_chain(events, head_seq=n, head_hash=build(n)[-1].hash)
    assert not verdict.ok
    assert verdict.first_bad_id == events[index].event_id
