from django import template

from kithkin.accounts.access import actor_for
from kithkin.core.access import Action, ClientRecord, can
from kithkin.matching.selectors import fit_says_refer

register = template.Library()


@register.simple_tag(takes_context=True)
def offers_another_therapist(context, client) -> bool:
    """Whether the client page links "Suggest another therapist": the reader is the treating
    therapist who would refer (a supervisor or an emergency reader does not), and the client's
    latest fit review decided the fit is not right. One query: the policy is asked about the
    relationships the page has already read."""
    request = context.get("request")
    if request is None or getattr(request, "emergency_access", False):
        return False
    record = ClientRecord(
        client_id=client.pk,
        practice_id=client.practice_id,
        therapist_ids=frozenset(
            r.therapist_id for r in context.get("relationships", ()) if r.ended_on is None
        ),
        portal_user_id=client.portal_user_id,
        # As client_for read it with the client: no query of its own.
        restricted=bool(getattr(client, "restricted_now", False)),
    )
    if not can(actor_for(request.user), Action.CHANGE_CLIENT, record).allowed:
        return False
    return fit_says_refer(client)
