"""Who may do what to which record: the single access policy.

Pages and the API ask :func:`can` through one helper; nothing checks access its own way. The
function sees plain facts (who the actor is, whose caseload a client is on) so every rule is
tested without a database.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    THERAPIST = "therapist"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    CLIENT = "client"


class Action(StrEnum):
    VIEW_CLIENT = "client.view"
    CHANGE_CLIENT = "client.change"
    CREATE_CLIENT = "client.create"
    VIEW_CASELOAD = "caseload.view"
    VIEW_PORTAL = "portal.view"
    # The client's own at-home work in the portal, such as the spheres-of-influence exercise.
    PORTAL_EXERCISE = "portal.exercise"
    # The client's acknowledgement of their signed treatment plan: theirs alone to give.
    PORTAL_ACKNOWLEDGE = "portal.acknowledge"
    # The client's own answers to a questionnaire in the portal: nobody answers in their name
    # there (the therapist enters a paper or office response on the record instead).
    PORTAL_RESPOND = "portal.respond"
    # The client's own signature on an authorization to release information, or its
    # revocation, in the portal (164.508(c)(1)(vi), (b)(5)): nobody signs there in their name.
    PORTAL_CONSENT = "portal.consent"
    # Acknowledging a feedback alert with a note. A risk alert goes to the treating therapist and
    # the supervisor (PHQ-9 item 9 asks for a same-day review), so either may acknowledge it.
    ACKNOWLEDGE_ALERT = "alert.acknowledge"
    BREAK_GLASS = "client.break_glass"
    MANAGE_PRACTICE = "practice.manage"
    VIEW_PSYCHOTHERAPY_NOTE = "psychotherapy_note.view"
    CHANGE_PSYCHOTHERAPY_NOTE = "psychotherapy_note.change"
    # The practice view: feedback figures summed over clients, never one client's.
    VIEW_PRACTICE_FEEDBACK = "practice_feedback.view"
    # FHIR bulk $export: every client's record, in one go, to leave the practice.
    BULK_EXPORT = "practice.bulk_export"
    # The receiving therapist of an internal transfer answers it (reads the referral, its
    # handoff summary, and acknowledges, declines or records the first session) before the
    # client is on their caseload.
    RECEIVE_REFERRAL = "referral.receive"
    # The practice's queue of inquiries from prospective clients: who reached out, how to reach
    # them, how long they have waited; and recording the first response. Whoever answers the
    # phone needs this, admins included.
    VIEW_INQUIRIES = "inquiries.view"
    # What a prospective client wrote they want to work on: clinical content, so clinicians
    # only (minimum necessary keeps it from the admin who calls them back).
    VIEW_INQUIRY_CONCERNS = "inquiry.concerns"
    # Therapist profiles, for matching inquiries: each clinician keeps their own and reads their
    # colleagues' (who specialises in what, who has room), to suggest the right therapist.
    THERAPIST_PROFILES = "therapist_profiles.use"
    # Recording or lifting a restriction of processing (GDPR Art. 18) on a client's record, at
    # their request: an administrative act on the record, not a reading of it.
    RESTRICT_CLIENT = "client.restrict"


@dataclass(frozen=True)
class Actor:
    user_id: int
    role: Role
    practice_id: int | None
    supervisee_ids: frozenset[int] = field(default_factory=frozenset)
    active: bool = True
    # A separate, named grant (``kithkin export grant``): being an admin is not enough.
    may_bulk_export: bool = False


@dataclass(frozen=True)
class ClientRecord:
    """A client as the policy sees it: whose caseload they are on, and their portal account."""

    client_id: int
    practice_id: int
    therapist_ids: frozenset[int]
    portal_user_id: int | None = None
    # Clinicians holding an unexpired emergency ("break the glass") grant for this client.
    emergency_user_ids: frozenset[int] = frozenset()
    # Processing is restricted at the client's request (GDPR Art. 18, in place of an erasure
    # the retention period forbids): the record is kept, not used.
    restricted: bool = False


@dataclass(frozen=True)
class PracticeScope:
    """An action on the practice as a whole, such as adding a client."""

    practice_id: int


@dataclass(frozen=True)
class PsychotherapyNoteRecord:
    """A psychotherapy note (HIPAA 164.501): the author's analysis, kept apart from the record."""

    note_id: int
    practice_id: int
    client_id: int
    author_id: int
    restricted: bool = False  # the client's record is restricted (GDPR Art. 18)


@dataclass(frozen=True)
class ReferralRecord:
    """An internal transfer as its receiving therapist reaches it: the referral alone, not the
    client's record, which they reach once the transfer completes and the client is theirs."""

    referral_id: int
    practice_id: int
    client_id: int
    receiver_id: int | None  # the receiving therapist; None for an external referral
    awaiting: bool  # sent or acknowledged: the transfer is under way
    authorized: bool  # the client's authorization for it is in force now
    restricted: bool = False  # the client's record is restricted (GDPR Art. 18)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def allow(reason: str) -> Decision:
    return Decision(True, reason)


def deny(reason: str) -> Decision:
    return Decision(False, reason)


CLINICIANS = frozenset({Role.THERAPIST, Role.SUPERVISOR})


PORTAL_ACTIONS = frozenset(
    {
        Action.VIEW_PORTAL,
        Action.PORTAL_EXERCISE,
        Action.PORTAL_ACKNOWLEDGE,
        Action.PORTAL_RESPOND,
        Action.PORTAL_CONSENT,
    }
)

NOTE_ACTIONS = frozenset({Action.VIEW_PSYCHOTHERAPY_NOTE, Action.CHANGE_PSYCHOTHERAPY_NOTE})


def can(
    actor: Actor,
    action: Action,
    resource: ClientRecord | PracticeScope | PsychotherapyNoteRecord | ReferralRecord,
) -> Decision:
    if not actor.active:
        return deny("the account is deactivated")
    if actor.practice_id is None or actor.practice_id != resource.practice_id:
        # Nobody crosses practices, whatever their role.
        return deny("the record belongs to another practice")
    if isinstance(resource, PracticeScope):
        return _can_in_practice(actor, action)
    if isinstance(resource, PsychotherapyNoteRecord):
        return _can_on_psychotherapy_note(actor, action, resource)
    if isinstance(resource, ReferralRecord):
        return _can_receive_referral(actor, action, resource)
    return _can_on_client(actor, action, resource)


def _can_in_practice(actor: Actor, action: Action) -> Decision:
    if action is Action.VIEW_CASELOAD:
        if actor.role in CLINICIANS:
            return allow("clinicians have a caseload")
        return deny("only clinicians have a caseload")
    if action is Action.CREATE_CLIENT:
        if actor.role in CLINICIANS:
            return allow("a clinician may take on a new client")
        return deny("only clinicians add clients to their caseload")
    if action in PORTAL_ACTIONS:
        if actor.role is Role.CLIENT:
            return allow("clients have a portal")
        return deny("the portal is for clients")
    if action is Action.BREAK_GLASS:
        if actor.role in CLINICIANS:
            return allow("clinicians may ask for emergency access, giving a reason")
        return deny("only clinicians may ask for emergency access")
    if action is Action.MANAGE_PRACTICE:
        if actor.role is Role.ADMIN:
            return allow("practice admin")
        return deny("only practice admins manage the practice")
    if action is Action.VIEW_PRACTICE_FEEDBACK:
        if actor.role is Role.ADMIN or actor.role in CLINICIANS:
            return allow("staff see the practice's feedback figures, summed over clients")
        return deny("the practice view is for the practice's staff")
    if action is Action.BULK_EXPORT:
        # The whole practice's records at once, for a practice moving systems: the most a
        # single request can take away, so it needs a role and a grant given on purpose.
        if actor.role is not Role.ADMIN:
            return deny("only practice admins may export the practice")
        if not actor.may_bulk_export:
            return deny("the admin does not hold the export permission")
        return allow("practice admin holding the export permission")
    if action is Action.VIEW_INQUIRIES:
        if actor.role is Role.ADMIN or actor.role in CLINICIANS:
            return allow("the practice's staff answer its inquiries")
        return deny("the inquiry queue is for the practice's staff")
    if action is Action.THERAPIST_PROFILES:
        if actor.role in CLINICIANS:
            return allow("clinicians keep their own profile and read their colleagues'")
        return deny("therapist profiles are kept and read by clinicians")
    if action is Action.VIEW_INQUIRY_CONCERNS:
        if actor.role in CLINICIANS:
            return allow("clinicians read what a prospective client wants to work on")
        return deny("what a prospective client wrote is clinical content, for clinicians")
    return deny(f"{action} is not a practice-wide action")


RESTRICTED_FOR_STAFF = (
    "this client's record is restricted at their request; use emergency access with a reason"
)
RESTRICTED_FOR_CLIENT = (
    "your record is restricted at your request: you can read it, but nothing is added to it"
)


def _can_on_client(actor: Actor, action: Action, record: ClientRecord) -> Decision:
    if action is Action.RESTRICT_CLIENT:
        # Recording and lifting the restriction is the practice's answer to the client's
        # request, kept by its admin; it touches no clinical content.
        if actor.role is Role.ADMIN:
            return allow("practice admin records and lifts restrictions of processing")
        return deny("only practice admins record or lift a restriction of processing")
    if record.restricted:
        return _can_on_restricted_client(actor, action, record)
    if actor.role is Role.ADMIN:
        # Admins manage users and schedules; the minimum-necessary standard keeps them out of
        # clinical content.
        return deny("practice admins read no clinical content")
    if actor.role is Role.CLIENT:
        if record.portal_user_id != actor.user_id:
            return deny("a client reaches only their own record")
        if action is Action.VIEW_PORTAL:
            return allow("the client's own portal")
        if action is Action.PORTAL_EXERCISE:
            return allow("the client's own at-home work")
        if action is Action.PORTAL_ACKNOWLEDGE:
            return allow("the client acknowledges their own plan")
        if action is Action.PORTAL_RESPOND:
            return allow("the client answers their own questionnaires")
        if action is Action.PORTAL_CONSENT:
            return allow("the client signs or revokes their own authorizations")
        return deny("clients use the portal, not the clinical record")
    if action is Action.PORTAL_EXERCISE:
        # What a client writes at home is theirs until they share it: their therapist reads a
        # finished map through the record, and nobody writes in the client's name.
        return deny("the at-home exercise is the client's own writing")
    if action is Action.PORTAL_ACKNOWLEDGE:
        # Seed 000: the plan is agreed together; nobody acknowledges it in the client's name.
        return deny("only the client acknowledges their plan")
    if action is Action.PORTAL_RESPOND:
        # Feedback is the client's own voice; an answer given in their name is not feedback.
        return deny("only the client answers in the portal")
    if action is Action.PORTAL_CONSENT:
        # In the office the client signs on paper or on the therapist's screen, recorded through
        # the record; the portal's signature is the client's own account's.
        return deny("only the client signs or revokes in the portal")
    if actor.user_id in record.therapist_ids:
        if action in (Action.VIEW_CLIENT, Action.CHANGE_CLIENT, Action.ACKNOWLEDGE_ALERT):
            return allow("treating therapist")
        return deny(f"{action} is not an action on a client")
    if actor.role is Role.SUPERVISOR and actor.supervisee_ids & record.therapist_ids:
        if action is Action.VIEW_CLIENT:
            return allow("supervisor of the treating therapist")
        if action is Action.ACKNOWLEDGE_ALERT:
            return allow("supervisor of the treating therapist acknowledges alerts")
        return deny("supervisors read their supervisees' clients but do not change them")
    if actor.user_id in record.emergency_user_ids:
        if action is Action.VIEW_CLIENT:
            return allow("emergency access")
        return deny("emergency access is read-only")
    return deny("no therapy relationship with this client")


def _can_on_restricted_client(actor: Actor, action: Action, record: ClientRecord) -> Decision:
    # GDPR Art. 18(2): a restricted record is only stored. Nobody writes to it; the client keeps
    # their right of access (Art. 15) through the portal; staff read it only through emergency
    # access, which is reasoned, time-limited, read-only and audited.
    if actor.role is Role.ADMIN:
        return deny("practice admins read no clinical content")
    if actor.role is Role.CLIENT:
        if record.portal_user_id != actor.user_id:
            return deny("a client reaches only their own record")
        if action is Action.VIEW_PORTAL:
            return allow("the client's own portal, restricted at their request")
        return deny(RESTRICTED_FOR_CLIENT)
    if action is Action.VIEW_CLIENT and actor.user_id in record.emergency_user_ids:
        return allow("emergency access to a restricted record")
    return deny(RESTRICTED_FOR_STAFF)


def _can_on_psychotherapy_note(
    actor: Actor, action: Action, note: PsychotherapyNoteRecord
) -> Decision:
    # HIPAA 164.501 and 164.508(a)(2): psychotherapy notes are the author's alone. Not the
    # supervisor, not emergency access, not the client's right of access.
    if action not in NOTE_ACTIONS:
        return deny(f"{action} is not an action on a psychotherapy note")
    if actor.role in CLINICIANS and actor.user_id == note.author_id:
        # Reading it needs the record opened first, which a restricted record allows only on
        # emergency access (psychotherapy_note_for's caller has opened it with client_for).
        if note.restricted and action is Action.CHANGE_PSYCHOTHERAPY_NOTE:
            return deny(RESTRICTED_FOR_STAFF)
        return allow("author of the psychotherapy note")
    return deny("psychotherapy notes are readable by their author alone")


def _can_receive_referral(actor: Actor, action: Action, referral: ReferralRecord) -> Decision:
    # Minimum necessary: the receiver sees what the client authorized them to receive, only
    # while the transfer is under way and the authorization holds (a revocation stops it).
    if action is not Action.RECEIVE_REFERRAL:
        return deny(f"{action} is not an action on a referral")
    if actor.role not in CLINICIANS or actor.user_id != referral.receiver_id:
        return deny("only the receiving therapist answers a transfer")
    if referral.restricted:
        return deny("this client's record is restricted at their request: the transfer waits")
    if not referral.awaiting:
        return deny("the transfer is not awaiting an answer")
    if not referral.authorized:
        return deny("the client's authorization for the transfer is no longer in force")
    return allow("receiving therapist of a transfer under way")


def feedback_lines(actor: Actor, therapist_ids: frozenset[int]) -> frozenset[int]:
    """The therapists whose own line of the practice view this actor sees: a therapist their
    own, a supervisor theirs and their supervisees', an admin everyone's (the figures are summed
    over clients and small ones withheld, so the admin still reads no client's record)."""
    if not actor.active or not can(actor, Action.VIEW_PRACTICE_FEEDBACK, _scope(actor)):
        return frozenset()
    if actor.role is Role.ADMIN:
        return therapist_ids
    own = {actor.user_id}
    if actor.role is Role.SUPERVISOR:
        own |= actor.supervisee_ids
    return therapist_ids & own


def _scope(actor: Actor) -> PracticeScope:
    return PracticeScope(practice_id=actor.practice_id if actor.practice_id is not None else -1)


def may_read_review_draft(actor: Actor, *, therapist_id: int, author_id: int | None) -> bool:
    """Whether a reader of the record also reads an ending review that is not signed yet.

    Asked once :func:`can` has let the actor read the client. Until it is signed, the review is
    work in progress, written by the episode's therapist with the client (seed 003): theirs and
    its author's, and their supervisor's, who oversees the work. A therapist who takes the
    client on later reads the earlier reviews once signed, as the client does once shared.
    """
    if not actor.active:
        return False
    if actor.user_id in (therapist_id, author_id):
        return True
    return actor.role is Role.SUPERVISOR and therapist_id in actor.supervisee_ids
