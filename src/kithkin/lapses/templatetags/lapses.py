"""``{% lapsing_clients %}``: the worklist's line about the clinician's relationships gone quiet
(found by kithkin.lapses.tasks), linking to the lapse worklist. One query."""

from django import template

from kithkin.accounts.access import actor_for
from kithkin.core.access import Action, PracticeScope, can
from kithkin.lapses import selectors

register = template.Library()


@register.inclusion_tag("lapses/_worklist_line.html", takes_context=True)
def lapsing_clients(context):
    actor = actor_for(context["request"].user)
    if not can(actor, Action.VIEW_CASELOAD, PracticeScope(practice_id=actor.practice_id or -1)):
        return {"count": 0, "shown": False}
    return {"count": selectors.open_count(actor=actor), "shown": True}
