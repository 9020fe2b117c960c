"""The answers of a refused write: 422 with the page's words, so a script's user reads what a
therapist on the page would."""

from ninja import Status


def form_problem(form) -> Status:
    """A page form's errors: the first as ``detail``, all of them under ``errors`` by field
    (``__all__`` for the form as a whole)."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    name, messages = next(iter(errors.items()))
    field = None if name == "__all__" else name
    return Status(422, {"detail": messages[0], "field": field, "errors": errors})


def refused(error: Exception) -> Status:
    """A service's refusal (PlanError, SessionError, PartnerError, SphereError): its sentence,
    and the field it names, if any."""
    return Status(422, {"detail": str(error), "field": getattr(error, "field", None) or None})
