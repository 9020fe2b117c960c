"""``{% overdue_inquiries %}``: the worklist's line about inquiries that have waited more than one
working day for a first response (the alert raised by kithkin.inquiries.tasks)."""

from django import template

from kithkin.accounts.access import actor_for
from kithkin.core.access import Action, PracticeScope, can
from kithkin.inquiries import selectors

register = template.Library()


@register.inclusion_tag("inquiries/_overdue.html", takes_context=True)
def overdue_inquiries(context):
    user = context["request"].user
    actor = actor_for(user)
    scope = PracticeScope(practice_id=actor.practice_id or -1)
    if not can(actor, Action.VIEW_INQUIRIES, scope):
        return {"count": 0, "shown": False}
    return {"count": selectors.overdue_count(practice_id=actor.practice_id), "shown": True}
