"""Which requisite hosts are up, and whose turn it is to ask them: a dead host is learned once per crawl.

A host (``host:port``) nobody has heard from yet gets one request at a time, a probe; the
requisites asked for meanwhile wait for its answer. A host that answered anything (a page or a
requisite, any status) gets ``concurrency`` requests at once. A host whose request failed in a way
that says the host is gone (DNS failure, refused or unreachable, TLS failure, no answer in time:
``outcome.HOST_DOWN``), and that answered nothing else while that request was out, is down: every
requisite on it waiting or asked for later is missing at once, with that reason, without a
request. (One slow URL on a host that keeps answering is that URL's timeout, not the host's.) A down host is asked again after ``recheck`` seconds, doubling
after each failed re-check up to ``max_recheck``; a slow or dead host so costs one timeout per
re-check, never one per page.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from twisted.internet import defer

from archiver.capture.outcome import HOST_DOWN

UNKNOWN, UP, DOWN = "unknown", "up", "down"


@dataclass
class HostState:
    status: str = UNKNOWN
    reason: str | None = None  # why it is down
    down_until: float = 0.0
    failures: int = 0  # failed checks in a row
    last_answer: float = float("-inf")  # when it last sent a response
    active: int = 0  # requisite requests in flight
    waiting: deque[defer.Deferred[str | None]] = field(default_factory=deque)


class HostGate:
    """Hands out turns to ask a host; a turn is ``None`` (go ahead) or the reason the host is down."""

    def __init__(self, concurrency: int, recheck: float, max_recheck: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.concurrency = max(1, concurrency)
        self.recheck = recheck
        self.max_recheck = max(recheck, max_recheck)
        self.clock = clock
        self.hosts: dict[str, HostState] = {}

    def state(self, host: str) -> HostState:
        state = self.hosts.get(host)
        if state is None:
            state = self.hosts[host] = HostState()
        return state

    def down_reason(self, host: str) -> str | None:
        """Why ``host`` is down now, or None (up, unknown, or due for its re-check)."""
        state = self.hosts.get(host)
        if state is None or state.status != DOWN:
            return None
        return state.reason if self.clock() < state.down_until else None

    def turn(self, host: str) -> str | None | defer.Deferred[str | None]:
        """``None``: ask now (and call ``done`` after); a reason: the host is down; a Deferred: wait for either."""
        state = self.state(host)
        if state.status == DOWN:
            if self.clock() < state.down_until:
                return state.reason
            state.status = UNKNOWN  # due for a re-check: the next request is its probe
        if state.active < (self.concurrency if state.status == UP else 1):
            state.active += 1
            return None
        waiter: defer.Deferred[str | None] = defer.Deferred()
        state.waiting.append(waiter)
        return waiter

    def done(self, host: str, started: float, answered: bool, reason: str | None) -> None:
        """A request of ``host`` sent at ``started`` (``clock()``) ended: with an answer (any status), or
        failed with ``reason``."""
        state = self.state(host)
        state.active = max(0, state.active - 1)
        if answered:
            self.answered(host)
        elif reason in HOST_DOWN and state.status != DOWN and state.last_answer < started:
            self._down(state, reason)
        self._wake(state)

    def answered(self, host: str) -> None:
        """The host sent a response (to a page or a requisite): it is up."""
        state = self.state(host)
        state.last_answer = self.clock()
        if state.status != UP:
            state.status, state.reason, state.failures = UP, None, 0
            self._wake(state)

    def _down(self, state: HostState, reason: str) -> None:
        state.status, state.reason = DOWN, reason
        state.down_until = self.clock() + min(self.max_recheck, self.recheck * 2 ** state.failures)
        state.failures += 1

    def _wake(self, state: HostState) -> None:
        while state.waiting:
            if state.status == DOWN:
                state.waiting.popleft().callback(state.reason)
            elif state.active < (self.concurrency if state.status == UP else 1):
                state.active += 1
                state.waiting.popleft().callback(None)
            else:
                return
