"""Benchmark: one PDF of 1,000 picking tickets of 10-20 lines each, a barcode per line.

`python -m bench.printing [--tickets N] [--repeats N] [--page-size letter|a4] [--logo IMAGE]
[--out FILE]` prints the seconds to build the PDF (best of the repeats), its size in MB and its
page count. Target: 3 s or less on the 2-core machine; the exit status is 1 when it is missed.

With `--database` the tickets come from a database instead: a new SQLite file (or `--keep
FILE`, reused when it exists) gets 112 binned items, four customers and N sales orders of
10-20 lines through the services (a few items are short, so some lines print the part that is
not committed); then `documents.picking_tickets_ready` reads every order ready to pick (the
data-gathering figure) and `documents.render_picking_tickets` renders them into one PDF with
the plant's page setup (the rendering figure, held to the target).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader

from app.printing import picking_ticket
from app.printing.picking_ticket import PickingTicket, PickLine
from app.printing.templates import Company, PageSetup
from app.services import admin, documents
from app.services.catalog import imports, items
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from app.services.orders import partners, sales

TARGET_SECONDS = 3.0
FAMILIES = (
    ("FRAME-AL", "Frame, aluminium 6061"),
    ("FORK-CR", "Fork, chromoly, 700c"),
    ("WHEEL-700C", "Wheel, 700c, 32 h"),
    ("TIRE-700X35", "Tyre, 700 x 35c, reflective"),
    ("TUBE-700", "Inner tube, 700c, presta valve"),
    ("CHAIN-8S", "Chain, 8-speed, 116 links"),
    ("BRAKE-KIT", "Brake kit, mechanical disc"),
    ("SADDLE", "Saddle, comfort, gel"),
    ("HBAR-RISER", "Handlebar, riser, 620 mm"),
    ("PEDAL-PL", "Pedals, platform, nylon"),
    ("GRIP-ERGO", "Grips, ergonomic, lock-on"),
    ("LIGHT-USB", "Light set, USB rechargeable, front and rear"),
    ("RACK-REAR", "Rear rack, aluminium, 25 kg"),
    ("LOCK-U", "U-lock with frame bracket"),
)
CUSTOMERS = ("Harbor Cycles", "Ridgeline Bikes", "Pedal & Co.", "Northside Commuter Supply")


def tickets(count: int, seed: int = 7) -> list[PickingTicket]:
    """`count` tickets of 10-20 lines from a fixed seed."""
    rng = random.Random(seed)
    skus = [
        (f"{code}-{size}", f"{name}, size {size}")
        for code, name in FAMILIES
        for size in ("XS", "S", "M", "L", "XL", "10", "20", "30")
    ]
    printed = datetime(2026, 3, 14, 9, 30)
    out: list[PickingTicket] = []
    for n in range(count):
        lines = []
        for i, (sku, name) in enumerate(rng.sample(skus, rng.randint(10, 20)), start=1):
            note = "not committed: 2 backordered" if rng.random() < 0.08 else None
            aisle = rng.choice("ABCDEF")
            lines.append(
                PickLine(
                    str(i),
                    sku,
                    name,
                    "Main Plant",
                    f"{aisle}-{rng.randint(1, 12):02d}-{rng.randint(1, 6)}",
                    Decimal(rng.randint(1, 40)),
                    "ea",
                    False,
                    note,
                )
            )
        lines.sort(key=lambda ln: ln.bin or "")
        customer = rng.choice(CUSTOMERS)
        out.append(
            PickingTicket(
                order_number=f"SO-{n + 1:06d}",
                customer=customer,
                ship_to=f"{customer}\n{rng.randint(10, 999)} Harbor Street\nSausalito, CA 94965",
                ship_date=date(2026, 3, 16) + timedelta(days=n % 10),
                customer_po=str(70000 + n),
                priority=rng.randint(1, 3),
                memo="Deliver to the rear dock." if n % 4 == 0 else None,
                printed_at=printed,
                lines=lines,
            )
        )
    return out


def catalogue() -> list[tuple[str, str]]:
    """The 112 items the tickets pick: every family in eight sizes."""
    return [
        (f"{code}-{size}", f"{name}, size {size}")
        for code, name in FAMILIES
        for size in ("XS", "S", "M", "L", "XL", "10", "20", "30")
    ]


def build_orders(uow: UnitOfWork, count: int, workdir: Path, seed: int = 7) -> int:
    """Items with bins and stock, customers, and `count` sales orders entered through the
    services (approved at once, so their stocked lines commit); returns the order lines."""
    rng = random.Random(seed)
    skus = catalogue()
    orders = [
        (
            rng.choice(CUSTOMERS),
            [(sku, rng.randint(1, 40)) for sku, _ in rng.sample(skus, rng.randint(10, 20))],
        )
        for _ in range(count)
    ]
    demand: dict[str, int] = {}
    for _customer, lines in orders:
        for sku, qty in lines:
            demand[sku] = demand.get(sku, 0) + qty
    short = {sku for sku, _ in rng.sample(skus, 8)}
    item_csv = workdir / "items.csv"
    item_csv.write_text(
        "sku,name,type,uom,cost\n"
        + "".join(f'{sku},"{name}",inventory,ea,1\n' for sku, name in skus)
    )
    imports.import_items(uow, item_csv)
    stock_csv = workdir / "stock.csv"
    stock_csv.write_text(
        "sku,location,quantity\n"
        + "".join(
            f"{sku},,{demand.get(sku, 0) * (97 if sku in short else 100) // 100 + 1}\n"
            for sku, _ in skus
        )
    )
    imports.import_stock(uow, stock_csv)
    for sku, _ in skus:
        aisle = rng.choice("ABCDEF")
        items.set_bin(uow, sku, f"{aisle}-{rng.randint(1, 12):02d}-{rng.randint(1, 6)}")
    for n, customer in enumerate(CUSTOMERS):
        partners.add_customer(
            uow,
            customer,
            ship_to=f"{customer}\\n{100 + n * 37} Harbor Street\\nSausalito, CA 94965",
            priority=str(n % 3 + 1),
        )
    start = date.today() + timedelta(days=2)
    for n, (customer, lines) in enumerate(orders):
        sales.create_sales_order(
            uow,
            customer,
            [sales.LineEntry(sku, str(qty)) for sku, qty in lines],
            customer_po=str(70000 + n),
            ship_date=(start + timedelta(days=n % 10)).isoformat(),
            memo="Deliver to the rear dock." if n % 4 == 0 else None,
        )
    admin.set_preference(uow, "show_uncommitted_items_on_picking_tickets", "true")
    return sum(len(lines) for _customer, lines in orders)


def from_database(args: argparse.Namespace) -> int:
    """Tickets read from a database through the services, then rendered; both timed."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="shopfloor-bench-printing-") as tmp:
        path = args.keep or Path(tmp) / "tickets.db"
        fresh = not path.exists()
        database = Database(f"sqlite:///{path.resolve()}")
        uow = UnitOfWork(database, Actor(user="bench", workstation="bench"))
        try:
            if fresh:
                database.upgrade()
                started = time.perf_counter()
                lines = build_orders(uow, args.tickets, Path(tmp))
                made = time.perf_counter() - started
                print(f"orders entered:  {args.tickets:,} ({lines:,} lines) in {made:.1f} s")
            admin.set_preference(uow, "page_size", args.page_size)
            gathering: list[float] = []
            rendering: list[float] = []
            rendered = None
            for _ in range(args.repeats):
                started = time.perf_counter()
                docs = documents.picking_tickets_ready(uow)
                settings = documents.print_settings(uow)
                gathering.append(time.perf_counter() - started)
                started = time.perf_counter()
                rendered = documents.render_picking_tickets(docs, settings)
                rendering.append(time.perf_counter() - started)
        finally:
            database.dispose()
    assert rendered is not None
    lines = sum(len(d.lines) for d in docs)
    best = min(rendering)
    print(
        f"picking tickets: {rendered.documents:,} from the database ({lines:,} lines, a barcode "
        f"each), {rendered.pages:,} pages"
    )
    print(
        f"data gathering:  {min(gathering):.2f} s (picking_tickets_ready, best of {len(gathering)})"
    )
    print(
        f"rendering:       {best:.2f} s (best of {len(rendering)}; target {TARGET_SECONDS:.0f} s)"
    )
    print(f"size:            {len(rendered.pdf) / 1e6:.2f} MB")
    if args.out:
        args.out.write_bytes(rendered.pdf)
    return 0 if best <= TARGET_SECONDS else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.printing", description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--page-size", choices=("letter", "a4"), default="letter")
    parser.add_argument("--logo", type=Path, help="a company logo image for the letterhead")
    parser.add_argument("--out", type=Path, help="also write the PDF here")
    parser.add_argument(
        "--database",
        action="store_true",
        help="read the tickets from sales orders in a database, through the services",
    )
    parser.add_argument(
        "--keep", type=Path, help="with --database: the SQLite file to fill (or reuse if it exists)"
    )
    args = parser.parse_args(argv)
    if args.database:
        return from_database(args)
    docs = tickets(args.tickets)
    setup = PageSetup(
        args.page_size,
        Company(
            "Northgate Bicycle Works", "1200 Harbor Way, Building C\nPortland, OR 97210", args.logo
        ),
    )
    timings: list[float] = []
    pdf = b""
    for _ in range(args.repeats):
        started = time.perf_counter()
        pdf = picking_ticket.render_many(docs, setup)
        timings.append(time.perf_counter() - started)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    lines = sum(len(d.lines) for d in docs)
    best = min(timings)
    print(f"picking tickets: {args.tickets:,} ({lines:,} lines, a barcode each), {pages:,} pages")
    print(f"seconds:         {best:.2f} (best of {len(timings)}; target {TARGET_SECONDS:.0f} s)")
    print(f"size:            {len(pdf) / 1e6:.2f} MB")
    if args.out:
        args.out.write_bytes(pdf)
    return 0 if best <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
