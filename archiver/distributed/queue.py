"""A Redis request queue whose pops are leases: a dead worker's requests come back."""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import Base

from archiver.distributed import serializer as json_serializer

if TYPE_CHECKING:
    from redis import Redis
    from scrapy import Request, Spider

logger = logging.getLogger(__name__)

# Keys (all below the queue's own key, e.g. "archiver:news:requests"):
#   :ready     ZSET  id -> score (priority, then FIFO order)      requests waiting
#   :leased    ZSET  id -> lease expiry (Redis server time, s)     requests being fetched
#   :owner     HASH  id -> worker id
#   :payload   HASH  id -> serialized request
#   :score     HASH  id -> score (to requeue an expired lease where it was)
#   :attempts  HASH  id -> times leased
#   :failed    HASH  id -> serialized request, leased too often (it kills workers?)
#   :seq       counter for FIFO order within a priority
#   :lastlease HASH  worker id -> "token id" of its latest lease (a retried lease call finds it)

# Idempotent too: the client retries a call whose reply was lost with the same token, and gets the
# request the first attempt leased, instead of a second one (the first would stay leased to a worker
# that never heard of it until the lease ran out, and count as an attempt that killed a worker).
_LEASE = """
local ready, leased, owner, payload, score, attempts, failed = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local lastlease, worker, token = KEYS[8], ARGV[2], ARGV[4]
local last = redis.call('HGET', lastlease, worker)
if last and string.sub(last, 1, #token + 1) == token .. ' ' then
  local id = string.sub(last, #token + 2)
  if redis.call('HGET', owner, id) == worker then
    return {0, id, redis.call('HGET', payload, id)}
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
-- Expired leases first: their workers died (or stalled past the lease).
local expired = redis.call('ZRANGEBYSCORE', leased, '-inf', now)
for _, id in ipairs(expired) do
  redis.call('ZREM', leased, id)
  redis.call('HDEL', owner, id)
  if tonumber(redis.call('HGET', attempts, id) or '0') >= tonumber(ARGV[3]) then
    redis.call('HSET', failed, id, redis.call('HGET', payload, id) or '')
    redis.call('HDEL', payload, id)
    redis.call('HDEL', score, id)
    redis.call('HDEL', attempts, id)
  else
    redis.call('ZADD', ready, tonumber(redis.call('HGET', score, id) or '0'), id)
  end
end
local item = redis.call('ZPOPMIN', ready)
if #item == 0 then return {#expired} end
local id = item[1]
redis.call('ZADD', leased, now + tonumber(ARGV[1]), id)
redis.call('HSET', owner, id, ARGV[2])
redis.call('HINCRBY', attempts, id, 1)
redis.call('HSET', lastlease, worker, token .. ' ' .. id)
return {#expired, id, redis.call('HGET', payload, id)}
"""

# Dupefilter and queue in one step, idempotent: a command retried after a lost reply (Redis
# restarted, network cut) neither queues a request twice nor takes it for a duplicate and drops it.
_PUSH = """
local ready, payload, score, seq, fingerprints = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, data, priority, fingerprint = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if redis.call('HEXISTS', payload, id) == 1 then return 1 end
if fingerprint ~= '' and redis.call('SADD', fingerprints, fingerprint) == 0 then return 0 end
local s = -priority * 1e10 + redis.call('INCR', seq)
redis.call('HSET', payload, id, data)
redis.call('HSET', score, id, string.format('%.17g', s))
redis.call('ZADD', ready, s, id)
return 1
"""

_RENEW = """
local t = redis.call('TIME')
local expiry = tonumber(t[1]) + tonumber(t[2]) / 1000000 + tonumber(ARGV[1])
local renewed = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
    redis.call('ZADD', KEYS[1], 'XX', expiry, ARGV[i])
    renewed = renewed + 1
  end
end
return renewed
"""


class LeasedQueue(Base):  # type: ignore[misc]
    """Priority FIFO queue in Redis where ``pop`` leases a request until ``ack``.

    A lease lasts ``lease_seconds``; the worker renews the leases it holds while it is
    alive. When a worker dies, its leases expire and the next ``pop`` by any worker puts
    them back in line. A request leased ``max_attempts`` times without an ack is set
    aside in ``:failed`` rather than handed out forever.
    """

    def __init__(self, server: Redis, spider: Spider, key: str, serializer: Any = None, *,
                 worker_id: str | None = None, lease_seconds: float = 60.0, max_attempts: int = 5) -> None:
        super().__init__(server, spider, key, serializer or json_serializer)
        self.worker_id = worker_id or uuid.uuid4().hex
        self.lease_seconds = lease_seconds
        self.max_attempts = max_attempts
        self.keys = {name: f"{self.key}:{name}" for name in
                     ("ready", "leased", "owner", "payload", "score", "attempts", "failed", "seq", "lastlease")}
        self._lease = server.register_script(_LEASE)
        self._renew = server.register_script(_RENEW)
        self._push = server.register_script(_PUSH)
        self.requeued = 0  # expired leases this worker put back in line

    # -- scrapy_redis.queue.Base interface

    def _decode_request(self, encoded_request: bytes) -> Request:
        # Base passes spider= positionally in some versions; be explicit here.
        return request_from_dict(self.serializer.loads(encoded_request), spider=self.spider)

    def __len__(self) -> int:
        return int(self.server.zcard(self.keys["ready"]))

    def push(self, request: Request, fingerprints_key: str | None = None, fingerprint: str | None = None,
             request_id: str | None = None) -> bool:
        """Queue ``request``; with a fingerprint, only if ``fingerprints_key`` lacks it. True if queued."""
        request_id = request_id or uuid.uuid4().hex  # chosen here, so a retried push finds its first attempt
        keys = [self.keys[name] for name in ("ready", "payload", "score", "seq")] + [fingerprints_key or self.keys["seq"]]
        args = [request_id, self._encode_request(request), request.priority, fingerprint or ""]
        return bool(self._push(keys=keys, args=args))

    def pop(self, timeout: float = 0) -> Request | None:
        request_id, data = self.lease()
        if request_id is None:
            return None
        request = self._decode_request(data)
        request.meta["lease_id"] = request_id
        return request

    def clear(self) -> None:
        self.server.delete(*self.keys.values())

    # -- leases

    def lease(self, token: str | None = None) -> tuple[str | None, bytes | None]:
        """The next request and its id, leased to this worker; ``token`` names the call (one per call,
        the same in the client's retries of it)."""
        keys = [self.keys[name] for name in ("ready", "leased", "owner", "payload", "score", "attempts", "failed",
                                             "lastlease")]
        args = [self.lease_seconds, self.worker_id, self.max_attempts, token or uuid.uuid4().hex]
        result = self._lease(keys=keys, args=args)
        self.requeued += int(result[0])
        if len(result) < 3:
            return None, None
        request_id = result[1].decode() if isinstance(result[1], bytes) else result[1]
        return request_id, result[2]

    def ack(self, request_id: str) -> None:
        """The request's records are written: forget it for good."""
        pipe = self.server.pipeline()
        pipe.zrem(self.keys["leased"], request_id)
        # Requeued meanwhile (this worker was cut off past its lease): its work is done all the same.
        pipe.zrem(self.keys["ready"], request_id)
        for name in ("owner", "payload", "score", "attempts"):
            pipe.hdel(self.keys[name], request_id)
        pipe.execute()

    def renew(self, request_ids: list[str]) -> int:
        """Extend this worker's leases on ``request_ids``; returns how many it still held."""
        if not request_ids:
            return 0
        return int(self._renew(keys=[self.keys["leased"], self.keys["owner"]],
                               args=[self.lease_seconds, self.worker_id, *request_ids]))

    def leased_count(self) -> int:
        return int(self.server.zcard(self.keys["leased"]))

    def failed_count(self) -> int:
        return int(self.server.hlen(self.keys["failed"]))
