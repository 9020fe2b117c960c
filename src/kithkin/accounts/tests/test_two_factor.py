import re

from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD

CASELOAD = reverse("caseload")


def signed_in(user) -> Client:
    browser = Client()
    browser.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    return browser


def code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(KITHKIN_REQUIRE_2FA=True)
def test_a_therapist_must_enrol_before_reaching_anything(world):
    browser = signed_in(world.alice)
    response = browser.get(CASELOAD)
    assert response.status_code == 302 and response.url.startswith("/2fa/setup/")
    setup = browser.get(response.url)
    assert "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=world.alice, confirmed=False)
    assert re.search(r'<code class="secret">[A-Z2-7]+</code>', setup.content.decode())
    done = browser.post("/2fa/setup/", {"token": code(device), "next": CASELOAD})
    assert done.status_code == 302 and done.url == CASELOAD
    assert browser.get(CASELOAD).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


@override_settings(KITHKIN_REQUIRE_2FA=True)
def test_a_wrong_code_does_not_enrol(world):
    browser = signed_in(world.alice)
    browser.get("/2fa/setup/")
    response = browser.post("/2fa/setup/", {"token": "000000"})
    device = TOTPDevice.objects.get(user=world.alice)
    if code(device) == "000000":  # one chance in a million
        return
    assert response.status_code == 422
    assert not TOTPDevice.objects.filter(user=world.alice, confirmed=True).exists()
    assert browser.get(CASELOAD).status_code == 302


@override_settings(KITHKIN_REQUIRE_2FA=True)
def test_an_enrolled_therapist_verifies_at_each_login(world):
    device = TOTPDevice.objects.create(user=world.alice, name="phone", confirmed=True)
    browser = signed_in(world.alice)
    assert browser.get(CASELOAD).url.startswith("/2fa/verify/")
    assert browser.post("/2fa/verify/", {"token": "12345x"}).status_code == 422
    assert browser.get(CASELOAD).status_code == 302
    assert browser.post("/2fa/verify/", {"token": code(device), "next": CASELOAD}).url == CASELOAD
    assert browser.get(CASELOAD).status_code == 200


@override_settings(KITHKIN_REQUIRE_2FA=True)
def test_next_cannot_send_the_user_off_site(world):
    device = TOTPDevice.objects.create(user=world.alice, name="phone", confirmed=True)
    browser = signed_in(world.alice)
    response = browser.post(
        "/2fa/verify/", {"token": code(device), "next": "https://evil.example/"}
    )
    assert response.url == "/"


@override_settings(KITHKIN_REQUIRE_2FA=True)
def test_clients_are_not_asked_for_a_second_factor(world):
    browser = signed_in(world.carol_login)
    assert browser.get(reverse("portal")).status_code == 200


def test_outside_production_it_is_optional_but_binding_once_enrolled(world):
    assert signed_in(world.alice).get(CASELOAD).status_code == 200
    TOTPDevice.objects.create(user=world.bob, name="phone", confirmed=True)
    assert signed_in(world.bob).get(CASELOAD).url.startswith("/2fa/verify/")


def test_an_unenrolled_user_costs_no_device_query_after_the_first_page(
    world, django_assert_max_num_queries
):
    browser = signed_in(world.alice)
    browser.get(CASELOAD)
    with django_assert_max_num_queries(20) as captured:
        assert browser.get(CASELOAD).status_code == 200
    assert not [q for q in captured.captured_queries if '"otp_' in q["sql"]]


def test_a_device_confirmed_in_another_session_binds_at_the_next_login(world):
    first = signed_in(world.bob)
    assert first.get(CASELOAD).status_code == 200
    TOTPDevice.objects.create(user=world.bob, name="phone", confirmed=True)
    assert signed_in(world.bob).get(CASELOAD).url.startswith("/2fa/verify/")


def test_production_mode_requires_it(tmp_path):
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "KITHKIN_PRODUCTION": "1",
        "KITHKIN_SECRET_KEY": "x" * 60,
        "KITHKIN_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "kithkin.settings",
    }
    env.pop("KITHKIN_REQUIRE_2FA", None)
    script = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.KITHKIN_REQUIRE_2FA)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
