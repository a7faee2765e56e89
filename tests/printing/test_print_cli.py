"""`shopfloor print`, run as a real subprocess on a copy of the demo plant: every command
writes a PDF whose barcodes scan to exactly what the document carries, refusals exit 2 and
leave nothing behind, and `--printer` goes through a real CUPS scheduler to a CUPS-PDF queue,
whose output is found and read back.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from app.services import documents
from app.services.documents import RenderedDocument
from app.services.engine.database import Database
from app.services.engine.uow import Actor, UnitOfWork
from tests.cli_helpers import (
    Run,
    Shopfloor,
    copy_database,
    parallel,
    snapshot,
    succeeded,
)
from tests.cups import QUEUE, CupsServer
from tests.printing import pdfcheck
from tests.printing.test_documents import (
    COMMAND_CODES,
    assert_batch_scans,
    assert_labels_scan,
    slip_codes,
    ticket_codes,
    traveler_codes,
)


@dataclass(frozen=True)
class Printed:
    name: str
    args: tuple[str, ...]
    documents: int


PRINTS = (
    Printed("traveler", ("traveler", "WO-000001"), 1),
    Printed("travelers", ("travelers", "--all-released"), 2),
    Printed("picking-ticket", ("picking-ticket", "SO-000001"), 1),
    Printed("picking-tickets", ("picking-tickets", "--ready-to-pick"), 2),
    Printed("packing-slip", ("packing-slip", "IF-000001"), 1),
    Printed(
        "item-labels",
        (
            "labels",
            "--item",
            "HELMET-M",
            "BELL",
            "--item",
            "LOCK-U",
            "--count",
            "2",
            "--start",
            "5",
        ),
        6,
    ),
    Printed("finished-goods-labels", ("labels", "--wo", "WO-000003", "--count", "3"), 3),
)


@dataclass(frozen=True)
class Demo:
    sf: Shopfloor
    runs: dict[str, Run]
    files: dict[str, Path]


def service(sf: Shopfloor) -> UnitOfWork:
    """The services on the same database file, to know what each document must carry."""
    return UnitOfWork(Database(f"sqlite:///{sf.db_path}"), Actor("tester", "bench-1"))


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("print-demo")
    path = home / "demo.db"
    succeeded(Shopfloor(home, path).run("init", "--demo"))
    return path


@pytest.fixture
def copy(demo_template: Path, tmp_path: Path) -> Shopfloor:
    return Shopfloor(tmp_path, copy_database(demo_template, tmp_path / "shopfloor.db"))


@pytest.fixture(scope="module")
def printed(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """Every print command, run once (side by side) on one copy of the demo plant."""
    home = tmp_path_factory.mktemp("printed")
    sf = Shopfloor(home, copy_database(demo_template, home / "shopfloor.db"))
    files = {p.name: home / f"{p.name}.pdf" for p in PRINTS}
    runs = parallel(
        [partial(sf.run, "print", *p.args, "--out", str(files[p.name])) for p in PRINTS]
    )
    return Demo(sf, {p.name: r for p, r in zip(PRINTS, runs, strict=True)}, files)


def rendered_from(path: Path, payload: dict[str, Any]) -> RenderedDocument:
    return RenderedDocument(
        "", path.name, path.read_bytes(), payload["pages"], payload["documents"]
    )


@pytest.mark.parametrize("case", PRINTS, ids=[p.name for p in PRINTS])
def test_every_print_command_writes_a_pdf_that_scans(printed: Demo, case: Printed) -> None:
    payload = succeeded(printed.runs[case.name])
    path = printed.files[case.name]
    assert payload == {
        "file": str(path),
        "pages": pdfcheck.page_count(path.read_bytes()),
        "documents": case.documents,
        "job": None,
    }
    pdf = path.read_bytes()
    rendered = rendered_from(path, payload)
    texts = pdfcheck.texts(pdf)
    uow = service(printed.sf)
    try:
        if case.name == "traveler":
            doc = documents.traveler(uow, "WO-000001")
            assert pdfcheck.scan_pages(pdf) == traveler_codes(doc, texts)
        elif case.name == "travelers":
            docs = documents.travelers_for_released(uow)
            assert_batch_scans(
                rendered, docs, "Work Order Traveler", lambda d: d.number, traveler_codes
            )
        elif case.name == "picking-ticket":
            ticket = documents.picking_ticket(uow, "SO-000001")
            assert pdfcheck.scan_pages(pdf) == ticket_codes(ticket, texts)
        elif case.name == "picking-tickets":
            tickets = documents.picking_tickets_ready(uow)
            assert_batch_scans(
                rendered, tickets, "Picking Ticket", lambda d: d.order_number, ticket_codes
            )
        elif case.name == "packing-slip":
            slip = documents.packing_slip(uow, "IF-000001")
            assert pdfcheck.scan_pages(pdf) == slip_codes(slip, texts)
        elif case.name == "item-labels":
            labels = documents.item_labels(uow, ["HELMET-M", "BELL", "LOCK-U"], count=2)
            assert_labels_scan(uow, rendered, labels, "sheet", 5)
        else:
            labels = documents.finished_goods_labels(uow, "WO-000003", count=3)
            assert_labels_scan(uow, rendered, labels, "sheet")
    finally:
        uow.database.dispose()
    pdfcheck.assert_fonts_embedded_dejavu(pdf)


def test_text_output_says_what_was_written_where(copy: Shopfloor) -> None:
    out = copy.home / "wo.pdf"
    run = copy.run("print", "traveler", "wo-000001", "--out", str(out), json=False)
    assert run.returncode == 0 and run.stderr == "", str(run)
    assert run.stdout == f"traveler for WO-000001 written to {out} (1 page)\n"
    run = copy.run("print", "picking-tickets", "--ready-to-pick", "--out", str(out), json=False)
    assert (
        run.stdout == f"2 picking tickets (every order ready to pick) written to {out} (2 pages)\n"
    )
    # An existing file is replaced whole.
    assert "SO-000003" in " ".join(pdfcheck.texts(out.read_bytes()))
    assert sorted(p.name for p in copy.home.glob("*.pdf")) == ["wo.pdf"]


def test_finished_goods_labels_never_print_part_of_a_unit(copy: Shopfloor) -> None:
    out = copy.home / "labels.pdf"
    payload = copy.ok("print", "labels", "--wo", "WO-000003", "--count", "2", "--out", str(out))
    assert payload["documents"] == 2
    printed = re.findall(r"(\S+) ea\b", " ".join(pdfcheck.texts(out.read_bytes())))
    assert sorted(printed) == ["1", "2"]  # 3 ea built: 1 and the remainder, never 1.5 and 1.5
    four = ("print", "labels", "--wo", "WO-000003", "--count", "4", "--out", str(out))
    assert copy.refused(*four, code="invalid") == (
        "3 ea built fill at most 3 labels of whole units, not 4"
    )


REFUSALS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("unknown work order", ("traveler", "WO-999999"), "not_found"),
    ("cancelled work order", ("traveler", "WO-000009"), "nothing_to_print"),
    ("closed work order", ("traveler", "WO-000004"), "nothing_to_print"),
    ("order not approved", ("picking-ticket", "SO-000004"), "nothing_to_print"),
    ("unknown order", ("picking-ticket", "SO-999999"), "not_found"),
    ("unknown fulfillment", ("packing-slip", "IF-999999"), "not_found"),
    ("unknown sku", ("labels", "--item", "NO-SUCH-SKU"), "not_found"),
    ("nothing built", ("labels", "--wo", "WO-000001"), "nothing_to_print"),
    ("labels than whole units", ("labels", "--wo", "WO-000003", "--count", "7"), "invalid"),
    ("count zero", ("labels", "--item", "BELL", "--count", "0"), "usage"),
    ("count not a number", ("labels", "--item", "BELL", "--count", "two"), "usage"),
    ("count too big", ("labels", "--item", "BELL", "--count", "1001"), "usage"),
    ("count with an exponent", ("labels", "--item", "BELL", "--count", "1e3"), "usage"),
    ("start zero", ("labels", "--item", "BELL", "--start", "0"), "usage"),
    ("start past a sheet", ("labels", "--item", "BELL", "--start", "31"), "usage"),
    ("items and a work order", ("labels", "--item", "BELL", "--wo", "WO-000003"), "usage"),
    ("labels of nothing", ("labels",), "usage"),
    ("travelers without a choice", ("travelers",), "usage"),
    ("tickets without a choice", ("picking-tickets",), "usage"),
)


@pytest.mark.parametrize(("name", "args", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refusals_exit_2_and_write_nothing(
    copy: Shopfloor, name: str, args: tuple[str, ...], code: str
) -> None:
    out = copy.home / "out.pdf"
    before = snapshot(copy.db_path)
    reason = copy.refused("print", *args, "--out", str(out), code=code)
    assert reason
    assert not out.exists() and not list(copy.home.glob(".*.partial"))
    assert snapshot(copy.db_path) == before


def test_refusals_of_where_to_put_it(copy: Shopfloor) -> None:
    wo = ("print", "traveler", "WO-000001")
    assert "required" in copy.refused(*wo, code="usage")
    assert "not allowed with" in copy.refused(*wo, "--out", "x.pdf", "--printer", "P", code="usage")
    missing = copy.home / "no-such-dir" / "x.pdf"
    assert "no directory" in copy.refused(*wo, "--out", str(missing), code="output")
    assert "is a directory" in copy.refused(*wo, "--out", str(copy.home), code="output")
    reason = copy.refused(*wo, "--printer", code="printer_not_found")
    assert "default_printer" in reason
    assert not list(copy.home.glob("*.pdf"))


# --- the real print path ------------------------------------------------------------------


def printed_by_cups(
    cups_server: CupsServer, title: str, since: float, timeout: float = 60
) -> bytes:
    """The finished PDF CUPS-PDF wrote for a job titled `title` after `since`; removed once
    read."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", title)
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        found = [
            p for p in cups_server.output_dir.glob(f"{stem}*.pdf") if p.stat().st_mtime >= since
        ]
        if found:
            data = found[0].read_bytes()
            if data.rstrip().endswith(b"%%EOF") and len(data) == last:
                found[0].unlink()
                return data
            last = len(data)
        time.sleep(0.1)
    raise AssertionError(f"CUPS-PDF wrote nothing for {title!r}\n{cups_server.error_log()[-2000:]}")


@pytest.fixture
def cups_copy(copy: Shopfloor, cups_server: CupsServer) -> Iterator[Shopfloor]:
    """The demo copy with $CUPS_SERVER pointing at the private scheduler."""
    yield copy.with_(env={"CUPS_SERVER": cups_server.server})


def test_print_a_traveler_to_cups_and_read_the_printed_pdf(
    cups_copy: Shopfloor, cups_server: CupsServer
) -> None:
    since = time.time() - 1
    payload = cups_copy.ok("print", "traveler", "WO-000001", "--printer", QUEUE)
    assert set(payload) == {"printer", "pages", "documents", "job"}
    assert (payload["printer"], payload["pages"], payload["documents"]) == (QUEUE, 1, 1)
    assert re.fullmatch(rf"{QUEUE}-\d+", payload["job"])
    pdf = printed_by_cups(cups_server, "Work Order Traveler WO-000001", since)
    uow = service(cups_copy)
    try:
        doc = documents.traveler(uow, "WO-000001")
        ours = documents.render_travelers([doc], documents.print_settings(uow))
    finally:
        uow.database.dispose()
    # What went to the printer carries every code the document does, page for page.
    want = traveler_codes(doc, pdfcheck.texts(ours.pdf))
    assert sum(want, Counter()) == Counter(
        ["WO-000001", "BRAKE-CALIPER", "BRAKE-LEVER", "BRAKE-CABLE", "BOLT-M5", *COMMAND_CODES]
    )
    assert pdfcheck.scan_pages(pdf) == want


def test_print_a_batch_to_the_default_printer(
    cups_copy: Shopfloor, cups_server: CupsServer
) -> None:
    cups_copy.ok("prefs", "set", "default_printer", QUEUE)
    since = time.time() - 1
    run = cups_copy.run("print", "picking-tickets", "--ready-to-pick", "--printer", json=False)
    assert run.returncode == 0, str(run)
    assert re.fullmatch(
        rf"2 picking tickets \(every order ready to pick\) sent to {QUEUE} as job {QUEUE}-\d+ "
        r"\(2 pages\)\n",
        run.stdout,
    )
    pdf = printed_by_cups(cups_server, "Picking Tickets (2)", since)
    uow = service(cups_copy)
    try:
        tickets = documents.picking_tickets_ready(uow)
        ours = documents.render_picking_tickets(tickets, documents.print_settings(uow))
    finally:
        uow.database.dispose()
    want = assert_batch_scans(
        ours, tickets, "Picking Ticket", lambda d: d.order_number, ticket_codes
    )
    assert pdfcheck.page_count(pdf) == len(want)
    assert pdfcheck.scan_pages(pdf) == pdfcheck.scan_pages(ours.pdf)


def test_an_unknown_printer_is_named_with_the_ones_there_are(cups_copy: Shopfloor) -> None:
    reason = cups_copy.refused(
        "print", "traveler", "WO-000001", "--printer", "NO-SUCH-PRINTER", code="printer_not_found"
    )
    assert "NO-SUCH-PRINTER" in reason and QUEUE in reason
