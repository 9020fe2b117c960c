"""Two `kithkin run_huey` processes share one Redis queue: each job runs once, in one of them.

The jobs are Kithkin's own (the inquiry, lapse and export scans), enqueued by a separate process
as the web server would enqueue them, against a migrated SQLite file. Which process ran which job
is read from each consumer's own log: huey writes "<task>: <id> executed in ..." after the task
returned, so no test hook is needed in production code.
"""

import json
import re
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from huey import RedisHuey

from tests.programs import KITHKIN, Installation

pytestmark = pytest.mark.subprocess

JOBS = 30
DEADLINE = 40  # seconds for both consumers to start and drain the queue; CI must never hang

ENQUEUE = """
import json, sys, django
django.setup()
from kithkin.fhir.tasks import export_expiry
from kithkin.inquiries.tasks import inquiries_overdue_scan
from kithkin.lapses.tasks import lapses_nightly_scan
jobs = (inquiries_overdue_scan, lapses_nightly_scan, export_expiry)
ids = [jobs[n % len(jobs)]().id for n in range(int(sys.argv[1]))]
print(json.dumps(ids))
"""

EXECUTED = re.compile(r"INFO:huey:.*:kithkin\.\w+\.tasks\.(\w+): ([0-9a-f-]{36}) executed in")
FAILED = re.compile(r"ERROR:huey:")


@dataclass
class Consumer:
    process: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def started(self) -> bool:
        return f"PID {self.process.pid}" in self.text()

    def executed(self) -> list[str]:
        return [match[2] for match in EXECUTED.finditer(self.text())]


@pytest.fixture
def queue(redis_url):
    """A queue name of this test's own, so nothing else on the Redis server is read or
    flushed."""
    name = f"kithkin-test-{secrets.token_hex(6)}"
    huey = RedisHuey(name, url=redis_url)
    yield {"KITHKIN_REDIS_URL": redis_url, "KITHKIN_HUEY_NAME": name}, huey
    huey.storage.flush_all()


def start(installation: Installation, env: dict, name: str, *options: str) -> Consumer:
    log = installation.var_dir / f"{name}.log"
    process = subprocess.Popen(
        [str(KITHKIN), "run_huey", "--logfile", str(log), *options],
        env=env,
        cwd=installation.var_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Consumer(process=process, log=log)


def stop(consumer: Consumer) -> None:
    if consumer.process.poll() is None:
        consumer.process.send_signal(signal.SIGINT)  # huey's graceful shutdown
        try:
            consumer.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            consumer.process.kill()
            consumer.process.wait(timeout=5)


def wait_for(condition, what: str, consumers: list[Consumer], deadline: float) -> None:
    while not condition():
        for consumer in consumers:
            assert consumer.process.poll() is None, f"a consumer exited:\n{consumer.text()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_two_worker_processes_share_the_queue_and_run_each_job_once(installation, queue):
    names, huey = queue
    env = installation.env(**names)
    deadline = time.monotonic() + DEADLINE
    # As deployed: one worker also runs the periodic scheduler, the others do not (-n), or
    # every nightly scan would be enqueued once per worker.
    consumers: list[Consumer] = []
    try:
        consumers.append(start(installation, env, "first"))
        consumers.append(start(installation, env, "second", "--no-periodic"))
        wait_for(lambda: all(c.started() for c in consumers), "both consumers", consumers, deadline)
        # Started is not yet listening: wait until both wait on the queue (huey's blocking
        # dequeue), so the jobs cannot all go to the one that happened to start first.
        server = redis.Redis.from_url(names["KITHKIN_REDIS_URL"])
        wait_for(
            lambda: server.info("clients")["blocked_clients"] >= 2,
            "both consumers to wait on the queue",
            consumers,
            deadline,
        )
        enqueued = installation.django(ENQUEUE, str(JOBS), timeout=30, **names)
        assert enqueued.returncode == 0, enqueued.stderr
        ids = json.loads(enqueued.stdout.strip().splitlines()[-1])
        assert len(set(ids)) == JOBS

        def drained() -> bool:
            return set(ids) <= {i for c in consumers for i in c.executed()}

        wait_for(drained, f"{JOBS} jobs to run", consumers, deadline)
    finally:
        for consumer in consumers:
            stop(consumer)
    assert all(consumer.process.poll() is not None for consumer in consumers)

    ran_by = {consumer.process.pid: consumer.executed() for consumer in consumers}
    runs = [task_id for executed in ran_by.values() for task_id in executed if task_id in ids]
    assert sorted(runs) == sorted(ids), "a job ran twice, or not at all"
    assert all(set(ids) & set(executed) for executed in ran_by.values()), (
        f"one process took every job: { {pid: len(e) for pid, e in ran_by.items()} }"
    )
    for consumer in consumers:
        assert not FAILED.search(consumer.text()), consumer.text()
    assert huey.pending_count() == 0
