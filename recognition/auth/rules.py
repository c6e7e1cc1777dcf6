"""Pure decisions about signing in: how long a run of failed sign-ins holds a door shut.

Failures are counted per key (an email from one address, an address, a device cookie).
Below ``threshold`` nothing waits; from the ``threshold``-th failure on, the next attempt
waits ``first`` seconds after the latest failure, doubling with every further failure up to
``longest`` (OWASP: growing delays slow a guesser to a crawl while the owner, who fails
once or twice, never notices). Attempts refused while waiting are not failures: they
verify no password, so they teach the guesser nothing and do not lengthen the wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Delays:
    """How a key is slowed: ``threshold`` failures are free, then ``first`` seconds,
    doubling up to ``longest``."""

    threshold: int
    first: int
    longest: int

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the latest of ``failures`` failures (0: no wait)."""
        if failures < max(self.threshold, 1):
            return 0
        doublings = failures - max(self.threshold, 1)
        if doublings >= 32:  # 2**32 seconds is more than any ``longest``
            return self.longest
        return min(self.first * 2**doublings, self.longest)

    def open_at(self, failures: int, latest: datetime | None) -> datetime | None:
        """When the next attempt may be made, if that is later than ``latest``'s failure."""
        wait = self.wait_after(failures)
        if wait == 0 or latest is None:
            return None
        return latest + timedelta(seconds=wait)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` until ``moment``, rounded up (at least 1): a Retry-After."""
    remaining = (moment - now).total_seconds()
    return max(1, int(-(-remaining // 1)))


def minutes_phrase(seconds: int) -> str:
    """``seconds`` as a person reads a wait: "1 minute", "4 minutes" (rounded up)."""
    minutes = max(1, -(-seconds // 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
