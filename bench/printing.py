"""Benchmark: one PDF of 1,000 picking tickets of 10-20 lines each, a barcode per line.

`python -m bench.printing [--tickets N] [--repeats N] [--page-size letter|a4] [--logo IMAGE]
[--out FILE]` prints the seconds to build the PDF (best of the repeats), its size in MB and its
page count. Target: 3 s or less on the 2-core machine; the exit status is 1 when it is missed.
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.printing", description=__doc__)
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--page-size", choices=("letter", "a4"), default="letter")
    parser.add_argument("--logo", type=Path, help="a company logo image for the letterhead")
    parser.add_argument("--out", type=Path, help="also write the PDF here")
    args = parser.parse_args(argv)
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
