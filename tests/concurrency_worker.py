"""One workstation of the concurrency tests: posts work orders on a PostgreSQL database,
started as its own OS process. It waits at a barrier (an advisory lock the test holds) so that
all workstations start together, then prints one JSON line with what it did: postings,
re-runs after a deadlock or serialization failure, and refusals.

`close` and `build` post each work order given once. `rounds` is given one work order per
round: at round i's barrier (ROUNDS + i) it builds that order one at a time until it is
refused, and says per round how many it built, the refusal and the re-runs."""

from __future__ import annotations

import json
import sys

import psycopg

from app.errors import ShopfloorError
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders

BARRIER = 7_000_001
ROUNDS = 7_100_000  # round i waits at ROUNDS + i


def wait_at(conn: psycopg.Connection[tuple[object, ...]], key: int) -> None:
    """Block until the test lets this barrier go."""
    conn.execute("SELECT pg_advisory_lock_shared(%s)", (key,))
    conn.execute("SELECT pg_advisory_unlock_shared(%s)", (key,))


def build_until_refused(uow: UnitOfWork, number: str) -> dict[str, object]:
    """Build one at a time until the work order is refused; what happened, in a dict."""
    built = reruns = 0
    while True:
        try:
            work_orders.post_assembly_build(uow, number, "1")
        except ShopfloorError as exc:
            reruns += uow.attempts - 1
            return {"built": built, "reruns": reruns, "refusal": exc.code, "reason": exc.message}
        built += 1
        reruns += uow.attempts - 1


def main(argv: list[str]) -> int:
    url, dsn, action, *numbers = argv
    database = Database(url)
    with psycopg.connect(dsn, autocommit=True) as conn:
        if action == "rounds":
            uow = UnitOfWork(database, Actor(f"station-{numbers[0]}", action))
            rounds = []
            for i, number in enumerate(numbers):
                wait_at(conn, ROUNDS + i)
                rounds.append(build_until_refused(uow, number))
            database.dispose()
            print(json.dumps({"action": action, "rounds": rounds}))
            return 0
        wait_at(conn, BARRIER)
    uow = UnitOfWork(database, Actor(f"station-{action}", action))
    done = reruns = refused = 0
    for number in numbers:
        try:
            if action == "close":
                work_orders.close_work_order(uow, number)
            else:
                work_orders.post_assembly_build(uow, number, "1")
            done += 1
            reruns += uow.attempts - 1
        except ShopfloorError as exc:
            refused += 1
            print(json.dumps({"refused": number, "reason": exc.message}), file=sys.stderr)
    database.dispose()
    print(json.dumps({"action": action, "done": done, "reruns": reruns, "refused": refused}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
