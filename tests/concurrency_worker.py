"""One workstation of the concurrency test: posts a list of work orders on a PostgreSQL
database, started as its own OS process. It waits at a barrier (an advisory lock the test
holds) so that both workstations start together, then prints one JSON line with what it
did: postings, re-runs after a deadlock or serialization failure, and refusals."""

from __future__ import annotations

import json
import sys

import psycopg

from app.errors import ShopfloorError
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders

BARRIER = 7_000_001


def main(argv: list[str]) -> int:
    url, dsn, action, *numbers = argv
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock_shared(%s)", (BARRIER,))
        conn.execute("SELECT pg_advisory_unlock_shared(%s)", (BARRIER,))
    database = Database(url)
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
