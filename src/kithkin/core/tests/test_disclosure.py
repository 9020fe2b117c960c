import pytest

from kithkin.core.disclosure import (
    PLACEHOLDER,
    Audience,
    Involvement,
    PartnerView,
    guard,
    is_outbound,
    redact,
)

MOTHER = PartnerView(1, "Mother", Involvement.JOINT_SESSIONS, role="mother")
DIANE = PartnerView(2, "Diane", Involvement.UNAWARE, role="roommate")
EMPLOYER = PartnerView(3, "Employer", Involvement.INDIRECT, role="employer")
COWORKERS = PartnerView(4, "Coworkers", Involvement.INFORMED)
BARISTA = PartnerView(5, "Barista", None)  # on the map, not a therapy partner
ALEXIS_PEOPLE = (MOTHER, DIANE, EMPLOYER, COWORKERS)

OUTBOUND = [a for a in Audience if a not in (Audience.INTERNAL, Audience.OWN_PORTAL_OF_CLIENT)]


@pytest.mark.parametrize("audience", OUTBOUND)
def test_it_hides_the_unaware_partner_from_everything_that_leaves_the_practice(audience):
    guarded = guard(ALEXIS_PEOPLE, audience)
    assert guarded.kept == (MOTHER, EMPLOYER, COWORKERS)
    assert guarded.withheld == (DIANE,)


def test_it_hides_unaware_partner_from_referral_packet():
    guarded = guard(ALEXIS_PEOPLE, Audience.REFERRAL_PACKET)
    assert DIANE not in guarded.kept
    assert guarded.notice == (
        "1 person in the client's life is withheld from this document to protect their privacy."
    )


def test_the_notice_counts_people_and_names_the_kind_of_output():
    guarded = guard((DIANE, BARISTA, MOTHER), Audience.MESSAGE)
    assert guarded.notice == (
        "2 people in the client's life are withheld from this message to protect their privacy."
    )
    assert "this page" in guard((DIANE,), Audience.OTHER_CLIENT_PORTAL).notice


def test_nothing_withheld_means_no_notice():
    guarded = guard((MOTHER, EMPLOYER), Audience.LETTER)
    assert guarded.withheld == ()
    assert guarded.notice == ""


def test_the_therapists_own_pages_show_everyone():
    guarded = guard((*ALEXIS_PEOPLE, BARISTA), Audience.INTERNAL)
    assert guarded.kept == (*ALEXIS_PEOPLE, BARISTA)
    assert guarded.notice == ""


def test_the_clients_own_portal_shows_the_people_they_named():
    assert DIANE in guard(ALEXIS_PEOPLE, Audience.OWN_PORTAL_OF_CLIENT).kept


def test_another_clients_portal_never_shows_diane():
    assert DIANE not in guard(ALEXIS_PEOPLE, "other_client_portal").kept


def test_someone_who_is_not_a_therapy_partner_is_not_named_outside():
    # Nobody has recorded whether the barista knows; the safe reading is that they do not.
    assert guard((BARISTA,), Audience.FHIR_EXPORT).withheld == (BARISTA,)


@pytest.mark.parametrize("audience", ["pdf_for_insurer", "", "LETTER", None, 42])
def test_an_audience_the_guard_does_not_know_is_treated_as_outbound(audience):
    assert is_outbound(audience)
    assert guard(ALEXIS_PEOPLE, audience).withheld == (DIANE,)


@pytest.mark.parametrize("involvement", ["UNAWARE", "aware", "", "unknown", 3, None])
def test_an_involvement_the_guard_does_not_know_is_treated_as_unaware(involvement):
    odd = PartnerView(9, "Kim", involvement)  # type: ignore[arg-type]
    assert guard((odd, MOTHER), Audience.LETTER).withheld == (odd,)


def test_plain_strings_from_the_database_work_like_the_enums():
    stored = PartnerView(1, "Mother", "joint_sessions")  # type: ignore[arg-type]
    assert guard((stored,), "letter").kept == (stored,)


def test_redact_replaces_a_withheld_name_in_any_case_and_its_possessive():
    text = "Alexis shares a flat with Diane. DIANE's share of the bills; diane\u2019s cleaning."
    assert redact(text, [DIANE], roles=False) == (
        f"Alexis shares a flat with {PLACEHOLDER}. {PLACEHOLDER}'s share of the bills; "
        f"{PLACEHOLDER}'s cleaning."
    )


def test_redact_leaves_other_words_that_contain_the_name():
    text = "Dianes and Dianella are not Diane."
    assert redact(text, [DIANE]) == f"Dianes and Dianella are not {PLACEHOLDER}."


def test_redact_also_replaces_the_role_unless_asked_not_to():
    text = "Her roommate Diane rarely shops."
    assert redact(text, [DIANE]) == f"Her {PLACEHOLDER} {PLACEHOLDER} rarely shops."
    assert redact(text, [DIANE], roles=False) == f"Her roommate {PLACEHOLDER} rarely shops."


def test_redact_prefers_the_full_name_and_tolerates_spacing():
    full = PartnerView(7, "Diane  Smith", Involvement.UNAWARE)
    text = "Diane Smith called; Smith later, Diane\nSmith again."
    assert redact(text, [full]) == f"{PLACEHOLDER} called; Smith later, {PLACEHOLDER} again."


def test_redact_ignores_punctuation_around_a_label():
    mum = PartnerView(8, "(Mum)", Involvement.UNAWARE)
    assert redact("Talked about Mum today.", [mum]) == f"Talked about {PLACEHOLDER} today."


def test_redact_with_nobody_withheld_changes_nothing():
    text = "Alexis will talk to her mother about a joint session."
    assert redact(text, []) == text
    assert redact(text, [PartnerView(9, "  ", Involvement.UNAWARE)]) == text


def test_a_letter_path_uses_the_guard_and_then_redact():
    guarded = guard(ALEXIS_PEOPLE, Audience.LETTER)
    body = "Alexis's mother and her roommate Diane both matter here."
    assert "Diane" not in redact(body, guarded.withheld)
    assert "mother" in redact(body, guarded.withheld)
