"""Bills of materials: revisions, activation, cycle refusal, explosion and where-used."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from app.errors import BomCycle, NotFound, ValidationError
from app.models import BomLine, BomRevision, Item, ItemType
from app.models.quantity import parse_quantity, round_quantity
from app.services.engine import changes
from app.services.engine.changes import NO_CHANGES, Changes
from app.services.engine.lookup import ItemRef, item_by_sku, item_columns, item_ref
from app.services.engine.permissions import Permission
from app.services.engine.uow import Transaction, posting, query

MAX_DEPTH = 32


@dataclass(frozen=True)
class BomLineSpec:
    sku: str
    quantity_per: Decimal
    backflush: bool = True


@dataclass(frozen=True)
class BomLineInfo:
    line_no: int
    sku: str
    name: str
    type: str
    uom: str
    quantity_per: Decimal
    backflush: bool


@dataclass(frozen=True)
class BomInfo:
    assembly: str
    revision: str
    active: bool
    memo: str | None
    created_at: datetime
    created_by: str
    lines: list[BomLineInfo]
    changes: Changes = NO_CHANGES


@dataclass(frozen=True)
class ExplosionRow:
    sku: str
    name: str
    level: int
    parent: str
    quantity_per: Decimal
    quantity: Decimal
    uom: str
    type: str
    has_bom: bool


@dataclass(frozen=True)
class Explosion:
    sku: str
    quantity: Decimal
    components: list[ExplosionRow]
    totals: list[tuple[str, Decimal]]  # leaves: (sku, total quantity)


@dataclass(frozen=True)
class WhereUsedRow:
    sku: str
    name: str
    level: int
    component: str
    quantity_per: Decimal


def bom_info(rev: BomRevision) -> BomInfo:
    return BomInfo(
        assembly=rev.assembly.sku,
        revision=rev.revision,
        active=rev.active,
        memo=rev.memo,
        created_at=rev.created_at,
        created_by=rev.created_by,
        lines=[
            BomLineInfo(
                line_no=ln.line_no,
                sku=ln.component.sku,
                name=ln.component.name,
                type=ln.component.item_type,
                uom=ln.component.uom,
                quantity_per=ln.quantity_per,
                backflush=ln.backflush,
            )
            for ln in rev.lines
        ],
    )


def active_revision(session: Session, item_id: int) -> BomRevision | None:
    return session.scalar(
        select(BomRevision).where(BomRevision.assembly_id == item_id, BomRevision.active.is_(True))
    )


# --- rules --------------------------------------------------------------------------------


def check_component(assembly: Item, component: Item) -> None:
    """Which items may go on which BOM."""
    if not component.active:
        raise ValidationError(f"component {component.sku} is inactive")
    if assembly.type == ItemType.ASSEMBLY and not component.type.stocked:
        raise ValidationError(
            f"component {component.sku} is a {component.item_type} item; an assembly is built "
            "from inventory and assembly items only"
        )
    if assembly.type == ItemType.KIT and component.type == ItemType.KIT:
        raise ValidationError(f"kit member {component.sku} is itself a kit")


def check_assembly(item: Item) -> None:
    if not item.type.has_bom:
        raise ValidationError(
            f"{item.sku} is a {item.item_type} item; only assembly and kit items have a BOM"
        )


def _active_edges(session: Session) -> dict[int, set[int]]:
    edges: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        select(BomRevision.assembly_id, BomLine.component_id)
        .join(BomLine, BomLine.revision_id == BomRevision.id)
        .where(BomRevision.active.is_(True))
    )
    for assembly_id, component_id in rows:
        edges[assembly_id].add(component_id)
    return edges


def find_cycle(
    session: Session, replacing: Mapping[int, Iterable[int]], *, everywhere: bool = False
) -> list[int] | None:
    """A cycle through the active BOMs once `replacing` (assembly id -> component ids) takes
    the place of those assemblies' active revisions; the item ids around it, or None.
    Searches from the replaced assemblies, or from every assembly when `everywhere`."""
    edges = _active_edges(session)
    for assembly_id, components in replacing.items():
        edges[assembly_id] = set(components)
    WHITE, GREY, BLACK = 0, 1, 2
    colour: dict[int, int] = defaultdict(int)
    starts = sorted(edges) if everywhere else list(replacing)
    for start in starts:
        if colour[start] != WHITE:
            continue
        # Iterative depth-first search; the stack holds (node, iterator over its children).
        path: list[int] = [start]
        colour[start] = GREY
        stack = [iter(sorted(edges.get(start, ())))]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                colour[path.pop()] = BLACK
                continue
            if colour[child] == GREY:
                return [*path[path.index(child) :], child]
            if colour[child] == WHITE:
                colour[child] = GREY
                path.append(child)
                stack.append(iter(sorted(edges.get(child, ()))))
    return None


def refuse_cycles(session: Session, replacing: Mapping[int, Iterable[int]]) -> None:
    cycle = find_cycle(session, replacing)
    if cycle:
        skus = dict(session.execute(select(Item.id, Item.sku).where(Item.id.in_(set(cycle)))).all())
        raise BomCycle([skus[i] for i in cycle])


def _next_revision(session: Session, assembly_id: int) -> str:
    names = session.scalars(
        select(BomRevision.revision).where(BomRevision.assembly_id == assembly_id)
    ).all()
    numbers = [int(n) for n in names if n.isdigit()]
    return str(max(numbers, default=0) + 1)


def create_revision(
    tx: Transaction,
    assembly: Item,
    lines: Sequence[tuple[Item, Decimal, bool]],
    *,
    revision: str | None = None,
    activate: bool = True,
    memo: str | None = None,
) -> BomRevision:
    """Add a revision (components already validated against cycles by the caller)."""
    session = tx.session
    name = (revision or "").strip() or _next_revision(session, assembly.id)
    if len(name) > 20:
        raise ValidationError("revision name is longer than 20 characters")
    if session.scalar(
        select(BomRevision.id).where(
            BomRevision.assembly_id == assembly.id, BomRevision.revision == name
        )
    ):
        raise ValidationError(f"{assembly.sku} already has a revision {name!r}")
    has_active = active_revision(session, assembly.id) is not None
    rev = BomRevision(
        assembly=assembly,
        revision=name,
        active=False,
        memo=memo,
        created_by=tx.actor.user,
    )
    for n, (component, qty, backflush) in enumerate(lines, start=1):
        rev.lines.append(
            BomLine(line_no=n, component=component, quantity_per=qty, backflush=backflush)
        )
    session.add(rev)
    session.flush()
    if activate or not has_active:
        _activate(tx, assembly, rev)
    return rev


def _activate(tx: Transaction, assembly: Item, rev: BomRevision) -> None:
    current = active_revision(tx.session, assembly.id)
    if current is not None and current.id != rev.id:
        current.active = False
        tx.session.flush()  # the one-active index allows a single active row at any moment
    rev.active = True
    tx.session.flush()


def validate_lines(
    session: Session, assembly: Item, lines: Sequence[BomLineSpec]
) -> list[tuple[Item, Decimal, bool]]:
    if not lines:
        raise ValidationError(f"a BOM for {assembly.sku} needs at least one line")
    seen: set[str] = set()
    out = []
    for spec in lines:
        component = item_by_sku(session, spec.sku)
        if component.sku in seen:
            raise ValidationError(f"component {component.sku} appears twice on the BOM")
        seen.add(component.sku)
        check_component(assembly, component)
        qty = parse_quantity(spec.quantity_per, f"quantity per of {component.sku}")
        out.append((component, qty, spec.backflush))
    return out


# --- use cases ----------------------------------------------------------------------------


@posting("bom.save", Permission.EDIT_BOMS)
def save_bom(
    tx: Transaction,
    assembly_sku: str,
    lines: Sequence[BomLineSpec],
    *,
    revision: str | None = None,
    activate: bool = True,
    memo: str | None = None,
) -> BomInfo:
    """Save a new BOM revision (active unless told otherwise). Cycles are refused."""
    assembly = item_by_sku(tx.session, assembly_sku)
    tx.set_document(assembly.sku)
    check_assembly(assembly)
    checked = validate_lines(tx.session, assembly, lines)
    refuse_cycles(tx.session, {assembly.id: [c.id for c, _q, _b in checked]})
    rev = create_revision(tx, assembly, checked, revision=revision, activate=activate, memo=memo)
    tx.note(revision=rev.revision, lines=len(checked), active=rev.active)
    tx.changed.add(changes.BOM, assembly.sku)
    return bom_info(rev)


@posting("bom.activate", Permission.EDIT_BOMS)
def activate_bom(tx: Transaction, assembly_sku: str, revision: str) -> BomInfo:
    """Make another revision the active one. Existing work orders keep their own copy."""
    assembly = item_by_sku(tx.session, assembly_sku)
    tx.set_document(assembly.sku)
    rev = tx.session.scalar(
        select(BomRevision).where(
            BomRevision.assembly_id == assembly.id, BomRevision.revision == revision.strip()
        )
    )
    if rev is None:
        raise NotFound(f"{assembly.sku} has no BOM revision {revision!r}")
    refuse_cycles(tx.session, {assembly.id: [ln.component_id for ln in rev.lines]})
    _activate(tx, assembly, rev)
    tx.note(revision=rev.revision)
    tx.changed.add(changes.BOM, assembly.sku)
    return bom_info(rev)


@query()
def list_revisions(tx: Transaction, assembly_sku: str) -> list[BomInfo]:
    assembly = item_by_sku(tx.session, assembly_sku)
    revs = tx.session.scalars(
        select(BomRevision).where(BomRevision.assembly_id == assembly.id).order_by(BomRevision.id)
    )
    return [bom_info(r) for r in revs]


@query()
def get_revision(tx: Transaction, assembly_sku: str, revision: str | None = None) -> BomInfo:
    """One BOM revision of an assembly: the named one, or the active one."""
    assembly = item_by_sku(tx.session, assembly_sku)
    stmt = select(BomRevision).where(BomRevision.assembly_id == assembly.id)
    if revision is not None and revision.strip():
        rev = tx.session.scalar(stmt.where(BomRevision.revision == revision.strip()))
        if rev is None:
            raise NotFound(f"{assembly.sku} has no BOM revision {revision.strip()!r}")
    else:
        rev = tx.session.scalar(stmt.where(BomRevision.active.is_(True)))
        if rev is None:
            raise NotFound(f"{assembly.sku} has no active BOM")
    return bom_info(rev)


_REV = cast(Table, BomRevision.__table__)
_BOM_LINE = cast(Table, BomLine.__table__)
_ITEM = cast(Table, Item.__table__)
_REVISION_LINES = (
    select(
        _REV.c.id.label("revision_id"),
        _REV.c.revision,
        _BOM_LINE.c.line_no,
        _BOM_LINE.c.quantity_per,
        _BOM_LINE.c.backflush,
        *item_columns("component"),
    )
    .join(_BOM_LINE, _BOM_LINE.c.revision_id == _REV.c.id)
    .join(_ITEM, _ITEM.c.id == _BOM_LINE.c.component_id)
    .where(_REV.c.assembly_id == bindparam("assembly"))
    .order_by(_BOM_LINE.c.line_no)
)
_ACTIVE_LINES = _REVISION_LINES.where(_REV.c.active)
_NAMED_LINES = _REVISION_LINES.where(_REV.c.revision == bindparam("revision"))


@dataclass(frozen=True)
class ActiveLine:
    line_no: int
    component: ItemRef
    quantity_per: Decimal
    backflush: bool


@dataclass(frozen=True)
class ActiveBom:
    """An item's active revision as plain data: what a new work order copies, or the
    members a kit line is made of."""

    revision_id: int
    revision: str
    lines: list[ActiveLine]


def read_active_bom(session: Session, item_id: int) -> ActiveBom | None:
    """The active revision of an assembly's BOM or a kit's members (one query); None when
    the item has none."""
    return _bom_of(session.execute(_ACTIVE_LINES, {"assembly": item_id}).all())


def read_bom_revision(session: Session, item_id: int, revision: str) -> ActiveBom | None:
    """One revision of an assembly's BOM, active or not, by its name; None when there is
    no such revision."""
    params = {"assembly": item_id, "revision": revision}
    return _bom_of(session.execute(_NAMED_LINES, params).all())


def _bom_of(rows: Sequence[Any]) -> ActiveBom | None:
    if not rows:
        return None
    return ActiveBom(
        revision_id=rows[0].revision_id,
        revision=rows[0].revision,
        lines=[
            ActiveLine(r.line_no, item_ref(r, "component"), r.quantity_per, r.backflush)
            for r in rows
        ],
    )


def _lines_of_active(
    session: Session, assembly_ids: Iterable[int]
) -> dict[int, list[tuple[Item, Decimal]]]:
    ids = list(set(assembly_ids))
    out: dict[int, list[tuple[Item, Decimal]]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.execute(
        select(BomRevision.assembly_id, BomLine)
        .join(BomLine, BomLine.revision_id == BomRevision.id)
        .where(BomRevision.active.is_(True), BomRevision.assembly_id.in_(ids))
        .order_by(BomRevision.assembly_id, BomLine.line_no)
    )
    for assembly_id, line in rows:
        out[assembly_id].append((line.component, line.quantity_per))
    return out


def explode_item(session: Session, item: Item, quantity: Decimal) -> Explosion:
    """Multi-level explosion through active revisions, depth first (an indented BOM)."""
    cache: dict[int, list[tuple[Item, Decimal]]] = {}
    frontier = {item.id}
    depth = 0
    while frontier:  # fetch one level at a time: one query per level
        depth += 1
        if depth > MAX_DEPTH:
            raise ValidationError(f"{item.sku}: BOM deeper than {MAX_DEPTH} levels")
        fetched = _lines_of_active(session, frontier - cache.keys())
        cache.update(fetched)
        frontier = {
            comp.id
            for lines in fetched.values()
            for comp, _q in lines
            if comp.type.has_bom and comp.id not in cache
        }
    if not cache.get(item.id):
        raise NotFound(f"{item.sku} has no active BOM")

    rows: list[ExplosionRow] = []
    totals: dict[str, Decimal] = {}

    def walk(parent: Item, qty: Decimal, level: int) -> None:
        for comp, per in cache.get(parent.id, []):
            need = round_quantity(qty * per)
            sub = bool(cache.get(comp.id))
            rows.append(
                ExplosionRow(
                    sku=comp.sku,
                    name=comp.name,
                    level=level,
                    parent=parent.sku,
                    quantity_per=per,
                    quantity=need,
                    uom=comp.uom,
                    type=comp.item_type,
                    has_bom=sub,
                )
            )
            if sub:
                walk(comp, need, level + 1)
            else:
                totals[comp.sku] = totals.get(comp.sku, Decimal(0)) + need

    walk(item, quantity, 1)
    return Explosion(
        sku=item.sku,
        quantity=quantity,
        components=rows,
        totals=sorted(totals.items()),
    )


@query()
def explode(tx: Transaction, sku: str, quantity: object = "1") -> Explosion:
    qty = parse_quantity(quantity)
    return explode_item(tx.session, item_by_sku(tx.session, sku), qty)


@query()
def where_used(tx: Transaction, sku: str) -> list[WhereUsedRow]:
    """Every assembly that uses the item through active BOMs, level 1 = directly."""
    item = item_by_sku(tx.session, sku)
    out: list[WhereUsedRow] = []
    seen: set[int] = set()
    frontier = [item]
    level = 0
    while frontier and level < MAX_DEPTH:
        level += 1
        ids = [i.id for i in frontier]
        rows = tx.session.execute(
            select(BomRevision, BomLine)
            .join(BomLine, BomLine.revision_id == BomRevision.id)
            .where(BomRevision.active.is_(True), BomLine.component_id.in_(ids))
            .order_by(BomRevision.assembly_id)
        ).all()
        nxt = []
        for rev, line in rows:
            out.append(
                WhereUsedRow(
                    sku=rev.assembly.sku,
                    name=rev.assembly.name,
                    level=level,
                    component=line.component.sku,
                    quantity_per=line.quantity_per,
                )
            )
            if rev.assembly_id not in seen:
                seen.add(rev.assembly_id)
                nxt.append(rev.assembly)
        frontier = nxt
    return out
