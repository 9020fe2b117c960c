"""Rate limits that every worker process counts together (issue 10, "Beyond one machine").

gunicorn runs several worker processes. A count kept in each one's memory (Django's default
LocMemCache) lets every worker grant the whole limit again, so with two workers a limit is
twice what it says. Every limiter counts in the "limits" cache instead (settings.py): Redis when
``KITHKIN_REDIS_URL`` is set, which every machine shares, or else ``MachineCache``, files under
``var/limits/`` that every process on this machine shares.

Counting is ``add`` then ``incr``, which both backends make atomic across processes, over two
fixed windows weighted into a sliding one (``kithkin.core.ratelimit``).
"""

import os
import pickle
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks
from ninja.throttling import SimpleRateThrottle

from kithkin.core.ratelimit import Tally, window_index

LIMITS = "limits"
clock = time.time  # the tests move it


@dataclass(frozen=True)
class Hit:
    """One request counted against a key: the tally, and the counter it went into."""

    tally: Tally
    bucket: str


def hit(key: str, *, seconds: int) -> Hit:
    """Counts one request against ``key`` in windows of ``seconds``."""
    cache = caches[LIMITS]
    index, elapsed = window_index(clock(), seconds)
    bucket = f"{key}:{index}"
    # The window is part of the key, so a count ends with its window whatever the backend does
    # with expiry; the timeout keeps it for the next window's estimate, then clears it away.
    cache.add(bucket, 0, timeout=2 * seconds)
    try:
        current = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, timeout=2 * seconds)
        current = 1
    previous = cache.get(f"{key}:{index - 1}", 0)
    return Hit(Tally(previous=previous, current=current, elapsed=elapsed), bucket)


def uncount(counted: Hit) -> None:
    """Takes back a request that was refused, so that refusals do not keep a client out."""
    with suppress(ValueError):  # already gone with its window
        caches[LIMITS].decr(counted.bucket)


class SharedRateThrottle(SimpleRateThrottle):
    """Django Ninja's throttle, counted in the shared "limits" cache. Ninja's own keeps a list of
    request times that it reads and writes back: two workers answering at once would read the
    same list, and one request would go uncounted. As Ninja's does, a refused request does not
    count."""

    def __init__(self, rate: str | None = None):
        super().__init__(rate)
        # One instance serves every thread of a worker (the API's throttle is made once), so
        # the refusal that wait() explains is kept per thread.
        self._refused = threading.local()

    def allow_request(self, request) -> bool:
        self._refused.tally = None
        key = self.get_cache_key(request)
        if key is None:
            return True
        counted = hit(key, seconds=self.duration)
        if counted.tally.allows(self.num_requests):
            return True
        uncount(counted)
        self._refused.tally = counted.tally
        return False

    def wait(self) -> float | None:
        tally = getattr(self._refused, "tally", None)
        if tally is None:
            return None
        return tally.wait(limit=self.num_requests, seconds=self.duration)


class MachineCache(FileBasedCache):
    """Django's file cache, with ``add`` and ``incr`` atomic for every process on this machine.

    Django's file cache reads a count, adds one and writes it back, so two workers counting at
    once would lose a request; here both hold one lock file while they work. Without Redis this
    is the correct choice among Django's backends: LocMemCache counts per process, the database
    cache's ``incr`` is no more atomic and needs a table made outside migrations, and Memcached
    would be one more server to run. Only for counters: everything else stays Django's own.
    """

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self._createdir()
        # Not named *.djcache, so clear() and culling never take it.
        with open(os.path.join(self._dir, "lock"), "ab") as lock:
            locks.lock(lock, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._locked():
            fname = self._key_to_file(key, version)
            try:
                # Read as Django's file cache reads its own: files only this cache writes, in a
                # directory only Kithkin's user may open (0700).
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found.") from None
            remaining = None if expiry is None else expiry - time.time()
            if remaining is not None and remaining <= 0:
                raise ValueError(f"Key '{key}' not found.")
            # Django's incr would give the count the default timeout; it keeps its own.
            self.set(key, value + delta, remaining, version)
            return value + delta

    def _cull(self):
        # Counts of past windows are never read again, so Django's random cull would mostly
        # drop live ones among them; the expired go first, and the random cull only if that
        # was not enough.
        names = self._list_cache_files()
        if len(names) < self._max_entries:
            return
        for name in names:
            try:
                with open(name, "rb") as f:
                    self._is_expired(f)
            except FileNotFoundError:
                pass
        super()._cull()
