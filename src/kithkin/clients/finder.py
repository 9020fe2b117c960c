"""Finding one client by full name and date of birth, for the screens that must never list the
practice's clients: breaking the glass and recording a restriction of processing."""

from kithkin.accounts.access import actor_for, audit_access
from kithkin.clients import selectors
from kithkin.clients.models import Client
from kithkin.core.access import Action

NO_SINGLE_MATCH = "No single client of this practice matches that name and date of birth."


def client_named(request, form, action: Action) -> Client | None:
    """The one client of the user's practice that a valid finder form names. None when no
    client, or more than one, matches: the form then says so, and the miss is audited, since
    guessing names and birth dates is how such a form would be misused."""
    client = selectors.client_by_name_and_birth(
        practice_id=request.user.practice_id,
        full_name=form.cleaned_data["full_name"],
        date_of_birth=form.cleaned_data["date_of_birth"],
    )
    if client is None:
        actor = actor_for(request.user)
        audit_access(request, actor, action, "Client", "", None, False, "no single match")
        form.add_error(None, NO_SINGLE_MATCH)
    return client
