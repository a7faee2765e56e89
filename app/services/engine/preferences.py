"""Plant-wide preferences (seed 001), with their allowed values and defaults."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import InvalidQuantity, NotFound, ValidationError
from app.models import Preference
from app.models.lots import LotConsumptionOrder, pattern_fault
from app.models.quantity import fmt, parse_decimal

_BOOL_TEXT = {"true": True, "false": False}
_WHOLE = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class PrefSpec:
    key: str
    default: str
    choices: tuple[str, ...]
    description: str
    maximum: int | None = None  # a whole number from 0 to this (then `choices` is empty)
    text: int | None = None  # free text of at most this many characters, case kept
    group: str = "Manufacturing"  # where a settings window shows it
    location: bool = False  # the text is a location's code (empty: the default location)
    amount: bool = False  # an amount of money of at least 0 (then `choices` is empty)
    # Free text with a grammar of its own: why a value is refused (None: it is fine).
    fault: Callable[[str], str | None] | None = None

    @property
    def is_bool(self) -> bool:
        return self.choices == ("true", "false")

    @property
    def is_number(self) -> bool:
        return self.maximum is not None

    @property
    def is_text(self) -> bool:
        return self.text is not None

    @property
    def is_amount(self) -> bool:
        return self.amount


def _bool(key: str, default: bool, description: str, group: str = "Manufacturing") -> PrefSpec:
    return PrefSpec(
        key, "true" if default else "false", ("true", "false"), description, group=group
    )


def _text(
    key: str,
    default: str,
    description: str,
    group: str,
    length: int = 40,
    fault: Callable[[str], str | None] | None = None,
) -> PrefSpec:
    return PrefSpec(key, default, (), description, text=length, group=group, fault=fault)


def _location(key: str, description: str, group: str) -> PrefSpec:
    return PrefSpec(key, "", (), description, text=32, group=group, location=True)


SALES, FULFILLMENT, RECEIVING, LOTS, FORMS, PRINTING, RETURNS = (
    "Sales orders",
    "Fulfillment",
    "Receiving",
    "Lots and serials",
    "Printed forms",
    "Printing",
    "Customer returns",
)
DROP_SHIP, PURCHASING, VENDOR_RETURNS = ("Drop ship", "Purchasing", "Vendor returns")
TRANSFERS = "Transfer orders"


SPECS: tuple[PrefSpec, ...] = (
    PrefSpec(
        "item_commitment_ordering",
        "expected_ship_date",
        ("expected_ship_date", "order_priority", "transaction_date"),
        "which waiting order gets scarce stock first (for a work order the expected ship "
        "date is its due date)",
        group="Commitment",
    ),
    _bool(
        "perform_item_commitment_after_transaction_entry",
        False,
        "commit new supply (adjustments, receipts, builds, freed stock) to waiting orders "
        "automatically, in the ordering above",
        group="Commitment",
    ),
    PrefSpec(
        "manufacturing_issue_based_on_commitment",
        "allow_uncommitted",
        ("limit_to_committed", "allow_uncommitted", "ignore_commitment"),
        "how much an issue, completion or build may consume: only what is committed to the "
        "work order; also uncommitted stock; or any stock on hand",
    ),
    _bool(
        "allow_overage_on_assembly_builds",
        False,
        "an assembly build may exceed the quantity remaining on the work order",
    ),
    _bool(
        "allow_overage_on_work_order_transactions",
        False,
        "issues and completions may exceed the quantity remaining on the work order",
    ),
    PrefSpec(
        "default_work_order_status",
        "firm_planned",
        ("firm_planned", "open_planned", "released"),
        "status of a new work order unless another is given",
    ),
    _bool(
        "release_commitment_on_hold",
        False,
        "a work order put on hold gives back the stock committed to it (its lines wait until "
        "it resumes); off: it keeps its commitments while held",
    ),
    PrefSpec(
        "sign_out_after_idle_minutes",
        "0",
        (),
        "sign the user out of the desktop application after this many minutes without a key "
        "press or a click, for a shared station (0 = never)",
        maximum=24 * 60,
        group="Sign-in",
    ),
    PrefSpec(
        "default_sales_order_status",
        "pending_fulfillment",
        ("pending_approval", "pending_fulfillment"),
        "status of a new sales order: pending approval when orders are approved before they "
        "commit stock, pending fulfillment when they go straight to the floor",
        group=SALES,
    ),
    _bool(
        "require_re_approval_on_edit_of_sales_order",
        False,
        "an approved sales order that is edited goes back to pending approval (not once part "
        "of it has shipped)",
        SALES,
    ),
    _bool(
        "update_special_order_quantities_automatically_prior_to_shipment",
        False,
        "a change of quantity on a special order's work order changes the sales order line it "
        "builds for to match, while nothing of the line has shipped",
        SALES,
    ),
    PrefSpec(
        "fulfill_based_on_commitment",
        "limit_to_committed",
        ("limit_to_committed", "allow_uncommitted", "ignore_commitment"),
        "how much a fulfillment may pick: only what is committed to the order; also stock "
        "nobody has committed; or any stock on hand, taking it from less urgent orders",
        group=FULFILLMENT,
    ),
    _bool(
        "allow_overage_on_item_fulfillments",
        False,
        "a fulfillment may pick more than the quantity remaining on the order line",
        FULFILLMENT,
    ),
    _bool(
        "default_items_to_zero_received_fulfilled",
        False,
        "a new fulfillment or receipt starts with every quantity at zero (you enter what you "
        "pick or receive) instead of at the full remaining quantity",
        FULFILLMENT,
    ),
    PrefSpec(
        "limit_status_on_packing_slip_queue",
        "picked",
        ("picked", "packed"),
        "which fulfillments the packing slip queue lists: the picked ones or the packed ones",
        group=FULFILLMENT,
    ),
    _text("name_for_picked_status", "Picked", "what the Picked status is called", FULFILLMENT),
    _text("name_for_packed_status", "Packed", "what the Packed status is called", FULFILLMENT),
    _text("name_for_shipped_status", "Shipped", "what the Shipped status is called", FULFILLMENT),
    _bool(
        "allow_overage_on_item_receipts",
        False,
        "a receipt may bring in more than the quantity remaining on the purchase order line",
        RECEIVING,
    ),
    # --- transfer orders ---
    PrefSpec(
        "default_transfer_order_status",
        "pending_fulfillment",
        ("pending_approval", "pending_fulfillment"),
        "status of a new transfer order: pending approval when someone approves transfers "
        "before they reserve stock, pending fulfillment when they go straight to shipping",
        group=TRANSFERS,
    ),
    PrefSpec(
        "generate_transfer_orders_in_supply_planning",
        "pending_approval",
        ("pending_approval", "pending_fulfillment"),
        "status of the transfer orders made from the replenishment suggestions (stock another "
        "location has for orders waiting here)",
        group=TRANSFERS,
    ),
    _bool(
        "use_item_cost_as_transfer_cost",
        True,
        "a transfer receipt is valued at the item's standard cost and the transfer price is a "
        "declared value only; off: at the transfer price on the order",
        TRANSFERS,
    ),
    PrefSpec(
        "default_lead_time_between_locations",
        "0",
        (),
        "days a transfer takes between two locations that have no lead time of their own: the "
        "expected receipt date is the ship date plus these",
        maximum=365,
        group=TRANSFERS,
    ),
    # --- end of transfer orders ---
    PrefSpec(
        "lot_consumption_order",
        LotConsumptionOrder.FIRST_EXPIRY_FIRST_OUT.value,
        tuple(o.value for o in LotConsumptionOrder),
        "which lots a backflush, a build, a pick or a write-off takes when no lot is named: "
        "the one expiring first (no expiry last), or the one that came in first",
        group=LOTS,
    ),
    _text(
        "lot_number_pattern",
        "{sku}-{yymmdd}-{seq}",
        "how a completion or build numbers the lot it makes when none is given: {sku}, {wo}, "
        "{yymmdd}, {yyyymmdd}, {yyyy}, {yy}, {mm}, {dd} and {seq} ({seq:3} pads it to 3 digits)",
        LOTS,
        60,
        lambda text: pattern_fault(text, serial=False),
    ),
    _text(
        "serial_number_pattern",
        "{sku}-{seq:6}",
        "how a completion or build numbers the serials it makes when none are given (the "
        "same placeholders; {seq} is required)",
        LOTS,
        60,
        lambda text: pattern_fault(text, serial=True),
    ),
    _bool(
        "allow_expired_lots_in_builds",
        False,
        "an issue, a backflush or a build may consume a lot past its expiry date",
        LOTS,
    ),
    _bool(
        "allow_expired_lots_in_sales",
        False,
        "a fulfillment may pick and ship a lot past its expiry date",
        LOTS,
    ),
    PrefSpec(
        "expiry_warning_days",
        "30",
        (),
        "lots expiring within this many days are flagged on the stock screens and the dashboard",
        maximum=3650,
        group=LOTS,
    ),
    _bool(
        "show_uncommitted_items_on_picking_tickets",
        False,
        "picking tickets also list what is not committed to the order yet (it may not be "
        "there to pick); off: committed quantities only",
        FORMS,
    ),
    _bool(
        "always_print_kit_items_on_picking_tickets",
        True,
        "picking tickets list each kit's member items under the kit",
        FORMS,
    ),
    _bool(
        "show_non_inventory_items_on_printed_forms",
        False,
        "picking tickets and packing slips also show non-inventory and service lines",
        FORMS,
    ),
    PrefSpec(
        "show_additional_items_on_packing_slips",
        "none",
        ("none", "unfulfilled_items_on_order", "all_items_on_order"),
        "what else a packing slip lists besides this shipment: nothing; the order's lines "
        "still to ship; or every line of the order with its remaining / back ordered quantity",
        group=FORMS,
    ),
    _bool(
        "show_drop_ship_items_on_packing_slips",
        False,
        "packing slips also list the order's drop-ship lines",
        FORMS,
    ),
    PrefSpec(
        "page_size",
        "letter",
        ("letter", "a4"),
        "paper size of every printed document",
        group=PRINTING,
    ),
    PrefSpec(
        "label_layout",
        "sheet",
        ("sheet", "thermal_4x6", "thermal_2x1"),
        "labels on a sheet of 30 (Letter) or 24 (A4), or one per label on a thermal printer",
        group=PRINTING,
    ),
    _text(
        "default_printer",
        "",
        "the printer documents go to without asking (empty: ask, or save as PDF)",
        PRINTING,
        120,
    ),
    _text("company_name", "Shopfloor", "the company name printed on every document", PRINTING, 120),
    _text(
        "company_address",
        "",
        "the company address printed on every document (use \\n for a new line)",
        PRINTING,
        200,
    ),
    # --- changing orders, drop ship and vendor returns ---------------------------------
    _location(
        "default_location_for_sales_orders",
        "where a new sales order ships from unless another location is given (empty: the "
        "plant's default location)",
        SALES,
    ),
    _bool(
        "update_transaction_date_upon_fulfillment_status_change",
        False,
        "a fulfillment counts in the books on the day of its last status change (picked in "
        "one period, shipped in the next); off: on the day it was picked",
        FULFILLMENT,
    ),
    _bool(
        "update_drop_ship_order_quantities_automatically_prior_to_shipment",
        False,
        "a change of a drop-ship line's quantity on the sales order or its purchase order "
        "changes the other to match, while neither has shipped anything",
        DROP_SHIP,
    ),
    PrefSpec(
        "drop_ship_fulfillment_quantity_validation",
        "warn_only",
        ("allow_unequal", "warn_only", "do_not_allow"),
        "when the vendor ships a drop-ship line whose sales order and purchase order "
        "quantities differ: go ahead; go ahead with a warning; or refuse until they match",
        group=DROP_SHIP,
    ),
    PrefSpec(
        "allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line",
        "warn_only",
        ("allow", "warn_only", "do_not_allow"),
        "a drop-ship purchase order line both marked shipped by the vendor and received into "
        "stock: allowed; allowed with a warning; or refused (once received, an order can no "
        "longer be marked shipped)",
        group=DROP_SHIP,
    ),
    _location(
        "default_location_for_purchase_orders",
        "where a new purchase order (and replenishment) receives unless another location is "
        "given (empty: the plant's default location)",
        PURCHASING,
    ),
    _bool(
        "allow_purchase_of_assembly_items",
        False,
        "assembly items may be bought on purchase orders (and drop-shipped); off: they are "
        "only built",
        PURCHASING,
    ),
    PrefSpec(
        "maximum_purchase_lines_to_consolidate",
        "10",
        (),
        "replenishment puts at most this many lines on one purchase order, starting another "
        "for the same vendor beyond it (0 = every line of a vendor on one order)",
        maximum=250,
        group=PURCHASING,
    ),
    PrefSpec(
        "default_vendor_return_authorization_status",
        "pending_approval",
        ("pending_approval", "pending_return"),
        "status of a new vendor return: pending approval when returns are approved before "
        "the goods go back, pending return when they may go back at once",
        group=VENDOR_RETURNS,
    ),
    _bool(
        "credit_in_advance_of_vendor_return",
        False,
        "finance is told of the vendor's whole credit when a vendor return is approved; off: "
        "as the goods are shipped back",
        VENDOR_RETURNS,
    ),
    # --- cycle counts ---
    PrefSpec(
        "count_approval_threshold",
        "0",
        (),
        "a cycle count whose line differs from the stock by more than this amount (the "
        "difference times the item's standard cost) waits for a supervisor's approval before "
        "it posts (0 = no count needs approval)",
        group="Cycle counts",
        amount=True,
    ),
    # --- customer returns ---
    PrefSpec(
        "default_return_authorization_status",
        "pending_approval",
        ("pending_approval", "pending_receipt"),
        "status of a new customer return (RMA): pending approval when someone approves returns "
        "before the goods may come back, pending receipt when they may come back at once",
        group=RETURNS,
    ),
    _bool(
        "refund_in_advance_of_return",
        False,
        "credit the customer for everything authorized when the return is approved, before "
        "the goods come back; off: credit what comes back, as it is received",
        RETURNS,
    ),
    _bool(
        "restock_returned_items",
        True,
        "goods that come back on a customer return go back into stock unless the receiver says "
        "to scrap them; off: they are scrapped unless the receiver says to restock them",
        RETURNS,
    ),
    # --- plant administration: separation of duties, backups ---
    _bool(
        "approver_must_differ_from_author",
        False,
        "a sales order or a vendor return is approved by someone other than who entered it "
        "(nobody approves their own, nor enters an order approved while orders wait for "
        "approval)",
        SALES,
    ),
    PrefSpec(
        "backup_every_hours",
        "24",
        (),
        "the window makes a backup of a SQLite plant when its newest automatic backup is "
        "this many hours old, and on the first start of a day once it is a day old "
        "(0 = no automatic backups)",
        maximum=24 * 30,
        group="Backups",
    ),
    PrefSpec(
        "backups_to_keep",
        "7",
        (),
        "how many automatic backups are kept; the oldest beyond these are removed (0 = keep "
        "every one)",
        maximum=1000,
        group="Backups",
    ),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}


@dataclass(frozen=True)
class Preferences:
    item_commitment_ordering: str
    perform_item_commitment_after_transaction_entry: bool
    manufacturing_issue_based_on_commitment: str
    allow_overage_on_assembly_builds: bool
    allow_overage_on_work_order_transactions: bool
    default_work_order_status: str
    release_commitment_on_hold: bool
    sign_out_after_idle_minutes: int
    default_sales_order_status: str
    require_re_approval_on_edit_of_sales_order: bool
    update_special_order_quantities_automatically_prior_to_shipment: bool
    fulfill_based_on_commitment: str
    allow_overage_on_item_fulfillments: bool
    default_items_to_zero_received_fulfilled: bool
    limit_status_on_packing_slip_queue: str
    name_for_picked_status: str
    name_for_packed_status: str
    name_for_shipped_status: str
    allow_overage_on_item_receipts: bool
    # transfer orders
    default_transfer_order_status: str
    generate_transfer_orders_in_supply_planning: str
    use_item_cost_as_transfer_cost: bool
    default_lead_time_between_locations: int
    lot_consumption_order: str
    lot_number_pattern: str
    serial_number_pattern: str
    allow_expired_lots_in_builds: bool
    allow_expired_lots_in_sales: bool
    expiry_warning_days: int
    show_uncommitted_items_on_picking_tickets: bool
    always_print_kit_items_on_picking_tickets: bool
    show_non_inventory_items_on_printed_forms: bool
    show_additional_items_on_packing_slips: str
    show_drop_ship_items_on_packing_slips: bool
    page_size: str
    label_layout: str
    default_printer: str
    company_name: str
    company_address: str
    default_location_for_sales_orders: str
    update_transaction_date_upon_fulfillment_status_change: bool
    update_drop_ship_order_quantities_automatically_prior_to_shipment: bool
    drop_ship_fulfillment_quantity_validation: str
    allow_both_mark_shipped_fulfillments_and_receipts_on_a_drop_shipment_line: str
    default_location_for_purchase_orders: str
    allow_purchase_of_assembly_items: bool
    maximum_purchase_lines_to_consolidate: int
    default_vendor_return_authorization_status: str
    credit_in_advance_of_vendor_return: bool
    # --- cycle counts ---
    count_approval_threshold: Decimal
    # --- customer returns ---
    default_return_authorization_status: str
    refund_in_advance_of_return: bool
    restock_returned_items: bool
    # --- plant administration: separation of duties, backups ---
    approver_must_differ_from_author: bool
    backup_every_hours: int
    backups_to_keep: int

    def status_names(self) -> dict[str, str]:
        """The plant's own names for the fulfillment statuses (picked, packed, shipped)."""
        return {
            "picked": self.name_for_picked_status,
            "packed": self.name_for_packed_status,
            "shipped": self.name_for_shipped_status,
        }

    def status_name(self, status: str) -> str:
        """What a fulfillment status is called in this plant (picked, packed, shipped)."""
        return self.status_names().get(status, status.replace("_", " ").title())

    def as_text(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                out[f.name] = "true" if value else "false"
            elif isinstance(value, Decimal):
                out[f.name] = fmt(value)
            else:
                out[f.name] = str(value)
        return out


assert [f.name for f in fields(Preferences)] == [s.key for s in SPECS]


def _typed(spec: PrefSpec, text: str) -> Any:
    if spec.is_amount:
        try:
            return parse_decimal(text, field=spec.key, non_negative=True)
        except InvalidQuantity:
            return parse_decimal(spec.default, field=spec.key, non_negative=True)
    if spec.is_number:
        try:
            return int(text)
        except ValueError:
            return int(spec.default)
    return _BOOL_TEXT[text] if spec.is_bool else text


def validate(key: str, value: str) -> str:
    """The canonical text of a preference value, or a clear refusal."""
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise NotFound(f"unknown preference {key!r}; known: {', '.join(SPEC_BY_KEY)}")
    if spec.is_text:
        assert spec.text is not None
        kept = value.strip()
        if len(kept) > spec.text or any(not ch.isprintable() and ch != "\n" for ch in kept):
            raise ValidationError(
                f"{key} must be at most {spec.text} printable characters, not {value!r}"
            )
        if not kept and spec.key.startswith("name_for_"):
            raise ValidationError(f"{key} must not be empty")
        fault = spec.fault(kept) if spec.fault is not None else None
        if fault is not None:
            raise ValidationError(f"{key} {kept!r} cannot be used: {fault}")
        return kept
    if spec.is_amount:
        return fmt(parse_decimal(value, field=key, non_negative=True))
    text = value.strip().lower()
    if spec.is_number:
        assert spec.maximum is not None
        if not _WHOLE.fullmatch(text) or int(text) > spec.maximum:
            raise ValidationError(
                f"{key} must be a whole number from 0 to {spec.maximum}, not {value!r}"
            )
        return str(int(text))
    if spec.is_bool:
        text = {
            "1": "true",
            "yes": "true",
            "on": "true",
            "0": "false",
            "no": "false",
            "off": "false",
        }.get(text, text)
    if text not in spec.choices:
        raise ValidationError(f"{key} must be one of {' | '.join(spec.choices)}, not {value!r}")
    return text


_SELECT_PREFERENCES = select(Preference.__table__.c.key, Preference.__table__.c.value)


_last_read: tuple[tuple[tuple[str, str], ...], Preferences] | None = None


def load_preferences(session: Session) -> Preferences:
    """The preferences as stored now (one query per transaction; the typed values are made
    again only when the stored text differs from the last read)."""
    global _last_read
    rows = tuple(sorted((r.key, r.value) for r in session.execute(_SELECT_PREFERENCES)))
    last = _last_read
    if last is not None and last[0] == rows:
        return last[1]
    stored = dict(rows)
    values = {spec.key: _typed(spec, stored.get(spec.key, spec.default)) for spec in SPECS}
    prefs = Preferences(**values)
    _last_read = (rows, prefs)
    return prefs
