"""Keyset pagination: each page starts after the last id of the one before, so page 500 costs
what page 1 does (OFFSET would read and throw away every row before it)."""

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def keyset(queryset, *, cursor: int | None, limit: int, newest_first: bool = False) -> dict:
    """One page of ``queryset`` ordered by id, and the cursor of the next page (None at the end).
    One query: a row beyond the limit is read to know whether there is a next page."""
    if newest_first:
        queryset = queryset.order_by("-pk")
        if cursor is not None:
            queryset = queryset.filter(pk__lt=cursor)
    else:
        queryset = queryset.order_by("pk")
        if cursor is not None:
            queryset = queryset.filter(pk__gt=cursor)
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    next_cursor = None
    if more and last is not None:
        next_cursor = last["pk"] if isinstance(last, dict) else last.pk
    return {"items": rows, "next": next_cursor}
