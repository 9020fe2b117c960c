"""The job queue is real: SQLite storage on one machine, Redis when KITHKIN_REDIS_URL is set.

Each check runs in a fresh interpreter, because the queue is chosen when settings load.
"""

import json
import os
import subprocess
import sys

import pytest
import redis

SCRIPT = """
import json, django
django.setup()
from django.conf import settings
from kithkin.accounts.tasks import clear_expired_sessions
huey = settings.HUEY
huey.flush()
clear_expired_sessions()  # enqueues; a worker would run it
task = huey.dequeue()
result = {"storage": type(huey.storage).__name__, "task": task.name}
print(json.dumps({**result, "left": huey.pending_count()}))
huey.flush()
"""


def run_with(env_extra: dict) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KITHKIN_HUEY_IMMEDIATE", "KITHKIN_REDIS_URL")
    }
    env.update(env_extra, DJANGO_SETTINGS_MODULE="kithkin.settings")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_one_machine_queues_jobs_in_sqlite(tmp_path):
    result = run_with(
        {"KITHKIN_HUEY_DB": str(tmp_path / "huey.sqlite3"), "KITHKIN_VAR_DIR": str(tmp_path)}
    )
    assert result == {"storage": "SqliteStorage", "task": "clear_expired_sessions", "left": 0}
    assert (tmp_path / "huey.sqlite3").exists()


def test_with_redis_configured_workers_share_a_redis_queue(tmp_path):
    url = os.environ.get("KITHKIN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"Redis at {url} is unreachable (required under CI)")
    result = run_with({"KITHKIN_REDIS_URL": url, "KITHKIN_VAR_DIR": str(tmp_path)})
    assert result == {"storage": "RedisStorage", "task": "clear_expired_sessions", "left": 0}
    assert not (tmp_path / "huey.sqlite3").exists()
