"""The practice admin's settings page: what the practice has set, each with its screen, reached
from the admin's navigation; nobody else's."""

import datetime

import pytest
from django.urls import reverse

from kithkin.inquiries.services import working_hours_set
from kithkin.lapses.settings_services import lapse_settings_set

URL = "/practice/settings/"


def test_the_page_has_its_address():
    assert reverse("practice_settings") == URL


def test_the_admin_reads_what_the_practice_has_set_with_a_link_to_each(world, login):
    working_hours_set(
        practice=world.practice,
        by=world.adam,
        weekdays=[1, 2, 3],
        opens=datetime.time(10),
        closes=datetime.time(16),
        time_zone="Europe/Dublin",
    )
    lapse_settings_set(practice=world.practice, by=world.adam, quiet_days=56, close_after_days=14)
    body = login(world.adam).get(URL).content.decode()
    assert "Settings of Riverside" in body
    assert '<strong data-setting="hours">Tue-Thu 10:00-16:00</strong>, Europe/Dublin time' in body
    assert '<strong data-setting="quiet-days">56 days</strong>' in body
    assert '<strong data-setting="close-after-days">14 days</strong>' in body
    assert f'href="{reverse("practice_hours")}"' in body
    assert f'href="{reverse("practice_lapse_settings")}"' in body


def test_the_admin_s_navigation_leads_to_it_and_nobody_else_s(world, login):
    link = f'<a href="{URL}"'
    assert link in login(world.adam).get(reverse("practice_users")).content.decode()
    assert link not in login(world.alice).get(reverse("caseload")).content.decode()
    assert link not in login(world.carol_login).get(reverse("portal")).content.decode()


@pytest.mark.parametrize("who", ["alice", "sam", "carol_login", "mallory"])
def test_others_are_refused(world, login, who):
    assert login(getattr(world, who)).get(URL).status_code == 403


def test_the_page_reads_in_a_fixed_number_of_queries(world, login, django_assert_num_queries):
    adam = login(world.adam)
    adam.get(URL)
    # Session, user, the practice, its hours, its lapse settings.
    with django_assert_num_queries(5):
        assert adam.get(URL).status_code == 200
