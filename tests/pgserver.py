"""A PostgreSQL server for the store's tests, and a fresh schema per test.

- ``CARDSCAN_TEST_PG`` (a server URL, e.g. ``postgresql://root@/cardscan_test?host=/var/run/postgresql``)
  names a server to use; each test gets a schema of its own there, dropped after.
- Otherwise, where Debian's PostgreSQL server binaries are installed
  (``/usr/lib/postgresql/*/bin/initdb``) and we are not root, a throw-away cluster is
  started in a temporary folder for the test session (a Unix socket only, no TCP port).
- Otherwise the PostgreSQL half of the tests skips, naming the package to install.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SKIP_REASON = (
    "no PostgreSQL server: set CARDSCAN_TEST_PG to a server URL, or install Debian's "
    "`postgresql` package (the tests start a throw-away cluster as a non-root user)"
)


class Cluster:
    """A throw-away PostgreSQL cluster in a temporary folder, on a Unix socket."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="cardscan-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.sockets.mkdir()
        self.port = 5432

    def start(self) -> str:
        user = os.environ.get("USER") or "cardscan"
        subprocess.run(
            [
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                user,
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
        )
        options = f"-k {self.sockets} -p {self.port} -c listen_addresses='' -c fsync=off"
        subprocess.run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.root / "log"),
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        host = urllib.parse.quote(str(self.sockets), safe="")
        return f"postgresql://{user}@/postgres?host={host}&port={self.port}"

    def stop(self) -> None:
        subprocess.run(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)


def find_bindir() -> Path | None:
    """The newest installed PostgreSQL's binaries (Debian's layout), if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(found[-1]).parent if found else None


def server_url() -> tuple[str | None, Cluster | None, str]:
    """A server URL to test against, the cluster started for it, or why there is none."""
    given = os.environ.get("CARDSCAN_TEST_PG")
    if given:
        return given, None, ""
    bindir = find_bindir()
    if bindir is None:
        return None, None, SKIP_REASON
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return None, None, SKIP_REASON + " (initdb refuses to run as root)"
    cluster = Cluster(bindir)
    try:
        return cluster.start(), cluster, ""
    except (OSError, subprocess.CalledProcessError) as e:
        cluster.stop()
        detail = getattr(e, "stderr", b"") or b""
        return None, None, f"could not start a PostgreSQL cluster: {e} {detail.decode()[-300:]}"


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every table looked up (and made) in ``schema``."""
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


class Schemas:
    """Makes a fresh schema per test on one server, and drops it after."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(
            make_url(url).set(drivername="postgresql+psycopg"),
            poolclass=NullPool,
            isolation_level="AUTOCOMMIT",
        )

    def make(self) -> tuple[str, str]:
        name = f"t_{uuid.uuid4().hex[:12]}"
        for attempt in range(50):
            try:
                with self.engine.connect() as c:
                    c.execute(text(f"CREATE SCHEMA {name}"))
                break
            except Exception:
                if attempt == 49:
                    raise
                time.sleep(0.1)
        return name, with_search_path(self.url, name)

    def drop(self, name: str) -> None:
        with self.engine.connect() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))


def skip_without(reason: str) -> None:
    """Skip (with the reason) when no server could be had."""
    if reason:
        pytest.skip(reason)
