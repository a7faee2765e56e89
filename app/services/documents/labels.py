"""Item labels and finished-goods labels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import cast

from sqlalchemy import Table, func, select

from app.errors import NotFound, ValidationError
from app.models import (
    Item,
    LedgerEntry,
    LedgerReason,
    Lot,
    SourceKind,
    Tracking,
    WorkOrder,
)
from app.models.gs1 import ElementString, Gs1Fault, element_string
from app.models.quantity import fmt
from app.printing import labels as label_pages
from app.printing.labels import FinishedGoodsLabel, ItemLabel, Label
from app.services.documents.common import (
    MAX_LABEL_COPIES,
    MAX_LABELS,
    NothingToPrint,
    PrintSettings,
    RenderedDocument,
    file_part,
    local_day,
    page_count,
    read_with_settings,
)
from app.services.engine.lookup import SKU_LENGTH, location_ref
from app.services.engine.parsing import lookup_key, lookup_lot, parse_int
from app.services.engine.uow import Transaction, UnitOfWork, query
from app.services.production.work_orders import get_work_order
from app.services.shelf import Shelves

_ITEM = cast(Table, Item.__table__)
_LEDGER = cast(Table, LedgerEntry.__table__)


def _copies(count: object, field: str) -> int:
    return parse_int(count, field=field, minimum=1, maximum=MAX_LABEL_COPIES)


def _label_shares(built: Decimal, count: int, uom: str) -> list[Decimal]:
    """What each of `count` finished-goods labels carries: the same whole number of units on
    each, the remainder (and any fraction) on the last; refused when a label would carry
    less than one unit, so no label says 1.5 ea."""
    most = max(1, int(built))
    if count > most:
        raise ValidationError(
            f"{fmt(built)} {uom} built fill at most {most} label{'s' if most != 1 else ''} "
            f"of whole units, not {count}"
        )
    each = Decimal(int(built) // count)
    return [each] * (count - 1) + [built - each * (count - 1)]


def label_gs1(sku: str, tracking: str, gtin: str | None, lot: Lot | None) -> ElementString | None:
    """What a tracked item's label carries in GS1-128: its GTIN (if it has one), and the lot
    or serial with its expiry (if one is printed for); None: the sku in plain Code 128."""
    if not Tracking(tracking).tracked or (gtin is None and lot is None):
        return None
    number = lot.number if lot is not None else None
    serial = lot is not None and lot.serial
    try:
        return element_string(
            gtin=gtin,
            lot=None if serial else number,
            serial=number if serial else None,
            expires=lot.expires if lot is not None else None,
        )
    except Gs1Fault as fault:
        raise ValidationError(f"a GS1-128 label of {sku} cannot carry it: {fault}") from None


def _label_lot(tx: Transaction, sku: str, item_id: int, tracking: str, lot: str) -> Lot:
    """The lot (or serial) of an item a label is printed for."""
    if not Tracking(tracking).tracked:
        raise ValidationError(f"{sku} is not tracked by lot or serial; its labels carry no lot")
    number = lookup_lot(lot, noun=Tracking(tracking).noun)
    found = tx.session.scalar(select(Lot).where(Lot.item_id == item_id, Lot.number == number))
    if found is None:
        raise NotFound(f"{sku} has no {Tracking(tracking).noun} {number}")
    return found


@query()
def item_labels(
    tx: Transaction,
    skus: Sequence[str],
    *,
    count: int | str = 1,
    location: str | None = None,
    lot: str | None = None,
) -> list[ItemLabel]:
    """`count` labels of each item (sku, name, its bin at `location`, default: the default
    location), in the order given; a tracked item's in GS1-128, with `lot` (a lot or serial
    of each item) when given."""
    if isinstance(skus, str):
        skus = [skus]
    if not skus:
        raise ValidationError("name at least one item to print labels for")
    copies = _copies(count, "label count")
    if copies * len(skus) > MAX_LABELS:
        raise ValidationError(
            f"{copies * len(skus):,} labels is more than {MAX_LABELS:,} in one go; "
            "print them in parts"
        )
    place = location_ref(tx.session, location)
    wanted = [lookup_key(s, noun="sku", max_length=SKU_LENGTH) for s in skus]
    rows = {
        row.sku: row
        for row in tx.session.execute(
            select(_ITEM.c.id, _ITEM.c.sku, _ITEM.c.name, _ITEM.c.tracking, _ITEM.c.gtin).where(
                _ITEM.c.sku.in_(wanted)
            )
        )
    }
    unknown = [s for s in wanted if s not in rows]
    if unknown:
        raise NotFound(f"unknown sku {unknown[0]!r}")
    where = Shelves.of(tx).shelves(place.code, wanted)
    out = []
    for sku in wanted:
        row = rows[sku]
        shelf = where.get(sku)
        printed = _label_lot(tx, sku, row.id, row.tracking, lot) if lot is not None else None
        label = ItemLabel(
            sku=sku,
            name=row.name,
            bin=shelf.bin if shelf else None,
            gs1=label_gs1(sku, row.tracking, row.gtin, printed),
        )
        out += [label] * copies
    return out


@query()
def finished_goods_labels(
    tx: Transaction, wo_number: str, *, count: int | str | None = None
) -> list[FinishedGoodsLabel]:
    """Labels for what a work order has built, dated by its last completion: one label for
    the whole built quantity, or `count` labels of whole units, the remainder on the last."""
    wo = get_work_order.within(tx, wo_number)
    if wo.built <= 0:
        raise NothingToPrint(f"{wo.number} has built nothing yet")
    wo_id, uom, tracking, gtin = tx.session.execute(
        select(WorkOrder.id, Item.uom, Item.tracking, Item.gtin)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(WorkOrder.number == wo.number)
    ).one()
    gs1 = label_gs1(wo.item, tracking, gtin, _last_lot_made(tx, wo_id, tracking))
    last = tx.session.scalar(
        select(func.max(_LEDGER.c.posted_at)).where(
            _LEDGER.c.source_kind == SourceKind.WORK_ORDER.value,
            _LEDGER.c.source_id == wo_id,
            _LEDGER.c.reason == LedgerReason.COMPLETION.value,
        )
    )
    built_on = local_day(last) if last is not None else date.today()
    if count is None:
        quantities = [wo.built]
    else:
        quantities = _label_shares(wo.built, _copies(count, "label count"), uom)
    return [
        FinishedGoodsLabel(
            assembly_sku=wo.item,
            assembly_name=wo.item_name,
            work_order=wo.number,
            build_date=built_on,
            quantity=q,
            uom=uom,
            gs1=gs1,
        )
        for q in quantities
    ]


def _last_lot_made(tx: Transaction, wo_id: int, tracking: str) -> Lot | None:
    """The lot a work order's last completion or build made (a lot-tracked assembly's; a
    serial-tracked one's labels carry no single serial)."""
    if Tracking(tracking) is not Tracking.LOT:
        return None
    lot_id = tx.session.scalar(
        select(_LEDGER.c.lot_id)
        .where(
            _LEDGER.c.source_kind == SourceKind.WORK_ORDER.value,
            _LEDGER.c.source_id == wo_id,
            _LEDGER.c.reason == LedgerReason.COMPLETION.value,
            _LEDGER.c.quantity > 0,
            _LEDGER.c.lot_id.is_not(None),
        )
        .order_by(_LEDGER.c.id.desc())
        .limit(1)
    )
    return tx.session.get(Lot, lot_id) if lot_id is not None else None


def _labels_reference(labels: Sequence[Label]) -> str:
    keys = {
        label.work_order if isinstance(label, FinishedGoodsLabel) else label.sku for label in labels
    }
    return next(iter(keys)) if len(keys) == 1 else f"{len(labels)}"


def render_labels(
    labels: Sequence[Label], settings: PrintSettings, *, start: int | str = 1
) -> RenderedDocument:
    """Labels in the configured layout; on a sheet from position `start` (1 = top left)."""
    if not labels:
        raise NothingToPrint("no labels to print")
    position = parse_int(start, field="start position", minimum=1, maximum=MAX_LABELS)
    pdf = label_pages.render_labels(labels, settings.label_layout, settings.setup, position)
    ref = _labels_reference(labels)
    return RenderedDocument(
        f"Labels {ref}", f"labels-{file_part(ref)}.pdf", pdf, page_count(pdf), len(labels)
    )


def item_labels_pdf(
    uow: UnitOfWork,
    skus: Sequence[str],
    *,
    count: int | str = 1,
    location: str | None = None,
    start: int | str = 1,
    lot: str | None = None,
) -> RenderedDocument:
    labels, settings = read_with_settings(
        uow, lambda tx: item_labels.within(tx, skus, count=count, location=location, lot=lot)
    )
    return render_labels(labels, settings, start=start)


def finished_goods_labels_pdf(
    uow: UnitOfWork, wo_number: str, *, count: int | str | None = None, start: int | str = 1
) -> RenderedDocument:
    labels, settings = read_with_settings(
        uow, lambda tx: finished_goods_labels.within(tx, wo_number, count=count)
    )
    return render_labels(labels, settings, start=start)
