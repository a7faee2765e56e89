"""Reads a window can page: offset, limit and sort applied in SQL, with the total count.

Every list service takes a `PageRequest` (and filters of its own), orders by a whitelisted
sort key with a unique tie-breaker (so pages never overlap or skip rows), and returns a
`Page` with the total number of rows its filters match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, overload

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import ValidationError

T = TypeVar("T")
Orderable = ColumnElement[Any] | InstrumentedAttribute[Any]
AnySelect = Select[*tuple[Any, ...]]

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list, in which order. `limit=None` means every row (the command line);
    a window asks for pages."""

    offset: int = 0
    limit: int | None = DEFAULT_LIMIT
    sort: str | None = None  # a sort key the list service names; None = its default
    descending: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.offset, int) or self.offset < 0:
            raise ValidationError(f"offset must be a whole number of at least 0, not {self.offset}")
        if self.limit is not None and (not isinstance(self.limit, int) or self.limit < 1):
            raise ValidationError(f"limit must be a whole number of at least 1, not {self.limit}")
        if self.limit is not None and self.limit > MAX_LIMIT:
            raise ValidationError(f"limit must be at most {MAX_LIMIT:,}, not {self.limit:,}")


ALL = PageRequest(limit=None)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    total: int  # rows matching the filters, over all pages
    offset: int
    limit: int | None
    sort: str
    descending: bool
    sort_keys: tuple[str, ...] = field(default=())  # what the list can be sorted by

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self.rows[index]

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


@dataclass(frozen=True)
class Listing:
    """How one list sorts: its sort keys (name -> column), the default, and a unique
    tie-breaker column appended to every ORDER BY."""

    sorts: Mapping[str, Orderable]
    default: str
    tiebreak: Orderable

    def order(self, request: PageRequest) -> tuple[str, list[ColumnElement[Any]]]:
        key = request.sort or self.default
        column = self.sorts.get(key)
        if column is None:
            raise ValidationError(f"cannot sort by {key!r}; one of {', '.join(self.sorts)}")
        if request.descending:
            return key, [column.desc(), self.tiebreak.desc()]
        return key, [column.asc(), self.tiebreak.asc()]

    def fetch(
        self,
        session: Session,
        stmt: AnySelect,
        request: PageRequest,
        make: Callable[[Any], T],
        *,
        count: AnySelect | None = None,
    ) -> Page[T]:
        """Run `stmt` (already filtered) for one page and count what the filters match
        (`count`, when given, is a cheaper statement with the same filters)."""
        key, order_by = self.order(request)
        rows = [make(row) for row in session.execute(self._slice(stmt, order_by, request))]
        return self._page(session, rows, key, request, count if count is not None else stmt)

    def fetch_keyed(
        self,
        session: Session,
        keys: AnySelect,
        request: PageRequest,
        load: Callable[[Sequence[Any]], Mapping[Any, T]],
        *,
        full: Callable[[], Page[T]],
    ) -> Page[T]:
        """A page in two steps, for lists whose rows are costly to make (flags computed by
        subqueries): `keys` (already filtered, selecting the tie-breaker alone) is sorted and
        sliced first, so the database orders bare keys; then `load` makes the rows of just
        that page, by key. A request for every row goes through `full` instead."""
        if request.limit is None:
            return full()
        key, order_by = self.order(request)
        ids = list(session.scalars(self._slice(keys, order_by, request)))
        made = load(ids) if ids else {}
        rows = [made[i] for i in ids if i in made]
        return self._page(session, rows, key, request, keys)

    @staticmethod
    def _slice(
        stmt: AnySelect, order_by: list[ColumnElement[Any]], request: PageRequest
    ) -> AnySelect:
        paged = stmt.order_by(*order_by).offset(request.offset)
        return paged if request.limit is None else paged.limit(request.limit)

    def _page(
        self, session: Session, rows: list[T], key: str, request: PageRequest, counter: AnySelect
    ) -> Page[T]:
        if request.limit is None or (request.offset == 0 and len(rows) < request.limit):
            total = request.offset + len(rows)
        else:
            total = int(
                session.scalar(select(func.count()).select_from(counter.order_by(None).subquery()))
                or 0
            )
        return Page(
            rows=rows,
            total=total,
            offset=request.offset,
            limit=request.limit,
            sort=key,
            descending=request.descending,
            sort_keys=tuple(self.sorts),
        )


def text_search(text: str | None, *columns: Orderable) -> list[ColumnElement[bool]]:
    """A list's search box: `text`, trimmed and in any case, found anywhere in any of
    `columns` (wildcards typed are matched as themselves). No condition for empty text."""
    needle = (text or "").strip().lower()
    if not needle:
        return []
    return [or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns))]


def page_of(rows: Sequence[T], request: PageRequest, sort: str) -> Page[T]:
    """A page over rows already computed in full (small derived lists such as the creation
    queue); the order is the caller's."""
    end = None if request.limit is None else request.offset + request.limit
    return Page(
        rows=list(rows[request.offset : end]),
        total=len(rows),
        offset=request.offset,
        limit=request.limit,
        sort=sort,
        descending=request.descending,
        sort_keys=(sort,),
    )
