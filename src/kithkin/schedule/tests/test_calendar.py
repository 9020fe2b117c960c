import datetime

from django.urls import reverse
from django.utils import timezone

from kithkin.core.schedule import Week
from kithkin.schedule.models import Session

# The session and user, the visit's audit event (chain head, event, head update) and the
# week's sessions with their clients' names, whatever their number.
QUERIES = 6


def at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def calendar(week=None, therapist=None) -> str:
    query = {}
    if week:
        query["week"] = str(week)
    if therapist:
        query["therapist"] = therapist.pk
    url = reverse("calendar")
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def book(world, day, hour, *, therapist=None, client=None, **fields):
    return Session.objects.create(
        practice=world.practice,
        client=client or world.carol,
        therapist=therapist or world.alice,
        starts_at=at(day, hour),
        **fields,
    )


def test_the_calendar_shows_this_week_by_default_with_clients_linked(world, login):
    week = Week.of(timezone.localdate())
    monday, sunday = week.days[0], week.days[-1]
    first = book(world, monday, 9, kind="joint")
    last = book(world, sunday, 18, modality="video")
    book(world, monday - datetime.timedelta(days=1), 9)  # last week
    book(world, sunday + datetime.timedelta(days=1), 9)  # next week
    book(world, monday, 11, therapist=world.bob, client=world.dave)  # bob's
    response = login(world.alice).get(reverse("calendar"))
    assert response.status_code == 200
    assert response.context["week"] == week
    days = response.context["days"]
    assert [d.date for d in days] == week.days
    assert [s.pk for d in days for s in d.sessions] == [first.pk, last.pk]
    body = response.content.decode()
    assert "Your calendar: week" in body
    assert reverse("client_detail", args=[world.carol.pk]) in body
    assert reverse("session_detail", args=[world.carol.pk, first.pk]) in body
    assert "Carol Quill" in body and "Dave" not in body
    assert body.count('<h2 id="day-') == 7
    assert 'scope="col">Client</th>' in body
    assert "This week</a>" not in body  # already there


def test_weeks_are_navigated_by_their_iso_names(world, login):
    book(world, datetime.date(2026, 11, 18), 10)
    response = login(world.alice).get(calendar(week="2026-W47"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "week 47 of 2026" in body
    assert 'href="/calendar/?week=2026-W46" rel="prev"' in body
    assert 'href="/calendar/?week=2026-W48" rel="next"' in body
    [wednesday] = [d for d in response.context["days"] if d.sessions]
    assert wednesday.date == datetime.date(2026, 11, 18)
    if Week.of(timezone.localdate()) != Week(2026, 47):
        assert "This week</a>" in body


def test_a_malformed_week_is_not_found(world, login):
    alice = login(world.alice)
    for week in ("2026-47", "2025-W53", "soon"):
        assert alice.get(reverse("calendar") + f"?week={week}").status_code == 404


def test_the_supervisor_reads_a_supervisee_s_week(world, login):
    week = Week.of(timezone.localdate())
    book(world, week.monday, 10)
    sam = login(world.sam)
    own = sam.get(reverse("calendar"))
    assert own.context["own"] and [s for d in own.context["days"] for s in d.sessions] == []
    assert f'<option value="{world.alice.pk}"' in own.content.decode()
    response = sam.get(calendar(therapist=world.alice))
    assert response.status_code == 200
    assert response.context["therapist"] == world.alice
    body = response.content.decode()
    assert "Calendar of Alice Example" in body and "Carol Quill" in body
    # The week links keep to alice's calendar.
    assert f"therapist={world.alice.pk}" in response.context["next_url"]


def test_nobody_else_s_calendar_is_found(world, login):
    book(world, timezone.localdate(), 10)
    assert login(world.bob).get(calendar(therapist=world.alice)).status_code == 404
    assert login(world.sam).get(calendar(therapist=world.bob)).status_code == 404
    assert login(world.mallory).get(calendar(therapist=world.alice)).status_code == 404
    assert login(world.alice).get(reverse("calendar") + "?therapist=x").status_code == 404
    # Naming oneself is one's own calendar.
    assert login(world.alice).get(calendar(therapist=world.alice)).context["own"]


def test_the_calendar_is_in_the_clinicians_menu(world, login):
    body = login(world.bob).get(reverse("caseload")).content.decode()
    assert f'href="{reverse("calendar")}">Calendar</a>' in body


def test_the_week_keeps_its_query_count_with_5_or_40_sessions(
    world, login, django_assert_num_queries
):
    week = Week.of(timezone.localdate())
    alice = login(world.alice)

    def fill(count):
        Session.objects.bulk_create(
            Session(
                practice=world.practice,
                client=world.carol,
                therapist=world.alice,
                starts_at=at(week.days[n % 7], 8 + n // 7),
            )
            for n in range(count)
        )

    fill(5)
    alice.get(reverse("calendar"))  # the first visit also starts the practice's audit chain
    with django_assert_num_queries(QUERIES):
        alice.get(reverse("calendar"))
    fill(35)
    with django_assert_num_queries(QUERIES):
        response = alice.get(reverse("calendar"))
    assert sum(len(d.sessions) for d in response.context["days"]) == 40
