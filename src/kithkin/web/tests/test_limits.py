"""Rate limits counted together by every worker process (issue 10): the "limits" cache is Redis
when KITHKIN_REDIS_URL is set, else MachineCache (files every process on the machine shares).

The suite itself counts in memory (test_settings.py); these tests point "limits" at the real
backends. The Redis ones use a key prefix of their own on KITHKIN_TEST_REDIS_URL (default
redis://127.0.0.1:6379/15), and skip with a notice when Redis does not answer, except under
CI=true, where they must run (as tests/test_workers.py does).
"""

import json
import os
import pickle
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from kithkin.core.ratelimit import window_index
from kithkin.web import limits
from kithkin.web.limits import LIMITS, MachineCache, SharedRateThrottle, hit, uncount

SRC = Path(__file__).resolve().parents[3]
# A window longer than any test, so no count splits across two windows mid-test.
FOREVER = 10**9


@pytest.fixture
def redis_limits(redis_url):
    """The "limits" cache on Redis, under a prefix of this test's own, emptied afterwards."""
    prefix = f"kithkin-test-limits-{uuid.uuid4().hex[:12]}"
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": prefix,
    }
    with override_settings(CACHES={**settings.CACHES, LIMITS: config}):
        yield prefix
    server = redis.Redis.from_url(redis_url)
    for key in server.scan_iter(match=f"{prefix}:*"):
        server.delete(key)


@pytest.fixture
def machine_limits(tmp_path):
    config = {"BACKEND": "kithkin.web.limits.MachineCache", "LOCATION": str(tmp_path / "limits")}
    with override_settings(CACHES={**settings.CACHES, LIMITS: config}):
        yield tmp_path / "limits"


@pytest.fixture(params=["machine", "redis"])
def shared_limits(request):
    return request.getfixturevalue(f"{request.param}_limits")


class Throttle(SharedRateThrottle):
    def get_cache_key(self, request):
        return f"throttle_test_{request}"


def test_counts_add_up_and_a_refusal_is_taken_back(shared_limits):
    key = f"counts-{uuid.uuid4().hex}"
    assert [hit(key, seconds=FOREVER).tally.current for _ in range(3)] == [1, 2, 3]
    uncount(hit(key, seconds=FOREVER))
    assert hit(key, seconds=FOREVER).tally.current == 4


def test_the_previous_window_weighs_on_the_next(shared_limits, monkeypatch):
    now = [6000.0]
    monkeypatch.setattr(limits, "clock", lambda: now[0])
    for _ in range(4):
        hit("sliding", seconds=60)
    now[0] += 60 + 15  # a quarter into the next window
    tally = hit("sliding", seconds=60).tally
    assert (tally.previous, tally.current) == (4, 1)
    assert tally.estimate == pytest.approx(4)


def test_threads_with_clients_of_their_own_allow_exactly_the_limit(shared_limits):
    # Django gives each thread its own cache client, as each worker process has its own.
    throttle = Throttle("50/d")
    ident = uuid.uuid4().hex
    allowed = []

    def requests():
        for _ in range(20):
            if throttle.allow_request(ident):
                allowed.append(1)
            else:
                assert throttle.wait() > 0
        caches.close_all()

    threads = [threading.Thread(target=requests) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 50


def _count_in_processes(env: dict, *, processes: int, hits: int) -> None:
    """Worker processes with Kithkin's real settings, each counting ``hits`` against one key."""
    script = (
        "import django, sys; django.setup()\n"
        "from kithkin.web.limits import hit\n"
        f"sys.stdin.read()\n"  # start together, once every process is ready
        f"for _ in range({hits}): hit('together', seconds={FOREVER})\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "kithkin.settings", **env},
            stdin=subprocess.PIPE,
            cwd=SRC.parent,
        )
        for _ in range(processes)
    ]
    for child in children:
        child.stdin.close()
    for child in children:
        assert child.wait(timeout=60) == 0


def _settings_in_a_process(env: dict) -> dict:
    script = (
        "import json, kithkin.settings as s\n"
        "print(json.dumps({'limits': s.CACHES['limits'], 'databases': s.DATABASES}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        cwd=SRC.parent,
    )
    return json.loads(result.stdout)


def _isolated(tmp_path) -> dict:
    """An installation of its own: keys, SQLite file and var/limits/ in tmp_path, no Redis."""
    return {
        "KITHKIN_VAR_DIR": str(tmp_path),
        "KITHKIN_DATABASE_URL": f"sqlite:///{tmp_path}/kithkin.sqlite3",
        "KITHKIN_REDIS_URL": "",
    }


@pytest.mark.subprocess
def test_two_worker_processes_share_one_count_in_redis(tmp_path, redis_url):
    name = f"kithkin-test-{uuid.uuid4().hex[:12]}"
    env = _isolated(tmp_path) | {"KITHKIN_REDIS_URL": redis_url, "KITHKIN_HUEY_NAME": name}
    assert _settings_in_a_process(env)["limits"]["KEY_PREFIX"] == f"{name}:limits"
    _count_in_processes(env, processes=2, hits=100)
    server = redis.Redis.from_url(redis_url)
    index, _ = window_index(time.time(), FOREVER)
    try:
        assert int(server.get(f"{name}:limits:1:together:{index}")) == 200
    finally:
        for key in server.scan_iter(match=f"{name}:*"):
            server.delete(key)


@pytest.mark.subprocess
def test_two_worker_processes_share_one_count_on_one_machine_without_redis(tmp_path):
    env = _isolated(tmp_path)
    assert _settings_in_a_process(env)["limits"] == {
        "BACKEND": "kithkin.web.limits.MachineCache",
        "LOCATION": str(tmp_path / "limits"),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    }
    _count_in_processes(env, processes=2, hits=100)
    index, _ = window_index(time.time(), FOREVER)
    counts = MachineCache(str(tmp_path / "limits"), {})
    assert counts.get(f"together:{index}") == 200


def test_a_count_keeps_its_expiry_as_it_grows(tmp_path):
    counts = MachineCache(str(tmp_path), {})
    counts.add("k", 0, timeout=2)
    assert counts.incr("k") == 1
    assert counts.incr("k", 2) == 3
    with Path(counts._key_to_file("k")).open("rb") as f:
        expiry = pickle.load(f)  # noqa: S301
    assert expiry <= time.time() + 2  # not Django's default 300 seconds from now


def test_an_expired_count_cannot_be_added_to(tmp_path):
    counts = MachineCache(str(tmp_path), {})
    counts.add("k", 0, timeout=-1)
    with pytest.raises(ValueError):
        counts.incr("k")


def test_the_expired_counts_go_first_when_the_machine_cache_is_full(tmp_path):
    counts = MachineCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    for n in range(9):
        counts.set(f"old-{n}", 1, timeout=-1)
    counts.set("live", 5, timeout=60)
    counts.set("new", 1, timeout=60)  # the eleventh: culling runs
    assert counts.get("live") == 5
    assert not [name for name in os.listdir(tmp_path) if name.startswith("old")]
