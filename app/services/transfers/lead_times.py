"""Lead times between locations: how many days goods take from one location to another. A
transfer order's expected receipt date is its ship date plus the pair's days, or plus
`default_lead_time_between_locations` when the pair has none."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, delete, select

from app.errors import ValidationError
from app.models import Location
from app.models.transfer import LocationLeadTime
from app.services.catalog import items
from app.services.catalog.items import LocationInfo
from app.services.engine import changes
from app.services.engine.lookup import LocationRef, location_ref
from app.services.engine.parsing import parse_int
from app.services.engine.permissions import Permission
from app.services.engine.uow import posting, query

if TYPE_CHECKING:
    from app.services.engine.uow import Transaction

MAX_LEAD_DAYS = 365
_LEAD = cast(Table, LocationLeadTime.__table__)
_LOC = cast(Table, Location.__table__)


@dataclass(frozen=True)
class LeadTime:
    from_location: str
    to_location: str
    days: int


def parse_days(value: object) -> int:
    return parse_int(
        value,
        field="lead time",
        minimum=0,
        maximum=MAX_LEAD_DAYS,
        bounds=(f"of days from 0 to {MAX_LEAD_DAYS}"),
    )


def lead_days(tx: Transaction, from_id: int, to_id: int) -> int:
    """The days goods take from one location to another: the pair's, else the default."""
    days = tx.session.scalar(
        select(_LEAD.c.days).where(
            _LEAD.c.from_location_id == from_id, _LEAD.c.to_location_id == to_id
        )
    )
    return int(days) if days is not None else tx.prefs.default_lead_time_between_locations


def expected_receipt(tx: Transaction, ship: date | None, from_id: int, to_id: int) -> date | None:
    """The day a transfer shipped on `ship` is expected at its destination."""
    return None if ship is None else ship + timedelta(days=lead_days(tx, from_id, to_id))


def _set(tx: Transaction, source: LocationRef, target: LocationRef, days: int | None) -> None:
    if source.id == target.id:
        raise ValidationError(f"a lead time is between two locations, not {source.code} and itself")
    tx.session.execute(
        delete(_LEAD).where(
            _LEAD.c.from_location_id == source.id, _LEAD.c.to_location_id == target.id
        )
    )
    if days is not None:
        tx.session.execute(
            _LEAD.insert().values(from_location_id=source.id, to_location_id=target.id, days=days)
        )
    tx.changed.add(changes.LOCATION, source.code, target.code)
    tx.note(**{f"lead_time_{source.code}_{target.code}": days})


@posting("location.lead_time", Permission.EDIT_ITEMS)
def set_lead_time(
    tx: Transaction, from_location: str, to_location: str, days: object
) -> LeadTime | None:
    """The days goods take from one location to another; empty removes the pair's own (the
    default applies again)."""
    source = location_ref(tx.session, from_location)
    target = location_ref(tx.session, to_location)
    wanted = None if days is None or str(days).strip() == "" else parse_days(days)
    _set(tx, source, target, wanted)
    tx.set_document(f"{source.code} to {target.code}")
    return None if wanted is None else LeadTime(source.code, target.code, wanted)


@posting("location.add_with_lead_times", Permission.EDIT_ITEMS)
def add_location(
    tx: Transaction, code: str, name: str, *, lead_times_from: Mapping[str, object]
) -> LocationInfo:
    """A new location and the days goods take to reach it from others, in one posting."""
    parsed = {source: parse_days(days) for source, days in lead_times_from.items()}
    made = items.add_location.within(tx, code, name)
    tx.session.flush()
    target = location_ref(tx.session, made.code)
    for source, days in parsed.items():
        _set(tx, location_ref(tx.session, source), target, days)
    tx.set_document(made.code)
    return made


@query()
def lead_times(tx: Transaction) -> list[LeadTime]:
    """Every pair of locations with a lead time of its own."""
    source, target = _LOC.alias("source"), _LOC.alias("target")
    rows = tx.session.execute(
        select(source.c.code.label("source"), target.c.code.label("target"), _LEAD.c.days)
        .join(source, source.c.id == _LEAD.c.from_location_id)
        .join(target, target.c.id == _LEAD.c.to_location_id)
        .order_by(source.c.code, target.c.code)
    )
    return [LeadTime(r.source, r.target, r.days) for r in rows]
