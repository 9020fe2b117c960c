"""The matching pages: each clinician's own profile, the practice's profiles, the suggestions for
an inquiry (and accepting one), and the next best fit for a client whose fit review decided to
refer. Suggestions are only suggestions: the one write here is the accept a clinician asks for.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kithkin.accounts.access import (
    actor_for,
    audit_access,
    client_for,
    in_practice,
    record_for,
)
from kithkin.accounts.models import User
from kithkin.audit.request import client_ip
from kithkin.core import matching
from kithkin.core.access import Action, can
from kithkin.matching import selectors, services
from kithkin.matching.forms import AcceptForm, ProfileForm
from kithkin.matching.services import PROFILE_FIELDS, MatchingError
from kithkin.web.forms import form_status

# --- Profiles -------------------------------------------------------------------------------


@login_required
def profile_edit(request):
    # A profile describes the therapist's work, not a client: no read event, only refusals.
    in_practice(request, Action.THERAPIST_PROFILES, audited=False)
    profile = selectors.profile_of(request.user)
    if request.method != "POST":
        initial = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else {}
        return _profile_page(request, profile, ProfileForm(initial=initial))
    form = ProfileForm(request.POST)
    if form.is_valid():
        services.profile_save(therapist=request.user, ip=client_ip(request), **form.cleaned_data)
        messages.success(request, "Your profile is saved.")
        return redirect(reverse("therapist_profiles"))
    return _profile_page(request, profile, form, status=form_status(form))


def _profile_page(request, profile, form, status=200):
    context = {
        "profile": profile,
        "open_slots": selectors.open_slots(profile) if profile else None,
        "form": form,
    }
    return render(request, "matching/profile_edit.html", context, status=status)


@login_required
def therapist_profiles(request):
    in_practice(request, Action.THERAPIST_PROFILES, audited=False)
    rows = [
        {"profile": p, "open_slots": selectors.open_slots(p), "labels": _labels(p)}
        for p in selectors.profiles(request.user.practice_id)
    ]
    return render(request, "matching/therapist_profiles.html", {"rows": rows})


def _labels(profile) -> dict[str, list[str]]:
    """A profile's codes in words, for reading."""

    def words(codes, vocabulary):
        return [vocabulary.get(code, code) for code in codes]

    return {
        "specialties": words(profile.specialties, matching.SPECIALTIES),
        "populations": words(profile.populations, matching.POPULATIONS),
        "modalities": words(profile.modalities, matching.MODALITIES),
        "languages": words(profile.languages, matching.LANGUAGES),
        "times": words(profile.times, matching.TIMES),
        "settings": words(profile.settings, matching.OFFERED_SETTINGS),
    }


# --- An inquiry's suggestions ---------------------------------------------------------------


def _inquiry(request, inquiry_id: int):
    """The inquiry, if the user may read what it asks for: clinicians of its practice. What a
    prospective client wrote is clinical content, so every read leaves an event; another
    practice's inquiry answers as one that does not exist."""
    actor = in_practice(request, Action.VIEW_INQUIRY_CONCERNS, audited=False)
    inquiry = selectors.inquiry_of(practice_id=actor.practice_id, inquiry_id=inquiry_id)
    action = Action.VIEW_INQUIRY_CONCERNS
    if inquiry is None:
        audit_access(request, actor, action, "Inquiry", inquiry_id, None, False, "no such inquiry")
        raise Http404("No such inquiry")
    audit_access(request, actor, action, "Inquiry", inquiry.pk, None, True, "matching")
    return inquiry


@login_required
def inquiry_matches(request, inquiry_id: int):
    inquiry = _inquiry(request, inquiry_id)
    return _matches_page(request, inquiry, AcceptForm())


def _matches_page(request, inquiry, form, status=200):
    preferences = selectors.preferences_of(inquiry)
    found = selectors.suggestions(preferences, practice_id=inquiry.practice_id)
    context = {
        "inquiry": inquiry,
        "preferences": _preferences_in_words(preferences),
        "found": found,
        "form": form,
        "may_accept": inquiry.status not in ("matched", "closed"),
    }
    return render(request, "matching/inquiry_matches.html", context, status=status)


def _preferences_in_words(preferences: matching.Preferences) -> list[tuple[str, str]]:
    def words(codes, vocabulary):
        return ", ".join(vocabulary.get(code, code) for code in codes)

    shown = [
        ("Modalities", words(preferences.modalities, matching.MODALITIES)),
        ("Languages", words(preferences.languages, matching.LANGUAGES)),
        ("Therapist", matching.GENDERS.get(preferences.therapist_gender, "")),
        ("Faith", matching.FAITH.get(preferences.faith, "")),
        ("When", words(preferences.availability, matching.TIMES)),
        ("How", matching.SETTINGS.get(preferences.setting, "")),
    ]
    return [(label, value) for label, value in shown if value]


@login_required
@require_POST
def inquiry_match_accept(request, inquiry_id: int):
    inquiry = _inquiry(request, inquiry_id)
    actor = in_practice(request, Action.CREATE_CLIENT, audited=False)
    form = AcceptForm(request.POST)
    if form.is_valid():
        therapist = User.objects.filter(
            pk=form.cleaned_data["therapist_id"], practice_id=actor.practice_id
        ).first()
        if therapist is None:
            form.add_error(None, "That therapist is not one of this practice's.")
        else:
            try:
                client = services.inquiry_match_accept(
                    inquiry=inquiry, therapist=therapist, by=request.user, ip=client_ip(request)
                )
            except MatchingError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(
                    request,
                    f"{client.display_name} is now a client of {therapist.display_name}, "
                    "in reaching out.",
                )
                return redirect(_after_accept(request, client))
    return _matches_page(request, inquiry, form, status=form_status(form))


def _after_accept(request, client) -> str:
    """The client's page when the accepting clinician may read it (they matched to
    themselves); otherwise back to the caseload, since the record is now the other therapist's."""
    if can(actor_for(request.user), Action.VIEW_CLIENT, record_for(client)).allowed:
        return reverse("client_detail", args=[client.pk])
    return reverse("caseload")


# --- The next best fit for a client ---------------------------------------------------------


@login_required
def client_matches(request, client_id: int):
    # The treating therapist looks for the next best fit with the client (seed 002), and makes
    # the referral on the referral pages; the supervisor reads the record but does not refer.
    client = client_for(request, client_id, Action.CHANGE_CLIENT)
    inquiry = selectors.inquiry_of_client(client)
    preferences = selectors.preferences_of(inquiry)
    found = selectors.suggestions(
        preferences,
        practice_id=client.practice_id,
        leave_out=selectors.current_therapist_ids(client),
    )
    context = {
        "client": client,
        "inquiry": inquiry,
        "preferences": _preferences_in_words(preferences),
        "found": found,
        "fit_says_refer": selectors.fit_says_refer(client),
    }
    return render(request, "matching/client_matches.html", context)
