import datetime

import pytest
from django.urls import reverse

from kithkin.clients.models import Client
from kithkin.relationships.models import TherapyRelationship

NEW = reverse("client_create")
VALID = {
    "given_name": "Robin",
    "family_name": "Hale",
    "preferred_name": "Rob",
    "pronouns": "they/them",
    "date_of_birth": "1990-04-02",
    "email": "robin@example.org",
    "phone": "+1 555 0142",
    "address": "1 Example Road",
}


def test_adding_a_client_puts_them_on_the_therapists_caseload(world, login):
    response = login(world.alice).post(NEW, VALID)
    robin = Client.objects.get(given_name="Robin")
    assert response.status_code == 302
    assert response.url == reverse("client_detail", args=[robin.pk])
    assert robin.practice == world.practice
    assert robin.date_of_birth == datetime.date(1990, 4, 2)
    assert TherapyRelationship.objects.filter(client=robin, therapist=world.alice).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("given_name", "   ", "This field is required."),
        ("family_name", "", "This field is required."),
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "1850-01-01", "Enter a date of birth after 1900."),
        ("date_of_birth", "not a date", "Enter a valid date."),
        ("email", "robin@", "Enter a valid email address."),
        ("phone", "call me maybe", "Enter a phone number using digits"),
    ],
)
def test_invalid_input_shows_the_fields_error_and_saves_nothing(
    world, login, field, value, message
):
    before = (Client.objects.count(), TherapyRelationship.objects.count())
    response = login(world.alice).post(NEW, {**VALID, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert "Nothing was saved" in response.content.decode()
    assert (Client.objects.count(), TherapyRelationship.objects.count()) == before


def test_the_new_client_form_is_for_clinicians_only(world, login):
    assert login(world.adam).post(NEW, VALID).status_code == 403
    assert login(world.carol_login).get(NEW).status_code == 403
    assert not Client.objects.filter(given_name="Robin").exists()


def test_editing_saves_the_changes(world, login):
    edit = reverse("client_edit", args=[world.carol.pk])
    response = login(world.alice).post(edit, {**VALID, "given_name": "Caroline"})
    assert response.status_code == 302
    world.carol.refresh_from_db()
    assert world.carol.given_name == "Caroline"
    assert world.carol.practice == world.practice


def test_an_invalid_edit_changes_nothing(world, login):
    edit = reverse("client_edit", args=[world.carol.pk])
    response = login(world.alice).post(edit, {**VALID, "email": "nope"})
    assert response.status_code == 422
    world.carol.refresh_from_db()
    assert world.carol.given_name == "Carol"
    assert world.carol.email == "carol@example.org"


def test_the_supervisor_may_read_but_not_edit(world, login):
    edit = reverse("client_edit", args=[world.carol.pk])
    # sam can read the record, so a refused change is 403 rather than a 404 that would lie.
    assert login(world.sam).post(edit, VALID).status_code == 403
    world.carol.refresh_from_db()
    assert world.carol.given_name == "Carol"


def test_outsiders_cannot_even_find_the_edit_form(world, login):
    edit = reverse("client_edit", args=[world.carol.pk])
    for outsider in (world.bob, world.adam, world.carol_login, world.mallory):
        assert login(outsider).get(edit).status_code == 404, outsider.username
