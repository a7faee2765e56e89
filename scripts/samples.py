"""One PDF and one PNG of each printed document, from the demo plant, through the services.

    .venv/bin/python scripts/samples.py [DIR]        (default docs/samples)

A new SQLite file in a temporary directory gets the demo plant (as `shopfloor init --demo`
makes it, dated from today) and a letterhead; each document is read through
app.services.documents and rendered with the plant's own print preferences. The PNG
is the first page at 100 dpi; on a label sheet the label outlines are drawn on the PNG only,
as a guide (the printed labels carry none).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
from PIL import ImageDraw  # noqa: E402

from app.printing import labels  # noqa: E402
from app.services import admin, documents, inventory, setup  # noqa: E402
from app.services.catalog import items  # noqa: E402
from app.services.counts import counts, sheet  # noqa: E402
from app.services.documents import RenderedDocument  # noqa: E402
from app.services.engine.database import Database  # noqa: E402
from app.services.engine.uow import Actor, UnitOfWork  # noqa: E402
from app.services.production import work_orders  # noqa: E402

DPI = 100
LETTERHEAD = {
    "company_name": "Northgate Bicycle Works",
    "company_address": "1200 Harbor Way, Building C\\nPortland, OR 97210\\n"
    "(503) 555-0142 · orders@northgatebikes.example",
}
# The demo's documents worth showing: the 20 bicycles (released here, as a supervisor would
# before printing), the order with a kit, a drop-ship line and a service, the late order's
# partial shipment, the built rear wheels, and a count of aisle B.
TRAVELER = "WO-000005"
PICKING_TICKET = "SO-000001"
PACKING_SLIP = "IF-000002"
FINISHED_GOODS = "WO-000003"
ITEM_LABELS = ("HELMET-M", "LOCK-U", "BELL", "LIGHT-SET", "RIM-700C", "SPOKE-SS", "GREASE")
LABEL_START = 4  # a part-used sheet: the first three labels are gone
COUNT_BINS, COUNT_MEMO = "B-0", "Aisle B after the spill"  # a count of the spokes' aisle
# A lot-tracked item with a GTIN, a lot of it on the shelf: its GS1-128 labels.
GS1_ITEM, GS1_NAME, GS1_GTIN = "CHAIN-LUBE", "Chain lube, wax, 120 ml", "09506000134352"
GS1_LOT, GS1_EXPIRES = "CL-2608", "2028-08-31"


def demo_plant(directory: Path) -> UnitOfWork:
    database = Database(f"sqlite:///{directory / 'demo.db'}")
    database.upgrade()
    uow = UnitOfWork(database, Actor(user="samples", workstation="samples"))
    setup.load_demo(uow)
    for key, value in LETTERHEAD.items():
        admin.set_preference(uow, key, value)
    work_orders.release_work_order(uow, TRAVELER)
    items.save_item(
        uow,
        items.item_spec(
            sku=GS1_ITEM, name=GS1_NAME, item_type="inventory", tracking="lot", gtin=GS1_GTIN
        ),
    )
    inventory.adjust_stock(uow, GS1_ITEM, "24", lot=GS1_LOT, expires=GS1_EXPIRES)
    return uow


def with_prefs(
    uow: UnitOfWork, prefs: dict[str, str], make: Callable[[], RenderedDocument]
) -> RenderedDocument:
    """A document made under some preferences, which are put back afterwards."""
    before = admin.show_preferences(uow)
    for key, value in prefs.items():
        admin.set_preference(uow, key, value)
    try:
        return make()
    finally:
        for key in prefs:
            admin.set_preference(uow, key, before[key])


def documents_of(uow: UnitOfWork) -> dict[str, tuple[RenderedDocument, str | None]]:
    """Each sample's rendered document and the label layout it is printed on, if labels."""
    settings = documents.print_settings(uow)
    out: dict[str, tuple[RenderedDocument, str | None]] = {}
    out["traveler"] = (
        documents.render_travelers([documents.traveler(uow, TRAVELER)], settings),
        None,
    )
    out["picking-ticket"] = (
        with_prefs(
            uow,
            {"show_non_inventory_items_on_printed_forms": "true"},
            lambda: documents.render_picking_tickets(
                [documents.picking_ticket(uow, PICKING_TICKET)], settings
            ),
        ),
        None,
    )
    out["packing-slip"] = (
        with_prefs(
            uow,
            {
                "show_additional_items_on_packing_slips": "all_items_on_order",
                "show_drop_ship_items_on_packing_slips": "true",
            },
            lambda: documents.render_packing_slip(
                documents.packing_slip(uow, PACKING_SLIP), settings
            ),
        ),
        None,
    )
    out["item-labels-5160"] = (
        with_prefs(
            uow,
            {"label_layout": "sheet"},
            lambda: documents.item_labels_pdf(uow, ITEM_LABELS, start=LABEL_START),
        ),
        "sheet",
    )
    for name, layout in (("gs1-labels-5160", "sheet"), ("gs1-label-4x6", "thermal_4x6")):
        out[name] = (
            with_prefs(
                uow,
                {"label_layout": layout},
                lambda: documents.item_labels_pdf(uow, [GS1_ITEM], count=3, lot=GS1_LOT),
            ),
            layout,
        )
    started = counts.start_count(uow, "MAIN", bin_prefix=COUNT_BINS, memo=COUNT_MEMO)
    out["count-sheet"] = (sheet.count_sheet_pdf(uow, started.count.number), None)
    out["finished-goods-4x6"] = (
        with_prefs(
            uow,
            {"label_layout": "thermal_4x6"},
            lambda: documents.finished_goods_labels_pdf(uow, FINISHED_GOODS),
        ),
        "thermal_4x6",
    )
    return out


def first_page_png(
    rendered: RenderedDocument, layout: str | None, uow: UnitOfWork, path: Path, start: int = 1
) -> None:
    image = pdfium.PdfDocument(rendered.pdf)[0].render(scale=DPI / 72).to_pil().convert("RGB")
    if layout is not None:
        setup_ = documents.page_setup(uow)
        (_, height), boxes = labels.label_boxes(
            rendered.documents,
            layout,  # type: ignore[arg-type]
            setup_,
            start,
        )
        draw = ImageDraw.Draw(image)
        k = DPI / 72
        for box in boxes:
            if box.page == 0:
                top = (height - box.y - box.height) * k
                draw.rounded_rectangle(
                    (box.x * k, top, (box.x + box.width) * k - 1, top + box.height * k - 1),
                    radius=6,
                    outline=(190, 198, 208),
                )
    image.quantize(32).save(path, optimize=True)


def write_samples(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="shopfloor-samples-") as tmp:
        uow = demo_plant(Path(tmp))
        try:
            for name, (rendered, layout) in documents_of(uow).items():
                pdf_path = directory / f"{name}.pdf"
                pdf_path.write_bytes(rendered.pdf)
                png_path = directory / f"{name}.png"
                start = LABEL_START if name == "item-labels-5160" else 1
                first_page_png(rendered, layout, uow, png_path, start)
                written += [pdf_path, png_path]
        finally:
            uow.database.dispose()
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "samples"
    for path in write_samples(target):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KB")
