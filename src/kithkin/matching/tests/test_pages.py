"""The matching pages through HTTP: profiles, an inquiry's suggestions and their accept, and the
next best fit for carol once her fit review decided to refer."""

import re

from django.urls import reverse

from kithkin.accounts.models import User
from kithkin.audit.models import AuditEvent
from kithkin.clients.models import Client
from kithkin.inquiries.models import Inquiry
from kithkin.matching.models import TherapistProfile
from kithkin.matching.tests.conftest import inquiry, profile, profiles, refer
from kithkin.relationships.models import Episode

PROFILE = reverse("profile_edit")
PROFILES = reverse("therapist_profiles")


def matches(robin):
    return reverse("inquiry_matches", args=[robin.pk])


def accept(robin):
    return reverse("inquiry_match_accept", args=[robin.pk])


# --- Profiles -------------------------------------------------------------------------------


def test_bob_writes_his_profile_and_finds_it_in_the_list(world, login):
    http = login(world.bob)
    first = http.get(PROFILE)
    assert first.status_code == 200 and "You have no profile yet" in first.content.decode()
    sent = http.post(
        PROFILE,
        {
            "degree": "MSW",
            "specialties": ["depression", "grief"],
            "languages": ["en", "pt"],
            "times": ["weekday_evening"],
            "settings": ["video"],
            "capacity": "4",
            "accepting_new": "on",
            "bio": "Twenty years of evening work.",
        },
    )
    assert sent.status_code == 302 and sent["Location"] == PROFILES
    saved = TherapistProfile.objects.get(therapist=world.bob)
    assert saved.specialties == ["depression", "grief"] and saved.capacity == 4
    assert saved.accepting_new and saved.languages == ["en", "pt"]
    listed = http.get(PROFILES).content.decode()
    assert "Bob Example, MSW" in listed and "depression, grief and loss" in listed
    assert "English, Portuguese" in listed and "4 open slots" in listed
    again = http.get(PROFILE).content.decode()
    assert "Twenty years of evening work." in again
    assert re.search(r'value="grief" id="id_specialties_\d+" checked', again)


def test_an_empty_profile_form_is_told_what_is_missing(world, login):
    answer = login(world.alice).post(PROFILE, {})
    assert answer.status_code == 422
    assert "Say how many clients you can see (0 if none)." in answer.content.decode()
    assert not TherapistProfile.objects.exists()


def test_a_code_outside_the_vocabulary_is_refused(world, login):
    answer = login(world.alice).post(PROFILE, {"capacity": "3", "specialties": ["astrology"]})
    assert answer.status_code == 422 and not TherapistProfile.objects.exists()


def test_profiles_are_for_clinicians(world, login):
    assert login(world.adam).get(PROFILES).status_code == 403
    assert login(world.carol_login).get(PROFILE).status_code == 403


def test_the_list_shows_only_the_practices_own_profiles(world, login):
    profiles(world)
    listed = login(world.alice).get(PROFILES).content.decode()
    assert "Bob Example" in listed and "Mallory" not in listed


def test_the_profiles_list_costs_the_same_queries_for_30_therapists(
    world, login, django_assert_max_num_queries
):
    http = login(world.alice)
    http.get(PROFILES)
    for n in range(30):
        therapist = User.objects.create_user(
            username=f"t{n}", role="therapist", practice=world.practice, first_name=f"T{n}"
        )
        profile(therapist, specialties=["anxiety"], capacity=n)
    with django_assert_max_num_queries(6):
        page = http.get(PROFILES)
    assert page.content.decode().count('class="card"') == 30


# --- An inquiry's suggestions ---------------------------------------------------------------


def test_alice_reads_the_suggestions_with_their_reasons(world, login):
    profiles(world)
    TherapistProfile.objects.filter(therapist=world.sam).update(accepting_new=False)
    robin = inquiry(world)
    page = login(world.alice).get(matches(robin))
    assert page.status_code == 200
    text = page.content.decode()
    assert "I have felt depressed since the winter." in text
    assert "specialises in depression; offers evening video sessions; 4 open slots" in text
    assert "does not list depression; does not offer weekday evenings" in text
    assert "Sam Example is not accepting new clients" in text
    ranked = text.split("Best fit first")[1]
    assert ranked.index("Bob Example") < ranked.index("Alice Example")
    assert "Mallory" not in text
    assert f'action="{accept(robin)}"' in text
    read = AuditEvent.objects.filter(resource_type="Inquiry", resource_id=str(robin.pk)).get()
    assert (
        read.action == "inquiry.concerns"
        and read.outcome == "allowed"
        and read.actor_id == world.alice.pk
    )


def test_nothing_is_created_by_reading_the_suggestions(world, login):
    profiles(world)
    robin = inquiry(world)
    login(world.alice).get(matches(robin))
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.NEW and not Client.objects.filter(family_name="Hale")


def test_the_admin_and_clients_do_not_read_suggestions(world, login):
    robin = inquiry(world)
    assert login(world.adam).get(matches(robin)).status_code == 403
    assert login(world.carol_login).get(matches(robin)).status_code == 403


def test_another_practices_inquiry_is_not_found(world, login):
    profiles(world)
    robin = inquiry(world)
    http = login(world.mallory)
    assert http.get(matches(robin)).status_code == 404
    assert http.post(accept(robin), {"therapist_id": world.mallory.pk}).status_code == 404
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.NEW
    refused = AuditEvent.objects.filter(actor=world.mallory, resource_type="Inquiry")
    assert [e.outcome for e in refused] == ["denied", "denied"]


def test_the_suggestions_page_costs_the_same_queries_for_30_therapists(
    world, login, django_assert_max_num_queries
):
    robin = inquiry(world)
    http = login(world.alice)
    http.get(matches(robin))
    for n in range(30):
        therapist = User.objects.create_user(
            username=f"t{n}", role="therapist", practice=world.practice, first_name=f"T{n}"
        )
        profile(therapist, specialties=["depression"] if n % 2 else [], capacity=n % 4)
    with django_assert_max_num_queries(12):
        page = http.get(matches(robin))
    # Every fourth has a capacity of 0: 8 of the 30 are listed as not suggested.
    assert page.content.decode().count("Match with") == 22


def test_alice_matches_robin_with_bob(world, login):
    profiles(world)
    robin = inquiry(world)
    answer = login(world.alice).post(accept(robin), {"therapist_id": world.bob.pk}, follow=True)
    # The record is bob's now: alice goes back to her caseload, told what happened.
    assert answer.redirect_chain[-1][0] == reverse("caseload")
    assert "Robin Hale is now a client of Bob Example, in reaching out." in answer.content.decode()
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.MATCHED
    episode = Episode.objects.get(relationship__client=robin.client)
    assert episode.relationship.therapist == world.bob and episode.phase == "reaching_out"


def test_matching_to_herself_takes_alice_to_the_new_record(world, login):
    profiles(world)
    robin = inquiry(world)
    answer = login(world.alice).post(accept(robin), {"therapist_id": world.alice.pk})
    robin.refresh_from_db()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("client_detail", args=[robin.client_id])


def test_a_refused_match_says_why_and_writes_nothing(world, login):
    profiles(world)
    TherapistProfile.objects.filter(therapist=world.bob).update(accepting_new=False)
    robin = inquiry(world)
    http = login(world.alice)
    before = AuditEvent.objects.exclude(resource_type="Inquiry").count()
    answer = http.post(accept(robin), {"therapist_id": world.bob.pk})
    assert answer.status_code == 422
    assert "Bob Example is not accepting new clients." in answer.content.decode()
    robin.refresh_from_db()
    assert robin.status == Inquiry.Status.NEW and robin.client is None
    assert AuditEvent.objects.exclude(resource_type="Inquiry").count() == before


def test_a_therapist_of_another_practice_cannot_be_chosen(world, login):
    profiles(world)
    robin = inquiry(world)
    answer = login(world.alice).post(accept(robin), {"therapist_id": world.mallory.pk})
    assert answer.status_code == 422
    assert "That therapist is not one of this practice&#x27;s." in answer.content.decode()
    assert not Client.objects.filter(family_name="Hale").exists()


def test_an_inquiry_already_matched_cannot_be_matched_again(world, login):
    profiles(world)
    robin = inquiry(world)
    http = login(world.alice)
    http.post(accept(robin), {"therapist_id": world.bob.pk})
    page = http.get(matches(robin)).content.decode()
    assert "it cannot be matched again" in page and "Match with" not in page
    again = http.post(accept(robin), {"therapist_id": world.sam.pk})
    assert again.status_code == 422 and "already matched" in again.content.decode()
    assert Client.objects.filter(family_name="Hale").count() == 1


def test_an_accept_without_a_therapist_is_told_to_choose(world, login):
    robin = inquiry(world)
    answer = login(world.bob).post(accept(robin), {})
    assert answer.status_code == 422
    assert "Choose the therapist to match this inquiry with." in answer.content.decode()


# --- The next best fit for carol ------------------------------------------------------------


def client_matches(world):
    return reverse("client_matches", args=[world.carol.pk])


def test_the_client_page_offers_another_therapist_once_the_fit_review_refers(world, login):
    page = reverse("client_detail", args=[world.carol.pk])
    http = login(world.alice)
    assert client_matches(world) not in http.get(page).content.decode()
    refer(world)
    text = http.get(page).content.decode()
    assert f'href="{client_matches(world)}">Suggest another therapist' in text
    # sam reads the record but does not refer, so he is not offered the link.
    assert client_matches(world) not in login(world.sam).get(page).content.decode()


def test_alice_sees_the_next_best_fit_for_carol_from_her_inquiry(world, login):
    profiles(world)
    refer(world)
    inquiry(
        world,
        concerns="Since the divorce I feel hopeless",
        languages=["es"],
        faith="integrated",
        availability=[],
        setting="",
        client=world.carol,
        status=Inquiry.Status.MATCHED,
    )
    page = login(world.alice).get(client_matches(world))
    assert page.status_code == 200
    text = page.content.decode()
    assert "The latest fit review decided to refer" in text
    assert "speaks Spanish; integrates faith into therapy; 3 open slots" in text
    assert "Alice Example" not in text.split("Best fit first")[1]
    assert text.index("Sam Example") < text.index("Bob Example")
    assert f'href="{reverse("referral_new", args=[world.carol.pk])}"' in text
    assert "Match with" not in text


def test_without_an_inquiry_the_ranking_has_no_preferences(world, login):
    profiles(world)
    text = login(world.alice).get(client_matches(world)).content.decode()
    assert "did not come through an inquiry" in text and "did not decide to refer" in text
    assert text.index("Bob Example") < text.index("Sam Example")  # 4 open slots before 3


def test_only_the_treating_therapist_looks_for_another_therapist(world, login):
    assert login(world.sam).get(client_matches(world)).status_code == 403
    assert login(world.bob).get(client_matches(world)).status_code == 404
    assert login(world.mallory).get(client_matches(world)).status_code == 404


def test_the_inquiry_page_leads_clinicians_to_the_suggestions(world, login):
    found = inquiry(world)
    target = reverse("inquiry_matches", args=[found.pk])
    page = login(world.alice).get(reverse("inquiry", args=[found.pk])).content.decode()
    assert target in page
    # The admin works the queue without the concerns, so without the suggestions built on them.
    admin_page = login(world.adam).get(reverse("inquiry", args=[found.pk])).content.decode()
    assert target not in admin_page
