"""A closed-loop HTTP/1.1 load generator on asyncio, for bench/load.py and tests/test_load.py.

Why not wrk or a library: wrk reports one latency distribution for everything it sends, and
the load test needs each route's own, every answer's status checked against the one expected,
and the writes told apart from the reads; no asyncio HTTP client is in the lock (Locust, the
one that is common, saturates before the server does). Keep-alive connections, Content-Length
and chunked bodies, and Set-Cookie are all this needs of HTTP, so it is a short module of the
standard library, in a process of its own beside the server.

Each connection is one user agent (a therapist's session cookie, a CSRF token, an API token)
that sends its next request as soon as the last is answered, drawing the route from the mix.
"""

import asyncio
import contextlib
import random
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

HOST = "127.0.0.1"


@dataclass
class Answer:
    status: int
    headers: dict[str, list[str]]
    body: bytes


class Connection:
    """One keep-alive connection; reopened when the server closes it."""

    def __init__(self, port: int, timeout: float):
        self.port = port
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> Answer:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        answer = await asyncio.wait_for(self._read(), self.timeout)
        if "close" in ",".join(answer.headers.get("connection", [])).lower():
            await self.close()
        return answer

    async def _read(self) -> Answer:
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, list[str]] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        if "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
            body = bytearray()
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                if size == 0:
                    while await self.reader.readuntil(b"\r\n") != b"\r\n":
                        pass  # trailers
                    return Answer(status, headers, bytes(body))
                body += await self.reader.readexactly(size)
                await self.reader.readexactly(2)
        length = int(headers.get("content-length", ["0"])[0])
        return Answer(status, headers, await self.reader.readexactly(length))


@dataclass
class Agent:
    """What one connection sends as: a therapist's browser session and API token, and the
    records of that therapist's caseload the routes pick from."""

    cookies: dict[str, str]
    bearer: str
    clients: list[dict]  # each {"id", "session_id", "goal_id"}
    maps: list[list[int]]  # [client_id, map_id]
    csrf: str = ""

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def remember(self, answer: Answer) -> None:
        for header in answer.headers.get("set-cookie", []):
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value


def agents_for(prepared: dict, count: int) -> list[Agent]:
    """``count`` connections from ``load.py --prepare``'s therapists, dealt in turn: several
    tabs per therapist."""
    therapists = prepared["therapists"]
    return [
        Agent(
            cookies={"sessionid": t["sessionid"]},
            bearer=t["token"],
            clients=t["clients"],
            maps=t["maps"],
        )
        for t in (therapists[n % len(therapists)] for n in range(count))
    ]


@dataclass
class Route:
    """One kind of request in the mix: its weight, whether it writes, what it must answer."""

    name: str
    weight: int
    write: bool
    expect: int

    def build(self, agent: Agent, rng: random.Random) -> tuple[str, str, dict, bytes]:
        client = rng.choice(agent.clients)
        browser = {"Cookie": agent.cookie_header(), "Accept": "text/html"}
        fhir = {"Authorization": f"Bearer {agent.bearer}", "Accept": "application/fhir+json"}
        if self.name == "caseload":
            return "GET", "/caseload/", browser, b""
        if self.name == "client page":
            return "GET", f"/clients/{client['id']}/", browser, b""
        if self.name == "sphere map":
            client_id, map_id = rng.choice(agent.maps)
            return "GET", f"/clients/{client_id}/maps/{map_id}/", browser, b""
        if self.name == "plan":
            return "GET", f"/clients/{client['id']}/plan/", browser, b""
        if self.name == "FHIR Patient":
            return "GET", f"/fhir/R4/Patient/{client['id']}", fhir, b""
        if self.name == "FHIR Encounter":
            return "GET", f"/fhir/R4/Encounter/{client['session_id']}", fhir, b""
        if self.name == "FHIR Goal":
            return "GET", f"/fhir/R4/Goal/{client['goal_id']}", fhir, b""
        if self.name == "submit response":
            return response_post(agent, client, rng, browser)
        raise ValueError(f"no such route: {self.name}")


def response_post(agent: Agent, client: dict, rng: random.Random, browser: dict) -> tuple:
    """The office form for a questionnaire the client filled in on paper: a PHQ-9 or an alliance
    check-in, each with a fresh idempotency key, for the client's latest attended session."""
    code = "phq9" if rng.random() < 0.5 else "alliance"
    if code == "phq9":
        level = rng.uniform(0.4, 1.8)
        items = {n: min(3, max(0, round(level + rng.gauss(0, 0.7)))) for n in range(1, 9)}
        items[9] = 0
        items[10] = min(3, max(0, round(level)))
        extra = {}
    else:
        items = {n: min(10, max(0, round(rng.gauss(8.3, 0.9)))) for n in range(1, 10)}
        extra = {"respondent": "client", "free_text": ""}
    form = {
        "csrfmiddlewaretoken": agent.csrf,
        # From the OS, never the seeded draw: two runs of one seed would replay each other's keys.
        "key": str(uuid.uuid4()),
        "session": str(client["session_id"]),
        **{f"item_{n}": str(value) for n, value in items.items()},
        **extra,
    }
    path = f"/clients/{client['id']}/measures/enter/{code}/"
    headers = {
        **browser,
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://{HOST}{path}",
    }
    return "POST", path, headers, urllib.parse.urlencode(form).encode()


# 90% reads and 10% writes, the reads spread over the pages a therapist opens all day and the
# FHIR reads another system makes.
MIX = [
    Route("caseload", 10, False, 200),
    Route("client page", 20, False, 200),
    Route("sphere map", 15, False, 200),
    Route("plan", 15, False, 200),
    Route("FHIR Patient", 10, False, 200),
    Route("FHIR Encounter", 15, False, 200),
    Route("FHIR Goal", 5, False, 200),
    Route("submit response", 10, True, 302),
]
WRITES_ONLY = [Route("submit response", 1, True, 302)]


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: list[str] = field(default_factory=list)  # the first few errors, as they read

    def error(self, what: str, detail: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        if len(self.samples) < 5:
            self.samples.append(f"{what}: {detail}"[:400])


async def csrf_token(conn: Connection, agent: Agent) -> None:
    """A form token from the office form's page, as the browser has it before posting."""
    client = agent.clients[0]
    path = f"/clients/{client['id']}/measures/enter/phq9/"
    answer = await conn.request("GET", path, {"Cookie": agent.cookie_header()})
    agent.remember(answer)
    marker = b'name="csrfmiddlewaretoken" value="'
    start = answer.body.find(marker)
    if answer.status != 200 or start < 0:
        raise RuntimeError(f"GET {path} answered {answer.status} without a form token")
    start += len(marker)
    agent.csrf = answer.body[start : answer.body.index(b'"', start)].decode()


async def _agent_loop(port, agent, routes, rng, tally, start, stop_at, timeout) -> None:
    weights = [route.weight for route in routes]
    conn = Connection(port, timeout)
    try:
        await csrf_token(conn, agent)
        await start.wait()
        while time.perf_counter() < stop_at[0]:
            route = rng.choices(routes, weights)[0]
            method, path, headers, body = route.build(agent, rng)
            began = time.perf_counter()
            try:
                answer = await conn.request(method, path, headers, body)
            except (TimeoutError, OSError, asyncio.IncompleteReadError) as error:
                tally.error(route.name, f"{method} {path}: {type(error).__name__} {error}")
                await conn.close()
                continue
            elapsed = (time.perf_counter() - began) * 1000
            agent.remember(answer)
            if answer.status != route.expect:
                tally.error(route.name, f"{method} {path} answered {answer.status}")
                continue
            tally.latencies.setdefault(route.name, []).append(elapsed)
    finally:
        await conn.close()


async def _drive(port, agents, routes, seconds, seed, timeout) -> tuple[Tally, float]:
    tally = Tally()
    start = asyncio.Event()
    stop_at = [float("inf")]
    tasks = [
        asyncio.create_task(
            _agent_loop(
                port, agent, routes, random.Random(seed + n), tally, start, stop_at, timeout
            )
        )
        for n, agent in enumerate(agents)
    ]
    await asyncio.sleep(0)
    # Every connection has its form token before the clock starts.
    while any(not agent.csrf for agent in agents):
        failed = [task for task in tasks if task.done()]
        if failed:
            for task in tasks:
                task.cancel()
            raise RuntimeError(f"a connection could not start: {failed[0].exception()}")
        await asyncio.sleep(0.05)
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.set()
    await asyncio.gather(*tasks)
    return tally, time.perf_counter() - began


def drive(
    port: int,
    agents: list[Agent],
    *,
    routes: list[Route],
    seconds: float,
    seed: int = 1,
    timeout: float = 30.0,
) -> dict:
    """Runs the load for ``seconds``: one connection per agent. Returns each route's latencies
    (ms), the errors by route, their first few words, and the elapsed seconds."""
    tally, elapsed = asyncio.run(_drive(port, agents, routes, seconds, seed, timeout))
    return {
        "latencies": tally.latencies,
        "errors": tally.errors,
        "error_samples": tally.samples,
        "seconds": elapsed,
    }
