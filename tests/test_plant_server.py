"""One server for the plant: `shopfloor init` on an empty PostgreSQL database creates the plant,
as the README's server set-up says; a workstation's settings are checked against the real
server, which is reached, refused or absent in words; the password stays out of any file
where the desktop has no keyring."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from app.errors import ServerUnreachable, ValidationError
from app.services import server
from app.services.check import check_database
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders
from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent
ROLE = f"plant_{os.getpid()}"
PASSWORD = "s3cret word"


def _admin(pg: pgserver.PgServer, sql: str, dbname: str = "postgres") -> list[tuple[object, ...]]:
    with psycopg.connect(
        host=pg.host, port=pg.port, user=pg.user, dbname=dbname, autocommit=True
    ) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else []


@pytest.fixture(scope="module")
def plant_role(pg_server: pgserver.PgServer | None) -> Iterator[pgserver.PgServer]:
    """A role that logs in with a password (scram), as a plant's server has: the README's
    `CREATE ROLE ... LOGIN PASSWORD`, and a pg_hba.conf line asking it for its password."""
    if pg_server is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it)")
    if pg_server.data_dir is None:
        pytest.skip("needs a server the tests start themselves (its pg_hba.conf is changed)")
    _admin(pg_server, f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
    hba = Path(str(_admin(pg_server, "SHOW hba_file")[0][0]))
    original = hba.read_text()
    hba.write_text(f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n{original}")
    _admin(pg_server, "SELECT pg_reload_conf()")
    yield pg_server
    hba.write_text(original)
    _admin(pg_server, "SELECT pg_reload_conf()")
    for (name,) in _admin(
        pg_server, f"SELECT datname FROM pg_database WHERE datname LIKE '{ROLE}%'"
    ):
        _admin(pg_server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg_server, f"DROP ROLE IF EXISTS {ROLE}")


def empty_database(pg: pgserver.PgServer, suffix: str) -> server.ServerSettings:
    """An empty database owned by the plant's role: `CREATE DATABASE ... OWNER`."""
    name = f"{ROLE}_{suffix}"
    _admin(pg, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(pg, f"CREATE DATABASE {name} OWNER {ROLE}")
    return server.ServerSettings(host="127.0.0.1", port=pg.port, database=name, user=ROLE)


def shopfloor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SHOPFLOOR_USER": "anna", "SHOPFLOOR_WORKSTATION": "office"},
    )


def test_shopfloor_init_on_an_empty_server_creates_the_plant(
    plant_role: pgserver.PgServer,
) -> None:
    settings = empty_database(plant_role, "init")
    url = settings.url(PASSWORD).render_as_string(hide_password=False)
    assert server.check_server(settings, PASSWORD).state == "new"
    made = shopfloor("--db", url, "init")
    assert made.returncode == 0, made.stderr
    assert "is at schema" in made.stdout and PASSWORD not in made.stdout
    checked = server.check_server(settings, PASSWORD)
    assert checked.state == "ready" and "ready to use" in checked.words
    assert shopfloor("--db", url, "item", "list").returncode == 0
    database = Database(settings.url(PASSWORD))
    try:
        uow = UnitOfWork(database, Actor("anna", "office"))
        assert work_orders.list_work_orders(uow).total == 0
        report = check_database(uow)
        assert report.ok, report.problems
    finally:
        database.dispose()
    tables = _admin(
        plant_role,
        f"SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{ROLE}'",
        dbname=settings.database,
    )
    assert int(str(tables[0][0])) > 20  # the plant's tables belong to its role


def test_a_wrong_password_is_refused_in_words(plant_role: pgserver.PgServer) -> None:
    settings = empty_database(plant_role, "words")
    with pytest.raises(
        ServerUnreachable, match=f"refuses the login: wrong password for user '{ROLE}'"
    ):
        server.check_server(settings, "not the password")
    with pytest.raises(ServerUnreachable, match=f"asks for a password for user '{ROLE}'"):
        server.check_server(settings, None)


def test_a_database_that_is_not_there_is_named(plant_role: pgserver.PgServer) -> None:
    settings = empty_database(plant_role, "named")
    elsewhere = server.ServerSettings(settings.host, settings.port, "no_such_plant", ROLE)
    with pytest.raises(ServerUnreachable, match='database "no_such_plant" does not exist'):
        server.check_server(elsewhere, PASSWORD)


def test_a_server_that_does_not_answer_is_said_so(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    settings = server.ServerSettings("127.0.0.1", port, "plant", "anna")
    with pytest.raises(ServerUnreachable, match=f"127.0.0.1:{port} does not answer"):
        server.check_server(settings, "x")


@pytest.mark.parametrize(
    ("host", "port", "name", "user", "reason"),
    [
        ("", "5432", "plant", "anna", "no host"),
        ("plant server", "5432", "plant", "anna", "not a host name"),
        ("db.plant", "0", "plant", "anna", "from 1 to 65535"),
        ("db.plant", "5432a", "plant", "anna", "from 1 to 65535"),
        ("db.plant", "5432", "", "anna", "database name"),
        ("db.plant", "5432", "plant", "x" * 64, "user name"),
    ],
)
def test_settings_that_cannot_be_a_server_are_refused_in_words(
    host: str, port: str, name: str, user: str, reason: str
) -> None:
    with pytest.raises(ValidationError, match=reason):
        server.server_settings(host, port, name, user)


def test_settings_name_the_server_without_the_password() -> None:
    settings = server.server_settings(" db.plant ", "", "plant", "anna")
    assert settings == server.ServerSettings("db.plant", 5432, "plant", "anna")
    assert settings.describe() == "anna@db.plant:5432/plant"
    assert "pw" not in Database(settings.url("pw")).describe()


def test_without_a_desktop_keyring_the_password_is_kept_nowhere(tmp_path: Path) -> None:
    """This machine has no Secret Service: keyring's own fallback refuses, and Shopfloor
    neither keeps the password nor writes it to a file; it is asked for at each start."""
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent",
    }
    script = (
        "from app.services import server\n"
        "s = server.ServerSettings('db.plant', 5432, 'plant', 'anna')\n"
        "print(server.keyring_available(), server.save_password(s, 'pw-1234'),"
        " server.saved_password(s))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.stdout.split() == ["False", "False", "None"], done.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and b"pw-1234" in p.read_bytes()]
    assert written == []
