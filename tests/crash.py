"""The programs of the crash-consistency harness (tests/test_crash_consistency.py), each run in a
child process against an installation: the setup, the server launcher and the checker.

The launcher imports Kithkin once, then forks a fresh gunicorn master (2 gthread workers) for
every cycle, in a session of its own so that one killpg reaches the master and its workers. It
is gunicorn's own --preload, one step earlier: the import (1.5 s) is paid once, not 50 times,
while every cycle still starts a new server on the database the last one was killed on.
"""

SETUP = """
import json, django
django.setup()
from django.test import Client as Browser
from kithkin.accounts.models import User
from kithkin.api.services import token_create
from kithkin.clients.services import client_create
from kithkin.practices.models import Practice
from kithkin.relationships.models import TherapyRelationship
from kithkin.relationships.services import episode_open

practice = Practice.objects.create(name="Riverside", slug="riverside")
alice = User.objects.create_user(
    username="alice", password=None, role=User.Roles.THERAPIST, practice=practice
)
carol = client_create(by=alice, given_name="Carol", family_name="Crash")
episode_open(relationship=TherapyRelationship.objects.get(client=carol), by=alice)
_, token = token_create(user=alice, by=None, name="crash harness")
# Notes have no API endpoint yet: the harness writes them as the page's autosave does, in a
# signed-in browser session of alice's.
browser = Browser()
browser.force_login(alice)
print(json.dumps({
    "token": token, "client_id": carol.pk, "sessionid": browser.cookies["sessionid"].value,
}))
"""

LAUNCHER = """
import os, sys
from gunicorn.app.base import BaseApplication
from kithkin.wsgi import application


class Server(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        return application


print("ready", flush=True)
for line in sys.stdin:
    command, _, argument = line.strip().partition(" ")
    if command == "start":
        port, log = argument.split(" ", 1)
        pid = os.fork()
        if pid == 0:
            os.setsid()
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            os.dup2(out, 1)
            os.dup2(out, 2)
            try:
                Server({
                    "bind": f"127.0.0.1:{port}", "workers": 2, "threads": 3,
                    "worker_class": "gthread", "timeout": 30, "preload_app": True,
                    "control_socket_disable": True, "loglevel": "warning",
                }).run()
            finally:
                os._exit(1)
        print(pid, flush=True)
    elif command == "reap":
        os.waitpid(int(argument), 0)
        print("reaped", flush=True)
"""

# Reads one JSON line per check: the acknowledged writes so far. Answers one JSON line: the audit
# verdict of `kithkin audit verify` (the command itself, through call_command), the acknowledged
# writes not found, and the rows without their audit event (a write half-done). It closes its
# connections after each check, so every check opens the database afresh after the crash.
CHECKER = """
import io, json, sys, django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from kithkin.audit.models import AuditEvent
from kithkin.measures.models import Response
from kithkin.notes.models import ProgressNote
from kithkin.schedule.models import Session


def audited(action, ids):
    found = set(
        AuditEvent.objects.filter(action=action, resource_id__in=[str(i) for i in ids])
        .values_list("resource_id", flat=True)
    )
    return sorted(i for i in ids if str(i) not in found)


print("ready", flush=True)
for line in sys.stdin:
    acked = json.loads(line)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        audit_ok = True
    except CommandError as broken:
        audit_ok = False
        err.write(str(broken))
    sessions = dict(Session.objects.values_list("pk", "idempotency_key"))
    responses = set(Response.objects.values_list("pk", flat=True))
    notes = {note.session_id: (note.pk, note.focus) for note in ProgressNote.objects.all()}
    missing = {
        "sessions": [i for i, key in acked["sessions"].items() if sessions.get(int(i)) != key],
        "responses": [i for i in acked["responses"] if i not in responses],
        "notes": [s for s, text in acked["notes"].items() if notes.get(int(s), (0, ""))[1] != text],
    }
    unaudited = {
        "sessions": audited("session.schedule", list(sessions)),
        "responses": audited("measures.response.submit", list(responses)),
        "notes": audited("progress_note.create", [pk for pk, _ in notes.values()]),
    }
    counts = {"sessions": len(sessions), "responses": len(responses), "notes": len(notes)}
    connections.close_all()
    print(json.dumps({
        "audit_ok": audit_ok, "audit": out.getvalue() + err.getvalue(),
        "missing": missing, "unaudited": unaudited, "counts": counts,
    }), flush=True)
"""
