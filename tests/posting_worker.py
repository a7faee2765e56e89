"""One workstation that keeps posting, started as its own OS process by the backup tests: it
adjusts an item up and down by one, says "posting" once its first posting is in, and goes on
until a stop file appears; then it prints one JSON line with how many postings it made."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.services import inventory
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork


def main(argv: list[str]) -> int:
    url, name, sku, stop = argv
    database = Database(url)
    uow = UnitOfWork(database, Actor(name, name))
    done = 0
    while done < 2 or not Path(stop).exists():
        inventory.adjust_stock(uow, sku, "1" if done % 2 == 0 else "-1", memo=name)
        done += 1
        if done == 1:
            print("posting", flush=True)
    database.dispose()
    print(json.dumps({"worker": name, "postings": done}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
