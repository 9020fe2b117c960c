from django import template

from kithkin.imports.selectors import has_previous_record

register = template.Library()


@register.simple_tag
def previous_record_exists(client) -> bool:
    """Whether the client page links to a previous provider's record (one query)."""
    return has_previous_record(client)
