def form_status(form) -> int:
    """A rejected submission answers 422, so htmx, tests and assistive tools can tell it apart
    from the first showing of the form."""
    return 422 if form.is_bound and form.errors else 200
