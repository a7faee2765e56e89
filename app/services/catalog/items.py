"""Items and locations: validation, creation, update and read models."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import exists, select

from app.errors import AlreadyExists, ValidationError
from app.models import (
    BomLine,
    BomRevision,
    Item,
    ItemBin,
    ItemType,
    LedgerEntry,
    Location,
    PurchaseOrderLine,
    SalesOrderLine,
    Tracking,
    WorkOrder,
    WorkOrderLine,
)
from app.models.quantity import ZERO, parse_decimal
from app.services.catalog.boms import BomInfo, active_revision, bom_info
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.lookup import CODE_LENGTH, SKU_LENGTH, item_by_sku, location_ref
from app.services.engine.paging import Listing, Page, PageRequest, text_search
from app.services.engine.parsing import parse_code, parse_flag, parse_text
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.lots.tracking import (
    check_gtin,
    check_tracking_change,
    parse_item_gtin,
    parse_shelf_life,
    parse_tracking,
)


@dataclass(frozen=True)
class ItemSpec:
    """A validated item as typed in or imported."""

    sku: str
    name: str
    item_type: ItemType
    uom: str = "ea"
    standard_cost: Decimal = ZERO
    build_point: Decimal | None = None
    preferred_stock: Decimal | None = None
    drop_ship: bool = False
    active: bool = True
    # Lots and serials: None keeps what the item has (a new item: not tracked, none).
    tracking: Tracking | None = None
    shelf_life_days: int | None = None
    gtin: str | None = None


@dataclass(frozen=True)
class ItemInfo:
    sku: str
    name: str
    type: str
    uom: str
    standard_cost: Decimal
    build_point: Decimal | None
    preferred_stock: Decimal | None
    drop_ship: bool
    active: bool
    tracking: str = Tracking.NONE.value
    shelf_life_days: int | None = None
    gtin: str | None = None
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class LocationInfo:
    code: str
    name: str
    is_default: bool
    transit: bool = False  # where shipped transfers wait to be received
    changes: Changes = NO_CHANGES


def item_info(item: Item) -> ItemInfo:
    return ItemInfo(
        sku=item.sku,
        name=item.name,
        type=item.item_type,
        uom=item.uom,
        standard_cost=item.standard_cost,
        build_point=item.build_point,
        preferred_stock=item.preferred_stock,
        drop_ship=item.drop_ship,
        active=item.active,
        tracking=item.tracking,
        shelf_life_days=item.shelf_life_days,
        gtin=item.gtin,
    )


def check_sku(sku: object) -> str:
    """A new sku: 1 to 64 characters without spaces or control characters, not starting with #
    (the scan station's command prefix)."""
    return parse_code(sku, field="sku", max_length=SKU_LENGTH)


def item_spec(
    *,
    sku: object,
    name: object,
    item_type: object,
    uom: object = None,
    standard_cost: object = None,
    build_point: object = None,
    preferred_stock: object = None,
    drop_ship: object = None,
    active: object = None,
    tracking: object = None,
    shelf_life: object = None,
    gtin: object = None,
) -> ItemSpec:
    """Validate raw values (text from a form or a file) into an ItemSpec, or refuse."""
    sku_text = check_sku(sku)
    name_text = "" if name is None else str(name).strip()
    if not name_text:
        raise ValidationError(f"{sku_text}: name is empty")
    if len(name_text) > 200:
        raise ValidationError(f"{sku_text}: name is longer than 200 characters")
    type_text = "" if item_type is None else str(item_type).strip().lower().replace("-", "_")
    try:
        kind = ItemType(type_text)
    except ValueError:
        raise ValidationError(
            f"{sku_text}: type {item_type!r} is not one of {', '.join(t.value for t in ItemType)}"
        ) from None
    uom_text = "ea" if uom is None or not str(uom).strip() else str(uom).strip()
    if len(uom_text) > 16:
        raise ValidationError(f"{sku_text}: unit of measure is longer than 16 characters")

    def optional(value: object, field: str) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse_decimal(value, field=f"{sku_text}: {field}", non_negative=True)

    cost = optional(standard_cost, "cost") or ZERO
    bp = optional(build_point, "build point")
    ps = optional(preferred_stock, "preferred stock")
    if (bp is not None or ps is not None) and not kind.stocked:
        raise ValidationError(f"{sku_text}: a {kind.value} item has no build point or stock level")
    if bp is not None and ps is not None and ps < bp:
        raise ValidationError(f"{sku_text}: preferred stock level is below the build point")
    return ItemSpec(
        sku=sku_text,
        name=name_text,
        item_type=kind,
        uom=uom_text,
        standard_cost=cost,
        build_point=bp,
        preferred_stock=ps,
        drop_ship=parse_flag(drop_ship, f"{sku_text}: drop_ship", False),
        active=parse_flag(active, f"{sku_text}: active", True),
        tracking=parse_tracking(tracking) if _given(tracking) else None,
        shelf_life_days=parse_shelf_life(shelf_life) if _given(shelf_life) else None,
        gtin=parse_item_gtin(gtin) if _given(gtin) else None,
    )


def _given(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def has_history(tx: Transaction, item: Item) -> bool:
    """Whether an item has stock movements, is on or has a BOM, or is on a work order, sales
    order or purchase order (its type is then fixed: a line must not end up with an item it
    cannot use)."""
    session = tx.session
    return bool(
        session.scalar(select(exists().where(LedgerEntry.item_id == item.id)))
        or session.scalar(select(exists().where(BomRevision.assembly_id == item.id)))
        or session.scalar(select(exists().where(BomLine.component_id == item.id)))
        or session.scalar(select(exists().where(WorkOrder.item_id == item.id)))
        or session.scalar(select(exists().where(WorkOrderLine.component_id == item.id)))
        or session.scalar(select(exists().where(SalesOrderLine.item_id == item.id)))
        or session.scalar(select(exists().where(PurchaseOrderLine.item_id == item.id)))
    )


def check_type_change(tx: Transaction, item: Item, new_type: ItemType) -> None:
    """An item's type may change only while it has no history."""
    if item.item_type != new_type.value and has_history(tx, item):
        raise ValidationError(
            f"{item.sku}: type cannot change from {item.item_type} to {new_type.value} "
            "because the item already has stock, BOMs or orders"
        )


def apply_item_spec(tx: Transaction, spec: ItemSpec, existing: Item | None) -> Item:
    """Create the item, or update an existing one (its type only while it has no history)."""
    if existing is None:
        item = Item(sku=spec.sku)
        tx.session.add(item)
    else:
        item = existing
        check_type_change(tx, item, spec.item_type)
    item.name = spec.name
    item.item_type = spec.item_type.value
    item.uom = spec.uom
    item.standard_cost = spec.standard_cost
    item.build_point = spec.build_point
    item.preferred_stock = spec.preferred_stock
    item.drop_ship = spec.drop_ship
    item.active = spec.active
    if existing is None:
        item.tracking = Tracking.NONE.value
    if spec.tracking is not None:
        check_tracking_change(tx, item, spec.tracking)
        item.tracking = spec.tracking.value
    if spec.shelf_life_days is not None:
        item.shelf_life_days = spec.shelf_life_days
    if spec.gtin is not None:
        check_gtin(tx, item, spec.gtin)
        item.gtin = spec.gtin
    return item


@posting("item.save", Permission.EDIT_ITEMS)
def save_item(tx: Transaction, spec: ItemSpec) -> ItemInfo:
    """Create or update one item."""
    tx.set_document(spec.sku)
    existing = tx.session.scalar(select(Item).where(Item.sku == spec.sku))
    item = apply_item_spec(tx, spec, existing)
    tx.note(created=existing is None)
    tx.changed.add(changes.ITEM, item.sku)
    return item_info(item)


@dataclass(frozen=True)
class ItemDetail:
    item: ItemInfo
    bom: BomInfo | None


@query()
def show_item(tx: Transaction, sku: str) -> ItemDetail:
    """An item and its active BOM (if it has one)."""
    item = item_by_sku(tx.session, sku)
    rev = active_revision(tx.session, item.id)
    return ItemDetail(item_info(item), bom_info(rev) if rev is not None else None)


_ITEMS = Listing(
    sorts={"sku": Item.sku, "name": Item.name, "type": Item.item_type, "cost": Item.standard_cost},
    default="sku",
    tiebreak=Item.id,
)


@query()
def list_items(
    tx: Transaction,
    *,
    item_type: str | None = None,
    text: str | None = None,
    active: bool | None = None,
    page: PageRequest | None = None,
) -> Page[ItemInfo]:
    """Items by type, text (sku or name) and active flag, one page in the order asked."""
    stmt = select(Item)
    if item_type:
        stmt = stmt.where(Item.item_type == item_type.strip().lower().replace("-", "_"))
    stmt = stmt.where(*text_search(text, Item.sku, Item.name))
    if active is not None:
        stmt = stmt.where(Item.active.is_(active))
    return _ITEMS.fetch(
        tx.session, stmt, page or PageRequest(limit=None), lambda r: item_info(r.Item)
    )


# --- locations ----------------------------------------------------------------------------


@query()
def list_locations(tx: Transaction, *, transit: bool = False) -> list[LocationInfo]:
    """The locations by code; the in-transit location too when asked (the stock screens show
    it; nothing is made, sold, bought or counted there)."""
    stmt = select(Location).order_by(Location.code)
    if not transit:
        stmt = stmt.where(~Location.transit)
    return [LocationInfo(r.code, r.name, r.is_default, r.transit) for r in tx.session.scalars(stmt)]


@posting("location.add", Permission.EDIT_ITEMS)
def add_location(tx: Transaction, code: str, name: str) -> LocationInfo:
    code = parse_code(code, field="location code", max_length=CODE_LENGTH)
    name = parse_text(name, field="location name", max_length=120) or code
    tx.set_document(code)
    if tx.session.scalar(select(exists().where(Location.code == code))):
        raise AlreadyExists(f"location {code!r} already exists")
    tx.session.add(Location(code=code, name=name, is_default=False))
    tx.changed.add(changes.LOCATION, code)
    return LocationInfo(code, name, False)


# --- bins ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BinInfo:
    sku: str
    location: str
    bin: str | None
    changes: Changes = NO_CHANGES


@posting("item.bin", Permission.EDIT_ITEMS)
def set_bin(tx: Transaction, sku: str, bin: str | None, location: str | None = None) -> BinInfo:
    """The shelf an item lives on at a location (empty: none); pick lists sort by it."""
    item = item_by_sku(tx.session, sku)
    loc = location_ref(tx.session, location)
    tx.set_document(item.sku)
    text = (bin or "").strip()
    code = parse_code(text, field="bin", max_length=32) if text else None
    row = tx.session.get(ItemBin, (item.id, loc.id))
    if code is None:
        if row is not None:
            tx.session.delete(row)
    elif row is None:
        tx.session.add(ItemBin(item_id=item.id, location_id=loc.id, bin=code))
    else:
        row.bin = code
    tx.note(location=loc.code, bin=code)
    tx.changed.add(changes.ITEM, item.sku)
    return BinInfo(item.sku, loc.code, code)
