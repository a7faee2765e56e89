"""One workstation of the server-restart test: posts through a plant's PostgreSQL server
while the test restarts it, as its own OS process, until the stop file exists.

Each posting alternates between an adjustment of +1 (its memo names the posting) and a build
of 1 of the workstation's own work order. One JSON line per posting on stdout, as soon as it
is answered: the memo or build, and "saved", "not_saved" (the connection was lost during
its commit and the server says it was not saved) or "unreachable". Anything else unexpected
ends the process with a traceback (exit 1)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.errors import PostingNotSaved, ServerUnreachable
from app.services import inventory
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.production import work_orders


def main(argv: list[str]) -> int:
    url, stop_file, name, number = argv
    database = Database(url)
    uow = UnitOfWork(database, Actor(name, name))
    n = 0
    while not Path(stop_file).exists():
        n += 1
        build = n % 2 == 0
        what = f"build {n}" if build else f"{name}-{n}"
        try:
            if build:
                work_orders.post_assembly_build(uow, number, "1")
            else:
                inventory.adjust_stock(uow, "SPOKE-SS", "1", memo=what)
            outcome = "saved"
        except PostingNotSaved:
            outcome = "not_saved"
        except ServerUnreachable:
            outcome = "unreachable"
        line = {"what": what, "build": build, "outcome": outcome, "attempts": uow.attempts}
        print(json.dumps(line), flush=True)
    database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
