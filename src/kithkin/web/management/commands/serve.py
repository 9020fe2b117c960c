import errno
import os
import socket
import sys

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Serve Kithkin with gunicorn, the production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("KITHKIN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KITHKIN_PORT", 8000)))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("KITHKIN_WORKERS", 2))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("KITHKIN_THREADS", 4))
        )

    def handle(self, *args, host, port, workers, threads, **options):
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "kithkin.wsgi:application",
            f"--bind={host}:{port}",
            f"--workers={workers}",
            f"--threads={threads}",
            "--access-logfile=-",
            "--timeout=60",
            # gthread closes a connection whose request it has not begun within the keep-alive
            # time (2 s by default), unanswered; under 64 writers a request can queue that long
            # behind 8 threads, so it waits up to 30 s instead (tests/test_load.py).
            "--keep-alive=30",
            # Several servers may run on one machine (tests, benchmarks); a shared default
            # control socket under ~/.gunicorn would make them collide.
            "--no-control-socket",
        ]
        if os.environ.get("KITHKIN_REUSE_PORT", "1") != "0":
            refuse_if_taken(host, port)
            # Each worker listens on its own socket and the kernel spreads new connections
            # over them. On one shared socket, the worker that wakes first accepts every
            # keep-alive connection there is (nginx's upstream pool, a load generator's), and the
            # other workers' cores idle: 16 connections ran 15 to 1 (docs/performance.md).
            argv.append("--reuse-port")
        self.stdout.write(f"Serving Kithkin on http://{host}:{port}/")
        self.stdout.flush()
        # exec, so signals reach gunicorn directly and no idle parent lingers.
        os.execv(sys.executable, argv)  # noqa: S606


def refuse_if_taken(host: str, port: int) -> None:
    """Sockets with SO_REUSEPORT share a port with any other that has it, so a second Kithkin
    started on the same port by the same user would quietly take half of its connections,
    perhaps serving another database. A bind without it fails while anything listens there."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    probe = socket.socket(family, kind, proto)
    try:
        # As gunicorn's own: a port whose last server has just stopped (TIME_WAIT) is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise CommandError(
                f"{host}:{port} is already in use: another server listens there. Stop it, or "
                "choose another port with --port."
            ) from error
        raise
    finally:
        probe.close()
