"""Customers and vendors, and what the plant buys from whom."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, func, select

from app.errors import AlreadyExists, NotFound, ValidationError
from app.models import Customer, Item, Vendor
from app.models.quantity import parse_decimal
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.lookup import item_by_sku
from app.services.engine.paging import Listing, Page, PageRequest
from app.services.engine.parsing import lookup_key, parse_name
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query
from app.services.production.work_orders import parse_priority

NAME_LENGTH = 120
ADDRESS_LENGTH = 1000


@dataclass(frozen=True)
class CustomerInfo:
    name: str
    ship_to: str
    bill_to: str
    default_priority: int
    active: bool
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class VendorInfo:
    name: str
    address: str
    active: bool
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class PurchasingInfo:
    sku: str
    vendor: str | None
    purchase_price: Decimal | None
    changes: Changes = NO_CHANGES


def check_name(value: object, what: str) -> str:
    """A customer's or vendor's name: one line, inner runs of spaces made one."""
    return " ".join(parse_name(value, field=f"{what} name", max_length=NAME_LENGTH).split())


def check_address(value: object, what: str) -> str:
    text = "" if value is None else str(value).replace("\\n", "\n").replace("\r\n", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(line for line in lines if line)
    if len(text) > ADDRESS_LENGTH or any(not ch.isprintable() and ch != "\n" for ch in text):
        raise ValidationError(f"{what} must be at most {ADDRESS_LENGTH} printable characters")
    return text


def customer_info(c: Customer) -> CustomerInfo:
    return CustomerInfo(c.name, c.ship_to, c.bill_to, c.default_priority, c.active)


def customer_by_name(tx: Transaction, name: str) -> Customer:
    text = " ".join(lookup_key(name, noun="customer", max_length=NAME_LENGTH).split())
    found = tx.session.scalar(select(Customer).where(Customer.name == text))
    if found is None:
        raise NotFound(f"unknown customer {text!r}")
    return found


@dataclass(frozen=True)
class CustomerRef:
    """A customer as an order reads it."""

    id: int
    name: str
    ship_to: str
    default_priority: int
    active: bool


_CUSTOMER_BY_NAME = select(
    Customer.id, Customer.name, Customer.ship_to, Customer.default_priority, Customer.active
).where(Customer.name == bindparam("name"))


def customer_ref(tx: Transaction, name: str) -> CustomerRef:
    """A customer by name, as plain data (one light query)."""
    text = " ".join(lookup_key(name, noun="customer", max_length=NAME_LENGTH).split())
    row = tx.session.execute(_CUSTOMER_BY_NAME, {"name": text}).first()
    if row is None:
        raise NotFound(f"unknown customer {text!r}")
    return CustomerRef(
        id=row.id,
        name=row.name,
        ship_to=row.ship_to,
        default_priority=row.default_priority,
        active=row.active,
    )


def vendor_by_name(tx: Transaction, name: str) -> Vendor:
    text = " ".join(lookup_key(name, noun="vendor", max_length=NAME_LENGTH).split())
    found = tx.session.scalar(select(Vendor).where(Vendor.name == text))
    if found is None:
        raise NotFound(f"unknown vendor {text!r}")
    return found


def save_customer_in(
    tx: Transaction,
    name: str,
    *,
    ship_to: object = None,
    bill_to: object = None,
    priority: object = None,
    create_only: bool = False,
) -> Customer:
    """Create a customer, or update the one of that name (inside an open posting)."""
    text = check_name(name, "customer")
    existing = tx.session.scalar(select(Customer).where(Customer.name == text))
    if existing is not None and create_only:
        raise AlreadyExists(f"customer {text!r} already exists")
    customer = existing or Customer(name=text, ship_to="", bill_to="", default_priority=5)
    if ship_to is not None:
        customer.ship_to = check_address(ship_to, "ship-to address")
    if bill_to is not None:
        customer.bill_to = check_address(bill_to, "bill-to address")
    if priority is not None and priority != "":
        customer.default_priority = parse_priority(priority)
    if existing is None:
        tx.session.add(customer)
    tx.changed.add(changes.CUSTOMER, text)
    return customer


@posting("customer.add", Permission.SELL)
def add_customer(
    tx: Transaction,
    name: str,
    *,
    ship_to: object = "",
    bill_to: object = "",
    priority: object = None,
) -> CustomerInfo:
    c = save_customer_in(
        tx, name, ship_to=ship_to, bill_to=bill_to, priority=priority, create_only=True
    )
    tx.set_document(c.name)
    return customer_info(c)


@posting("customer.update", Permission.SELL)
def update_customer(
    tx: Transaction,
    name: str,
    *,
    ship_to: object = None,
    bill_to: object = None,
    priority: object = None,
    active: bool | None = None,
) -> CustomerInfo:
    c = customer_by_name(tx, name)
    tx.set_document(c.name)
    save_customer_in(tx, c.name, ship_to=ship_to, bill_to=bill_to, priority=priority)
    if active is not None:
        c.active = active
    return customer_info(c)


_CUSTOMERS = Listing(
    sorts={"name": Customer.name, "priority": Customer.default_priority},
    default="name",
    tiebreak=Customer.id,
)


@query()
def list_customers(
    tx: Transaction, *, text: str | None = None, page: PageRequest | None = None
) -> Page[CustomerInfo]:
    stmt = select(Customer)
    if text and text.strip():
        stmt = stmt.where(func.lower(Customer.name).contains(text.strip().lower(), autoescape=True))
    return _CUSTOMERS.fetch(
        tx.session, stmt, page or PageRequest(limit=None), lambda r: customer_info(r.Customer)
    )


def vendor_info(v: Vendor) -> VendorInfo:
    return VendorInfo(v.name, v.address, v.active)


def save_vendor_in(
    tx: Transaction, name: str, *, address: object = None, create_only: bool = False
) -> Vendor:
    text = check_name(name, "vendor")
    existing = tx.session.scalar(select(Vendor).where(Vendor.name == text))
    if existing is not None and create_only:
        raise AlreadyExists(f"vendor {text!r} already exists")
    vendor = existing or Vendor(name=text, address="")
    if address is not None:
        vendor.address = check_address(address, "address")
    if existing is None:
        tx.session.add(vendor)
    tx.changed.add(changes.VENDOR, text)
    return vendor


@posting("vendor.add", Permission.PURCHASE)
def add_vendor(tx: Transaction, name: str, *, address: object = "") -> VendorInfo:
    v = save_vendor_in(tx, name, address=address, create_only=True)
    tx.set_document(v.name)
    return vendor_info(v)


@query()
def list_vendors(
    tx: Transaction, *, text: str | None = None, page: PageRequest | None = None
) -> Page[VendorInfo]:
    stmt = select(Vendor)
    if text and text.strip():
        stmt = stmt.where(func.lower(Vendor.name).contains(text.strip().lower(), autoescape=True))
    listing = Listing(sorts={"name": Vendor.name}, default="name", tiebreak=Vendor.id)
    return listing.fetch(
        tx.session, stmt, page or PageRequest(limit=None), lambda r: vendor_info(r.Vendor)
    )


@posting("item.purchasing", Permission.PURCHASE)
def set_purchasing(
    tx: Transaction, sku: str, *, vendor: str | None = None, price: object = None
) -> PurchasingInfo:
    """Name an item's preferred vendor (empty: none) and its purchase price (empty: none)."""
    item: Item = item_by_sku(tx.session, sku)
    tx.set_document(item.sku)
    if vendor is not None:
        item.preferred_vendor_id = vendor_by_name(tx, vendor).id if vendor.strip() else None
    if price is not None:
        text = str(price).strip()
        item.purchase_price = (
            parse_decimal(text, field="purchase price", non_negative=True) if text else None
        )
    tx.changed.add(changes.ITEM, item.sku)
    tx.session.flush()
    name = (
        tx.session.scalar(select(Vendor.name).where(Vendor.id == item.preferred_vendor_id))
        if item.preferred_vendor_id is not None
        else None
    )
    return PurchasingInfo(item.sku, name, item.purchase_price)
