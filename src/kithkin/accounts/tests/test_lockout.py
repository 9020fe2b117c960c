from django.test import Client
from django.urls import reverse

from conftest import PASSWORD


def attempt(browser, username, password, ip):
    return browser.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_five_failures_lock_that_username_from_that_address(world):
    browser = Client()
    statuses = [attempt(browser, "alice", "wrong", "203.0.113.9").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = attempt(browser, "alice", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()


def test_one_attacker_behind_the_clinics_address_cannot_lock_out_the_clinic(world):
    for _ in range(6):
        attempt(Client(), "alice", "wrong", "198.51.100.1")
    # bob, at the same address, still logs in; so does alice from home.
    assert attempt(Client(), "bob", PASSWORD, "198.51.100.1").status_code == 302
    assert attempt(Client(), "alice", PASSWORD, "192.0.2.44").status_code == 302


def test_a_success_resets_the_count(world):
    for _ in range(4):
        attempt(Client(), "alice", "wrong", "203.0.113.9")
    assert attempt(Client(), "alice", PASSWORD, "203.0.113.9").status_code == 302
    for _ in range(4):
        attempt(Client(), "alice", "wrong", "203.0.113.9")
    assert attempt(Client(), "alice", PASSWORD, "203.0.113.9").status_code == 302
