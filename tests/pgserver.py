"""A throwaway PostgreSQL cluster for the test session.

Uses $SHOPFLOOR_TEST_PG_URL when set (an existing server, any database on it); otherwise
finds Debian's PostgreSQL binaries, initialises a cluster in a temporary directory (as the
postgres user when running as root, since initdb refuses root) and starts it on a free
loopback port with fsync off. Returns None when PostgreSQL is not installed.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PgServer:
    host: str
    port: int
    user: str
    data_dir: Path | None
    _runner: list[str]
    _pg_ctl: str | None

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def restart(self, mode: str = "fast") -> None:
        """Restart the server as an administrator would: `fast` ends every session (their
        open transactions roll back), `immediate` stops it dead (it recovers from its log on
        start). Returns once it takes connections again."""
        if not self._pg_ctl or self.data_dir is None:
            raise RuntimeError("only a server the tests started can be restarted")
        subprocess.run(
            [
                *self._runner,
                self._pg_ctl,
                "-D",
                str(self.data_dir),
                "-m",
                mode,
                "-w",
                "-l",
                str(self.data_dir.parent / "log"),
                "restart",
            ],
            check=True,
            capture_output=True,
        )

    def stop(self) -> None:
        if self._pg_ctl and self.data_dir is not None:
            subprocess.run(
                [*self._runner, self._pg_ctl, "-D", str(self.data_dir), "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def start(*, durable: bool = False) -> PgServer | None:
    """A server for the tests (None without PostgreSQL). `durable`: a commit is answered only
    once it is in the server's log (synchronous_commit on, as a plant's server runs), so an
    immediate shutdown keeps every posting it acknowledged; otherwise faster, for tests that
    never stop it dead."""
    url = os.environ.get("SHOPFLOOR_TEST_PG_URL")
    if url:
        from sqlalchemy.engine import make_url

        u = make_url(url)
        return PgServer(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            user=u.username or "postgres",
            data_dir=None,
            _runner=[],
            _pg_ctl=None,
        )
    bindir = _bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="shopfloor-pg-"))
    runner: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        runner = ["runuser", "-u", "postgres", "--"]
    data = root / "data"
    subprocess.run(
        [
            *runner,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    if not durable:
        options += " -c synchronous_commit=off"
    subprocess.run(
        [
            *runner,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(root / "log"),
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return PgServer("127.0.0.1", port, "postgres", data, runner, str(bindir / "pg_ctl"))
