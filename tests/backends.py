"""The real PostgreSQL and Redis the cluster backend is tested on: private databases and key prefixes.

Tests never touch data they did not create: each session gets its own database (emptied
before every test), each test its own Redis key prefix, and both are removed afterwards.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlparse, urlunparse

import asyncpg
import redis

from vaxbook.adapters.postgres.migrate import upgrade
from vaxbook.adapters.redis.clients import is_cluster, parse_cluster_url

POSTGRES_URL = os.environ.get("VAXBOOK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("VAXBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
T = TypeVar("T")
LEDGER_TABLES = (
    "clinics, slots, shares, bookings, idempotency, line_checkpoints, ledger_meta, line_places,"
    " verifications, outbox, contacts, allocation_digests, standby, standby_districts, offers,"
    " leftover_pool, operators, operator_sessions, audit"
)


def _with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


async def create_database(migrate: bool = True) -> str:
    """A new, empty database (migrated unless told not to); returns its URL."""
    name = f"vaxbook_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(POSTGRES_URL, name)
    if migrate:
        connection = await asyncpg.connect(url)
        try:
            await upgrade(connection)
        finally:
            await connection.close()
    return url


async def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def empty_ledger(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f"TRUNCATE {LEDGER_TABLES} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


def new_prefix() -> str:
    return f"vaxbook-test:{secrets.token_hex(6)}:"


def drop_prefix(prefix: str, url: str = REDIS_URL) -> None:
    """Delete every key under the prefix (and nothing else), on one Redis or on every node of a cluster."""
    client: redis.Redis | redis.RedisCluster
    if is_cluster(url):
        host, port = parse_cluster_url(url).nodes[0]  # it finds the other nodes from this one
        client = redis.RedisCluster(host=host, port=port)
    else:
        client = redis.Redis.from_url(url)
    try:
        for key in list(client.scan_iter(match=prefix + "*", count=1000)):
            client.delete(key)  # one by one: a cluster's keys live in different slots
    finally:
        client.close()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine from synchronous fixture code, even one called inside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
