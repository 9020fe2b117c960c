"""The real server under test, and a small keep-alive HTTP client to drive it.

The client is http.client with cookies kept by hand: one persistent connection, so a sequential
measurement times the request and the response, not a TCP handshake per request.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

HOST = "127.0.0.1"
RETRYABLE = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    ConnectionResetError,
    BrokenPipeError,
)


class BenchError(RuntimeError):
    """A failure that stops the benchmark of one database, with a message for the operator."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Browser:
    """One logged-in (or anonymous) user agent on one keep-alive connection."""

    def __init__(self, port: int, timeout: float = 30.0):
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.location = ""  # the Location header of the last response, if any
        self._conn: http.client.HTTPConnection | None = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, float]:
        """Returns status, body and the elapsed milliseconds of the attempt that succeeded.

        A keep-alive connection the server closed between two requests is reopened once; the
        failed attempt is not timed, the successful one includes its reconnection.
        """
        sent = {"Accept": "text/html,application/json", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self._conn.request(method, path, body=body, headers=sent)
                response = self._conn.getresponse()
                data = response.read()
            except RETRYABLE:
                self.close()
                if attempt == 2:
                    raise
                continue
            elapsed_ms = (time.perf_counter() - started) * 1000
            self.location = response.getheader("Location", "")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            if response.will_close:
                self.close()
            return response.status, data, elapsed_ms
        raise AssertionError("unreachable")

    def get(self, path: str) -> tuple[int, bytes, float]:
        return self.request("GET", path)

    def login(self, username: str, password: str) -> None:
        """Through the real form: the CSRF cookie and hidden input, then the session cookie."""
        status, body, _ = self.get("/login/")
        if status != 200:
            raise BenchError(f"GET /login/ answered {status}")
        match = re.search(rb'name="csrfmiddlewaretoken"\s+value="([^"]+)"', body)
        if not match or "csrftoken" not in self.cookies:
            raise BenchError("the login page gave no CSRF token")
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1).decode(),
                "next": "",
            }
        ).encode()
        status, _, _ = self.request(
            "POST",
            "/login/",
            body=form,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"{self.origin}/login/",
            },
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise BenchError(f"logging in as {username} failed (POST /login/ answered {status})")
        if "/2fa/" in self.location:
            raise BenchError(
                f"{username} must pass a second factor ({self.location}); the benchmark runs "
                "with KITHKIN_REQUIRE_2FA=0 and needs an account without a TOTP device"
            )


def sequential(browser: Browser, path: str, *, count: int, warmup: int, progress=None) -> list:
    """Times ``count`` back-to-back GETs after ``warmup`` untimed ones; every answer must be 200."""
    timings = []
    for index in range(warmup + count):
        status, _, elapsed_ms = browser.get(path)
        if status != 200:
            where = f" to {browser.location}" if browser.location else ""
            raise BenchError(f"GET {path} answered {status}{where} on request {index + 1}")
        if index >= warmup:
            timings.append(elapsed_ms)
            if progress is not None:
                progress.update(1)
    return timings


def concurrent(
    port: int, path: str, *, connections: int, seconds: float, cookies: dict | None = None
) -> dict:
    """Closed-loop load: each of ``connections`` threads sends the next request as soon as the
    last one is answered, for ``seconds``. Returns the latencies and the throughput. ``cookies``
    (a logged-in session) are shared by every thread, as tabs of one browser would."""
    barrier = threading.Barrier(connections + 1)
    results: list[list[float]] = [[] for _ in range(connections)]
    failures: list[str] = []
    deadline = [0.0]

    def worker(slot: int) -> None:
        browser = Browser(port)
        browser.cookies.update(cookies or {})
        try:
            browser.get(path)  # open the connection before the clock starts
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                status, _, elapsed_ms = browser.get(path)
                if status != 200:
                    failures.append(f"{path} answered {status}")
                    return
                results[slot].append(elapsed_ms)
        except (OSError, http.client.HTTPException) as error:
            failures.append(f"{type(error).__name__}: {error}")
            barrier.abort()  # a thread that never reaches the barrier must not hang the others
        except threading.BrokenBarrierError:
            pass
        finally:
            browser.close()

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    deadline[0] = time.perf_counter() + seconds + 3600  # held until every thread is ready
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        raise BenchError(f"concurrent GET {path} could not start: {failures[:1]}") from None
    started = time.perf_counter()
    deadline[0] = started + seconds
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.perf_counter() - started
    if failures:
        raise BenchError(f"concurrent GET {path}: {failures[0]} ({len(failures)} failures)")
    latencies = [ms for slot in results for ms in slot]
    return {"latencies": latencies, "requests": len(latencies), "seconds": elapsed}


class Server:
    """``kithkin serve`` (gunicorn) as a subprocess in its own process group, always stopped."""

    def __init__(
        self, argv: list[str], env: dict, log_path: Path, port: int, cwd: Path | None = None
    ):
        self.argv = argv
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.port = port
        self.proc: subprocess.Popen | None = None
        self._log = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def __enter__(self) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("wb")
        # Its own session, so a last-resort kill reaches gunicorn's workers and nothing else.
        self.proc = subprocess.Popen(  # noqa: S603 - argv is built by run.py, no shell
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_healthy(timeout=60)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _wait_healthy(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"the server exited with {self.proc.returncode}:\n{self.tail()}")
            browser = Browser(self.port, timeout=2)
            try:
                status, _, _ = browser.get("/healthz")
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                browser.close()
            time.sleep(0.2)
        raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM lets gunicorn finish in-flight requests; SIGKILL to the group if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=15)
        if self._log is not None:
            self._log.close()
            self._log = None
