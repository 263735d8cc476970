"""Real database servers for the suite.

CHARGEPLANE_TEST_POSTGRES_URL names a server to use (CI sets it). Without it, a throwaway PostgreSQL
cluster is started from Debian's binaries in a temporary directory and removed at the end, so a
fresh machine runs the whole suite too. Nothing is skipped: a missing server is an error.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator

import asyncpg
from sqlalchemy.engine import make_url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if not candidates:
        raise RuntimeError(
            "PostgreSQL is needed for the suite: set CHARGEPLANE_TEST_POSTGRES_URL or install Debian's "
            "postgresql package (`make deps` does)"
        )
    return candidates[0]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private cluster on a free port; yield its server URL (without a database)."""
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    base = tempfile.mkdtemp(prefix="chargeplane-pg-")
    data = os.path.join(base, "data")
    if as_root:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    subprocess.run([*prefix, _pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, stdout=subprocess.DEVNULL)
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200"
    subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", data, "-o", options, "-w", "-l",
                    os.path.join(base, "log"), "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*prefix, _pg_bin("pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                       check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def create_database(server_url: str) -> str:
    """A new, empty database on the server; returns its SQLAlchemy URL."""
    name = f"chargeplane_test_{uuid.uuid4().hex[:12]}"
    conn = await _connect(server_url, "postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{server_url.rstrip('/')}/{name}"


async def drop_database(server_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = await _connect(server_url, "postgres")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def _connect(server_url: str, database: str) -> asyncpg.Connection:
    deadline = time.monotonic() + 20
    while True:
        try:
            return await asyncpg.connect(f"{_plain(server_url).rstrip('/')}/{database}")
        except (OSError, asyncpg.PostgresError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def server_url_from(url: str) -> str:
    """CHARGEPLANE_TEST_POSTGRES_URL may name a database; the suite makes its own on that server."""
    parsed = make_url(url).set(drivername="postgresql+asyncpg")._replace(database=None)
    return parsed.render_as_string(hide_password=False).rstrip("/")
