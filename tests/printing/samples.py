"""Realistic documents from a bicycle plant, as plain data, for the renderer tests
(docs/samples is written from the demo database by scripts/samples.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from app.printing.labels import FinishedGoodsLabel, ItemLabel
from app.printing.packing_slip import PackingSlip, PackLine
from app.printing.picking_ticket import PickingTicket, PickLine
from app.printing.templates import Company, PageSetup
from app.printing.traveler import Traveler, TravelerLine

D = Decimal
PRINTED = datetime(2026, 3, 14, 9, 30)
ADDRESS = (
    "1200 Harbor Way, Building C\n"
    "Portland, OR 97210\n"
    "(503) 555-0142 · orders@northgatebikes.example"
)


def make_logo(path: Path) -> Path:
    """A small two-colour logo mark, drawn here so the repository carries no binary for it."""
    from PIL import Image, ImageDraw, ImageFont

    from app.config import resource_path

    img = Image.new("RGB", (240, 240), "white")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((8, 8, 232, 232), radius=36, fill=(31, 78, 121))
    draw.ellipse((40, 118, 112, 190), outline="white", width=10)
    draw.ellipse((128, 118, 200, 190), outline="white", width=10)
    draw.line((76, 154, 110, 104, 164, 154, 76, 154), fill="white", width=10)
    font = ImageFont.truetype(str(resource_path("fonts", "DejaVuSans-Bold.ttf")), 54)
    draw.text((120, 62), "NB", font=font, fill="white", anchor="mm")
    img.save(path)
    return path


def company(logo: Path | None = None) -> Company:
    return Company("Northgate Bicycle Works", ADDRESS, logo)


def setup(page_size: str = "letter", logo: Path | None = None) -> PageSetup:
    return PageSetup(page_size, company(logo))  # type: ignore[arg-type]


def traveler() -> Traveler:
    return Traveler(
        number="WO-000123",
        assembly_sku="BIKE-CITY-M",
        assembly_name="City Bike, Medium Frame (54 cm), 8-speed hub, Harbor Blue",
        quantity=D("20"),
        uom="ea",
        due=date(2026, 3, 20),
        priority=1,
        status_label="Released",
        location="Main Plant",
        created_from="SO-004211",
        customer_po="72622",
        memo="Make-to-order for Harbor Cycles. Fit the reflective saddle bag kit before packing.",
        printed_at=PRINTED,
        lines=[
            TravelerLine(
                "FRAME-AL-M",
                "Frame, aluminium 6061, medium (54 cm), Harbor Blue",
                "Main Plant",
                "A-01-1",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "FORK-AL-700",
                "Fork, aluminium, 700c, tapered steerer",
                "Main Plant",
                "A-01-3",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "WHEEL-700C-F",
                "Wheel, front, 700c, 32 h, quick release",
                "Main Plant",
                "A-02-1",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "WHEEL-700C-R8",
                "Wheel, rear, 700c, 8-speed internal hub",
                "Main Plant",
                "A-02-2",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "HBAR-RISER-620",
                "Handlebar, riser, 620 mm",
                "Main Plant",
                "B-03-1",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "SADDLE-COMF", "Saddle, comfort, gel", "Main Plant", "B-03-4", D("20"), "ea", False
            ),
            TravelerLine(
                "CHAIN-8S",
                "Chain, 8-speed, 116 links",
                "Main Plant",
                "B-04-2",
                D("20"),
                "ea",
                False,
            ),
            TravelerLine(
                "BRAKE-KIT",
                "Brake kit, mechanical disc, front and rear",
                "Main Plant",
                "C-01-1",
                D("20"),
                "kit",
                False,
            ),
            TravelerLine(
                "GREASE-LITH",
                "Grease, lithium, bearing assembly",
                "Main Plant",
                None,
                D("0.5"),
                "kg",
                True,
            ),
            TravelerLine(
                "CABLE-TIE-150",
                "Cable tie, black, 150 mm",
                "Main Plant",
                "D-09-9",
                D("160"),
                "ea",
                True,
            ),
        ],
    )


def picking_ticket() -> PickingTicket:
    return PickingTicket(
        order_number="SO-004211",
        customer="Harbor Cycles",
        ship_to="Harbor Cycles\nAttn: Receiving\n88 Pier Street\nSausalito, CA 94965",
        ship_date=date(2026, 3, 21),
        customer_po="72622",
        priority=2,
        memo="Deliver to the rear dock. Call ahead: (415) 555-0199.",
        printed_at=PRINTED,
        lines=[
            PickLine(
                "1",
                "BIKE-CITY-M",
                "City Bike, Medium Frame (54 cm), 8-speed hub",
                "Main Plant",
                "FG-01",
                D("20"),
                "ea",
                False,
                None,
            ),
            PickLine(
                "2",
                "HELMET-M",
                "Helmet, commuter, medium, matte black",
                "Main Plant",
                "E-02-1",
                D("12"),
                "ea",
                False,
                "not committed: 4 backordered",
            ),
            PickLine(
                "3",
                "SERVICE-KIT",
                "Workshop service kit",
                "Main Plant",
                None,
                D("2"),
                "kit",
                False,
                None,
                heading=True,
            ),
            PickLine(
                "3.1",
                "TOOL-MULTI-15",
                "Multi-tool, 15 functions",
                "Main Plant",
                "E-05-3",
                D("2"),
                "ea",
                True,
                None,
            ),
            PickLine(
                "3.2",
                "PUMP-FLOOR",
                "Floor pump with gauge",
                "Main Plant",
                "E-06-1",
                D("2"),
                "ea",
                True,
                None,
            ),
            PickLine(
                "3.3",
                "LUBE-DRY-120",
                "Chain lube, dry, 120 ml",
                "Main Plant",
                "E-06-4",
                D("4"),
                "ea",
                True,
                None,
            ),
            PickLine(
                "4",
                "LOCK-U-STD",
                "U-lock, standard, with bracket",
                "Main Plant",
                "E-07-2",
                D("20"),
                "ea",
                False,
                None,
            ),
            PickLine(
                "5",
                "BELL-BRASS",
                "Bell, brass, 55 mm",
                "Main Plant",
                "E-08-1",
                D("20"),
                "ea",
                False,
                None,
            ),
        ],
    )


def packing_slip() -> PackingSlip:
    return PackingSlip(
        fulfillment_number="IF-000045",
        order_number="SO-004211",
        customer_po="72622",
        customer="Harbor Cycles",
        ship_to="Harbor Cycles\nAttn: Receiving\n88 Pier Street\nSausalito, CA 94965",
        bill_to="Harbor Cycles LLC\nAccounts Payable\nPO Box 2210\nSausalito, CA 94966",
        ship_date=date(2026, 3, 21),
        status_label="Shipped",
        printed_at=PRINTED,
        show_remaining=True,
        lines=[
            PackLine(
                "1",
                "BIKE-CITY-M",
                "City Bike, Medium Frame (54 cm), 8-speed hub",
                D("20"),
                D("20"),
                D("0"),
                "ea",
                None,
            ),
            PackLine(
                "2",
                "HELMET-M",
                "Helmet, commuter, medium, matte black",
                D("12"),
                D("8"),
                D("4"),
                "ea",
                None,
            ),
            PackLine(
                "3", "SERVICE-KIT", "Workshop service kit", D("2"), D("2"), D("0"), "kit", None
            ),
            PackLine(
                "4",
                "LOCK-U-STD",
                "U-lock, standard, with bracket",
                D("20"),
                D("20"),
                D("0"),
                "ea",
                None,
            ),
            PackLine(
                "5",
                "RACK-REAR-AL",
                "Rear rack, aluminium, 25 kg",
                D("20"),
                D("0"),
                D("20"),
                "ea",
                "drop ship",
            ),
        ],
    )


def item_labels() -> list[ItemLabel]:
    return [
        ItemLabel("FRAME-AL-M", "Frame, aluminium 6061, medium (54 cm)", "A-01-1"),
        ItemLabel("FORK-AL-700", "Fork, aluminium, 700c", "A-01-3"),
        ItemLabel("WHEEL-700C-F", "Wheel, front, 700c, 32 h", "A-02-1"),
        ItemLabel("BRAKE-KIT", "Brake kit, mechanical disc", "C-01-1"),
        ItemLabel("CHAIN-8S", "Chain, 8-speed, 116 links", "B-04-2"),
        ItemLabel("SADDLE-COMF", "Saddle, comfort, gel", "B-03-4"),
        ItemLabel("GREASE-LITH", "Grease, lithium, bearing assembly", None),
    ]


def finished_goods_label() -> FinishedGoodsLabel:
    return FinishedGoodsLabel(
        "BIKE-CITY-M",
        "City Bike, Medium Frame (54 cm), 8-speed hub, Harbor Blue",
        "WO-000123",
        date(2026, 3, 19),
        D("20"),
        "ea",
    )
