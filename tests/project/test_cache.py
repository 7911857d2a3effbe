"""rlsapp.cache: the Redis client reused per pool, and the throttles' one-round-trip counter."""

import pytest
import redis
from django.core.cache.backends.locmem import LocMemCache

from rlsapp import cache as rls_cache
from rlsapp.cache import RedisCache, counter_hit

REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def redis_cache():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("needs a Redis server on 127.0.0.1:6379")
    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": "test-cache"})
    backend.clear()
    yield backend
    backend.clear()


def test_the_redis_client_is_built_once_per_pool(redis_cache):
    client = redis_cache._cache.get_client("a", write=True)
    assert redis_cache._cache.get_client("b", write=True) is client
    redis_cache.set("key", {"value": 1}, 30)
    assert redis_cache.get("key") == {"value": 1}


def test_the_redis_counter_counts_and_expires(redis_cache):
    assert [redis_cache.counter_hit("hits", timeout=60) for _ in range(3)] == [1, 2, 3]
    assert redis_cache.counter_hit("other", timeout=60) == 1
    ttl = redis_cache._cache.get_client("hits").ttl(redis_cache.make_key("hits"))
    assert 0 < ttl <= 60  # set by the first hit, not pushed out by later ones


def test_the_redis_counter_reloads_its_script_after_a_script_flush(redis_cache):
    client = redis_cache._cache.get_client("hits", write=True)
    assert redis_cache.counter_hit("hits", timeout=60) == 1
    client.script_flush()  # as after a Redis restart: the digest is unknown to the server
    assert client.script_exists(rls_cache.COUNTER_HIT_SHA) == [False]
    assert redis_cache.counter_hit("hits", timeout=60) == 2
    assert client.script_exists(rls_cache.COUNTER_HIT_SHA) == [True]


def test_counter_hit_uses_the_default_cache_whatever_its_backend(monkeypatch, redis_cache):
    local = LocMemCache("counter-test", {})
    monkeypatch.setattr(rls_cache, "caches", {"default": local})
    assert [counter_hit("k", timeout=60) for _ in range(3)] == [1, 2, 3]
    monkeypatch.setattr(rls_cache, "caches", {"default": redis_cache})
    assert [counter_hit("k", timeout=60) for _ in range(2)] == [1, 2]
