def form_status(form) -> int:
    """A rejected submission answers 422, so htmx, tests and assistive tools can tell it apart
    from the first showing of the form."""
    return 422 if form.is_bound and form.errors else 200


def show_refusal(form, refused: Exception, field: str | None = None) -> None:
    """A service's refusal on the form that asked for it: beside the field it names (its
    ``field``, or ``field`` given here) when the form has that field, else above the form."""
    field = field or getattr(refused, "field", None)
    form.add_error(field if field in form.fields else None, str(refused))
