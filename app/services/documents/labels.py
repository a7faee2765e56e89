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
    SourceKind,
    WorkOrder,
)
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
from app.services.engine.parsing import lookup_key, parse_int
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


@query()
def item_labels(
    tx: Transaction, skus: Sequence[str], *, count: int | str = 1, location: str | None = None
) -> list[ItemLabel]:
    """`count` labels of each item (sku, name, its bin at `location`, default: the default
    location), in the order given."""
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
    names = dict(
        tx.session.execute(select(_ITEM.c.sku, _ITEM.c.name).where(_ITEM.c.sku.in_(wanted))).all()
    )
    unknown = [s for s in wanted if s not in names]
    if unknown:
        raise NotFound(f"unknown sku {unknown[0]!r}")
    where = Shelves.of(tx).shelves(place.code, wanted)
    out = []
    for sku in wanted:
        shelf = where.get(sku)
        label = ItemLabel(sku=sku, name=names[sku], bin=shelf.bin if shelf else None)
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
    wo_id, uom = tx.session.execute(
        select(WorkOrder.id, Item.uom)
        .join(Item, Item.id == WorkOrder.item_id)
        .where(WorkOrder.number == wo.number)
    ).one()
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
        )
        for q in quantities
    ]


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
) -> RenderedDocument:
    labels, settings = read_with_settings(
        uow, lambda tx: item_labels.within(tx, skus, count=count, location=location)
    )
    return render_labels(labels, settings, start=start)


def finished_goods_labels_pdf(
    uow: UnitOfWork, wo_number: str, *, count: int | str | None = None, start: int | str = 1
) -> RenderedDocument:
    labels, settings = read_with_settings(
        uow, lambda tx: finished_goods_labels.within(tx, wo_number, count=count)
    )
    return render_labels(labels, settings, start=start)
