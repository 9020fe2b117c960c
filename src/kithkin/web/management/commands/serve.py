import os
import sys

from django.core.management.base import BaseCommand


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
            # Each worker listens on its own socket and the kernel spreads new connections
            # over them. On one shared socket, the worker that wakes first accepts every
            # keep-alive connection there is (nginx's upstream pool, a load generator's), and the
            # other workers' cores idle: 16 connections ran 15 to 1 (docs/performance.md).
            argv.append("--reuse-port")
        self.stdout.write(f"Serving Kithkin on http://{host}:{port}/")
        self.stdout.flush()
        # exec, so signals reach gunicorn directly and no idle parent lingers.
        os.execv(sys.executable, argv)  # noqa: S606
