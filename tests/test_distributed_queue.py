"""LeasedQueue against a real Redis: leases, expiry, renewal, acks, and no pickle."""

from __future__ import annotations

import time
import uuid

import pytest
from scrapy import Request, Spider


redis = pytest.importorskip("redis", reason="pip install '.[distributed]'")




class Pages(Spider):
    name = "pages"

    def parse(self, response):  # pragma: no cover - only named by queued requests
        pass


def make_queue(redis_url, key, worker, **kwargs):
    from archiver.distributed.queue import LeasedQueue

    return LeasedQueue(redis.Redis.from_url(redis_url), Pages(), key, worker_id=worker, **kwargs)


@pytest.fixture
def key():
    return f"test:{uuid.uuid4().hex}"


def test_a_popped_request_is_leased_until_acked(redis_url, key):
    queue = make_queue(redis_url, key, "a")
    queue.push(Request("http://example.com/1", callback=Pages().parse, meta={"x": 1}))
    request = queue.pop()
    assert request.url == "http://example.com/1" and request.meta["x"] == 1 and request.callback.__name__ == "parse"
    assert len(queue) == 0 and queue.leased_count() == 1
    queue.ack(request.meta["lease_id"])
    assert queue.leased_count() == 0 and queue.pop() is None


def test_a_dead_workers_lease_returns_to_the_queue(redis_url, key):
    dead = make_queue(redis_url, key, "dead", lease_seconds=0.5)
    alive = make_queue(redis_url, key, "alive", lease_seconds=0.5)
    dead.push(Request("http://example.com/lost"))
    assert dead.pop().url == "http://example.com/lost"  # then the worker dies: no ack, no renewal
    assert alive.pop() is None
    time.sleep(0.7)
    request = alive.pop()
    assert request is not None and request.url == "http://example.com/lost"
    assert alive.requeued == 1


def test_a_renewed_lease_is_not_taken(redis_url, key):
    busy = make_queue(redis_url, key, "busy", lease_seconds=0.5)
    other = make_queue(redis_url, key, "other", lease_seconds=0.5)
    busy.push(Request("http://example.com/slow"))
    lease = busy.pop().meta["lease_id"]
    for _ in range(3):
        time.sleep(0.3)
        assert busy.renew([lease]) == 1
        assert other.pop() is None
    assert other.renew([lease]) == 0  # only the holder renews


def test_priority_first_then_fifo(redis_url, key):
    queue = make_queue(redis_url, key, "a")
    for n, priority in ((1, 0), (2, 0), (3, 5), (4, 0)):
        queue.push(Request(f"http://example.com/{n}", priority=priority))
    assert [queue.pop().url[-1] for _ in range(4)] == ["3", "1", "2", "4"]


def test_a_request_that_keeps_killing_workers_is_set_aside(redis_url, key):
    queue = make_queue(redis_url, key, "a", lease_seconds=0.2, max_attempts=2)
    queue.push(Request("http://example.com/poison"))
    for _ in range(2):
        assert queue.pop() is not None
        time.sleep(0.3)
    assert queue.pop() is None and queue.failed_count() == 1


def test_requests_are_json_and_foreign_classes_are_refused(redis_url, key):
    from archiver.distributed import serializer

    queue = make_queue(redis_url, key, "a")
    queue.push(Request("http://example.com/", headers={"X": "1"}, body=b"\xff\x00"))
    [raw] = queue.server.hvals(f"{key}:payload")
    assert raw.startswith(b"{")  # JSON, never pickle: a shared Redis must not run code on workers
    assert queue.pop().body == b"\xff\x00"
    with pytest.raises(ValueError, match="refusing"):
        serializer.loads(b'{"url": "http://x/", "_class": "os.system"}')


def test_a_push_retried_after_a_lost_reply_is_neither_doubled_nor_dropped(redis_url, key):
    # The client retries a command whose reply was lost (Redis restarted, network cut): the first
    # attempt may have run. The same push again must find it, not queue a second copy, and must
    # not take the request's own fingerprint for a duplicate.
    queue = make_queue(redis_url, key, "a")
    request = Request("http://example.com/once")
    assert queue.push(request, f"{key}:fingerprints", "fp-once", request_id="r1")
    assert queue.push(request, f"{key}:fingerprints", "fp-once", request_id="r1")  # the retry
    assert len(queue) == 1
    assert not queue.push(request, f"{key}:fingerprints", "fp-once")  # a real duplicate: another push
    assert len(queue) == 1


def test_a_lease_retried_after_a_lost_reply_gets_the_same_request(redis_url, key):
    # The first attempt ran but its answer never came back (the link froze): the client sends the same
    # call again. It must get the request the first attempt leased, not a second one, or the first would
    # stay leased to this worker, unknown to it, until the lease ran out (and count as a failed attempt).
    queue = make_queue(redis_url, key, "a")
    for n in (1, 2):
        queue.push(Request(f"http://example.com/{n}"))
    first = queue.lease(token="call-1")
    assert queue.lease(token="call-1") == first  # the retry
    assert queue.leased_count() == 1 and len(queue) == 1
    second = queue.lease(token="call-2")  # the next call
    assert second[0] != first[0] and queue.leased_count() == 2 and len(queue) == 0
    queue.ack(first[0])
    assert queue.lease(token="call-1") == (None, None)  # an old token leases nothing it no longer holds
    assert queue.server.hget(f"{key}:attempts", second[0]) == b"1"


def test_an_ack_after_the_lease_was_requeued_removes_the_requeued_copy(redis_url, key):
    # A worker cut off from Redis past its lease finishes the request all the same.
    slow = make_queue(redis_url, key, "slow", lease_seconds=0.2)
    other = make_queue(redis_url, key, "other", lease_seconds=0.2)
    slow.push(Request("http://example.com/slow"))
    lease = slow.pop().meta["lease_id"]
    other.push(Request("http://example.com/urgent", priority=10))
    time.sleep(0.3)
    assert other.pop().url == "http://example.com/urgent" and other.requeued == 1  # /slow is back in line
    assert len(other) == 1
    slow.ack(lease)
    assert len(other) == 0 and other.pop() is None
