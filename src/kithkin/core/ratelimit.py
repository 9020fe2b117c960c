"""Rate limits over a sliding window, estimated from two fixed-window counters.

The counts live in a cache that every worker process shares (``kithkin.web.limits``), and the
only operation such a cache makes atomic is adding one to a number. A plain count per fixed
window lets a client spend one window's allowance at its very end and the next window's at the
start of the next: twice the limit within a moment. Weighting the previous window by the part of
it the sliding window still covers, as if its requests had come evenly, smooths that edge away
while each request still costs one atomic increment.

Plain functions over a frozen ``Tally``; no Django.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tally:
    """What the counters held as a request was counted."""

    previous: int  # requests in the previous fixed window
    current: int  # requests in the current fixed window, this one included
    elapsed: float  # the part of the current window gone by, 0 <= elapsed < 1

    @property
    def estimate(self) -> float:
        """Requests in the window of the same length that ends now, this one included."""
        return self.previous * (1 - self.elapsed) + self.current

    def allows(self, limit: int) -> bool:
        return self.estimate <= limit

    def wait(self, *, limit: int, seconds: float) -> float:
        """Seconds until one more request would be allowed, once this refused one is not
        counted. Never 0 for a refused request, so a Retry-After is always worth sending."""
        if limit < 1:
            return float(seconds)  # nothing is ever allowed; say so in one window's time
        counted = self.current - 1
        room = limit - 1 - counted  # how much of the previous window's weight may remain
        if room >= 0 and self.previous > 0:
            # Later in this window, once enough of the previous one has slid out of it.
            return (1 - room / self.previous - self.elapsed) * seconds
        if room >= 0:
            return 0.0
        # This window alone is full: into the next, where this one becomes the previous.
        return (1 - self.elapsed + max(0.0, 1 - (limit - 1) / counted)) * seconds


def window_index(now: float, seconds: int) -> tuple[int, float]:
    """The fixed window ``now`` (seconds since the epoch) falls in, and how far into it."""
    index = int(now // seconds)
    return index, now / seconds - index
