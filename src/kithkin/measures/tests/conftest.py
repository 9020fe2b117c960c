import datetime
import uuid

import pytest
from django.utils import timezone

from kithkin.measures import services
from kithkin.schedule.models import Session

DAY = datetime.timedelta(days=1)

# PHQ-9 answers: items 1-9, each 0-3. MODERATE totals 12 with item 9 unanswered... see below.
PHQ9_MODERATE = {1: 2, 2: 2, 3: 1, 4: 2, 5: 1, 6: 1, 7: 2, 8: 1, 9: 0}  # 12, moderate
PHQ9_MILD = {1: 1, 2: 1, 3: 1, 4: 1, 5: 0, 6: 1, 7: 0, 8: 0, 9: 0}  # 5, mild
GAD7_MODERATE = {1: 2, 2: 2, 3: 2, 4: 1, 5: 2, 6: 1, 7: 1}  # 11
GAD7_MILD = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 0, 7: 0}  # 5


def alliance(value: int) -> dict[int, int]:
    return {item: value for item in range(1, 10)}


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def attended(world):
    """Makes carol's attended sessions, a week apart, the last one yesterday."""

    def make(count: int, client=None, therapist=None) -> list[Session]:
        client = client or world.carol
        now = timezone.now()
        return [
            Session.objects.create(
                practice=client.practice,
                client=client,
                therapist=therapist or world.alice,
                starts_at=now - (count - n) * 7 * DAY - DAY,
                status=Session.Status.ATTENDED,
            )
            for n in range(count)
        ]

    return make


@pytest.fixture
def submit(world):
    """Submits a response for carol (or another client) as the service would from the portal."""

    def send(code, answers, *, client=None, by=None, via="portal", **extra):
        client = client or world.carol
        return services.response_submit(
            client=client,
            instrument_code=code,
            answers=answers,
            by=by if by is not None else client.portal_user,
            via=via,
            idempotency_key=extra.pop("idempotency_key", key()),
            **extra,
        )

    return send
