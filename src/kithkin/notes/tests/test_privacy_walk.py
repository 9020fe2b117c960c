"""The words of a psychotherapy note appear on no page of the project but its author's own
note page: every URL, read by every persona, with alice's note on carol's session."""

from kithkin.notes.services import progress_note_sign, psychotherapy_note_save
from kithkin.notes.tests.conftest import PRIVATE, WRITTEN
from tests import test_tenancy

# The tenancy test's personas hold a record of every kind its URL walk knows how to name.
from tests.test_tenancy import world  # noqa: F401


def test_its_words_appear_on_no_page_but_the_authors_own_note(world, client):  # noqa: F811
    """Every page of the project, read by every persona, with alice's note on carol's
    session: only alice's psychotherapy-note page shows its words."""
    the_session = world.carols_session
    progress_note_sign(session=the_session, by=world.alice, text=WRITTEN)
    psychotherapy_note_save(session=the_session, by=world.alice, text=PRIVATE)
    personas = {
        "alice": world.alice,
        "sam": world.sam,
        "bob": world.bob,
        "adam": world.adam,
        "carol": world.carol_login,
    }
    shown, walked = [], 0
    for route, entry in test_tenancy.project_patterns():
        if set(entry.pattern.converters) - set(test_tenancy.ARGUMENTS):
            continue  # the tenancy test names the URLs it cannot fill yet
        path = test_tenancy.fill(route, entry, world)
        for name, user in personas.items():
            user.refresh_from_db()  # the logout URL raised the session epoch
            client.force_login(user)
            body = client.get(path).content.decode(errors="replace")
            if PRIVATE in body:
                shown.append((name, entry.name))
            walked += 1
    assert shown == [("alice", "psychotherapy_note")]
    assert walked >= 5 * 20
