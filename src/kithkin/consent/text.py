"""The exact text of an authorization, in plain language (164.508(c)(3)), with the three
statements 164.508(c)(2) requires. What the client signs is this text; its SHA-256 is kept with
the signature, so a change to a single character after signing shows."""

import hashlib

from kithkin.core.consent import Category, Statement


def sha256(text: str) -> str:
    """The fingerprint kept with the text and with the signature (UTF-8, hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


CATEGORY_LABELS = {
    Category.PLAN: "my treatment plan, with its goals",
    Category.PROGRESS_SUMMARIES: "summaries of my progress (not the session notes themselves)",
    Category.MEASURES: "my questionnaire scores (such as PHQ-9 and GAD-7)",
    Category.ENDING_REVIEW: "the review written at the end of my therapy",
    Category.FULL_RECORD: "my whole record, except psychotherapy notes",
    Category.PSYCHOTHERAPY_NOTES: "my therapist's psychotherapy notes",
}

STATEMENTS = {
    Statement.RIGHT_TO_REVOKE: (
        "I may revoke this authorization at any time, in writing: in the portal, or by a signed "
        "letter to the practice. A revocation stops every release after it; it cannot undo a "
        "release already made."
    ),
    Statement.CONDITIONING: ("My treatment does not depend on whether I sign this authorization."),
    Statement.REDISCLOSURE: (
        "Information released under this authorization may be disclosed again by the person "
        "who receives it, and may then no longer be protected by federal privacy law."
    ),
}


def render(authorization, *, client_name: str) -> str:
    """The text of ``authorization`` (a row, saved or not) for the client named."""
    a = authorization
    kinds = "; ".join(CATEGORY_LABELS[Category(c)] for c in sorted(a.categories))
    if a.information_from and a.information_to:
        span = f", from {a.information_from.isoformat()} to {a.information_to.isoformat()}"
    elif a.information_from:
        span = f", from {a.information_from.isoformat()} on"
    elif a.information_to:
        span = f", up to {a.information_to.isoformat()}"
    else:
        span = ""
    recipient = ", ".join(p for p in (a.recipient_name, a.recipient_organisation) if p)
    sent = f" ({a.recipient_contact})" if a.recipient_contact else ""
    if a.expires_on:
        ends = f"This authorization expires on {a.expires_on.isoformat()}."
    else:
        ends = f"This authorization expires when this happens: {a.expiry_event}."
    lines = [
        "Authorization to release information",
        "",
        f"I, {client_name}, authorize {a.discloser} to release {kinds}{span}",
        f"to {recipient}{sent},",
        f"for this purpose: {'; '.join(a.purposes)}.",
        ends,
        "",
        *(STATEMENTS[s] for s in Statement),
        "I am entitled to a copy of this authorization once I have signed it.",
    ]
    return "\n".join(lines) + "\n"
