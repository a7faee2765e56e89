"""What the items screen shows about one item, in one read (one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotFound
from app.services.catalog import boms, items
from app.services.catalog.boms import BomInfo, Explosion, WhereUsedRow
from app.services.catalog.items import ItemDetail
from app.services.engine.uow import Transaction, query


@dataclass(frozen=True)
class CatalogItem:
    """An item, its BOM revisions and explosion (assemblies and kits), and where it is used."""

    detail: ItemDetail
    revisions: list[BomInfo]
    explosion: Explosion | None
    where_used: list[WhereUsedRow]


@query()
def catalog_item(tx: Transaction, sku: str) -> CatalogItem:
    detail = items.show_item.within(tx, sku)
    has_bom = detail.item.type in ("assembly", "kit")
    explosion = None
    if detail.bom is not None:
        try:
            explosion = boms.explode.within(tx, sku, "1")
        except NotFound:
            explosion = None
    return CatalogItem(
        detail,
        boms.list_revisions.within(tx, sku) if has_bom else [],
        explosion,
        boms.where_used.within(tx, sku),
    )
