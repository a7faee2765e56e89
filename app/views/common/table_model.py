"""Table models over plain row objects (service dataclasses), never live database records.

`RowTableModel` holds a short list a service returned whole. `PagedTableModel` is fed by a
page function and fetches pages as the view scrolls (canFetchMore / fetchMore), each page in
the background; sorting re-queries with the service's sort key, so the database sorts and
filters all rows, never a proxy over the few loaded ones.

    COLUMNS = [
        Column("Work order", lambda r: r.number, sort="number"),
        qty_column("Quantity", lambda r: r.quantity, sort="quantity"),
        status_column("Status", lambda r: r.status, lambda r: r.status_label, sort="status"),
    ]
    model = PagedTableModel(COLUMNS, lambda uow, page: list_work_orders(uow, page=page))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.errors import ShopfloorError
from app.services.engine.paging import Page, PageRequest
from app.services.engine.uow import UnitOfWork
from app.views.common import format as fmt
from app.views.common.runner import AppContext, Op
from app.views.common.status import STATUS_ROLE, Chip

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
PageFn = Callable[[UnitOfWork, PageRequest], Page[Any]]

ROW_ROLE = int(Qt.ItemDataRole.UserRole) + 1  # the row object behind a cell
SORT_ROLE = int(Qt.ItemDataRole.UserRole) + 3  # a column's service sort key (header data)
PAGE_SIZE = 200

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column: its title, the text of a row's cell, and the service's sort key (None:
    the list cannot be sorted by it)."""

    title: str
    value: Callable[[T], object]
    sort: str | None = None
    align: Qt.AlignmentFlag = _LEFT
    status: Callable[[T], str] | None = None  # a status key: the cell is drawn as a chip
    tooltip: Callable[[T], str] | None = None
    width: int | None = None  # a starting width in pixels
    style: Callable[[T], Chip | None] | None = None  # the cell's own colour, over the row's


def qty_column(
    title: str, value: Callable[[T], Decimal | None], sort: str | None = None, width: int = 125
) -> Column[T]:
    """A quantity, right-aligned, written as the services write it."""
    return Column(title, lambda r: fmt.qty(value(r)), sort=sort, align=_RIGHT, width=width)


def money_column(
    title: str, value: Callable[[T], Decimal | None], sort: str | None = None
) -> Column[T]:
    return Column(title, lambda r: fmt.money(value(r)), sort=sort, align=_RIGHT, width=110)


def status_column(
    title: str,
    status: Callable[[T], str],
    label: Callable[[T], str],
    sort: str | None = None,
) -> Column[T]:
    """A status drawn as a chip (give the view a `ChipDelegate` for this column)."""
    return Column(title, label, sort=sort, status=status, width=150)


RowStyle = Callable[[Any], Chip | None]


class RowTableModel(QAbstractTableModel):
    """A table over a list of plain rows. `row_style(row)` may colour a whole row (late,
    short) from the row's own flags; it never computes them."""

    def __init__(
        self,
        columns: Sequence[Column[Any]],
        parent: QObject | None = None,
        *,
        row_style: RowStyle | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.row_style = row_style
        self._rows: list[Any] = []

    # --- rows ----------------------------------------------------------------------------

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    def find(self, match: Callable[[Any], bool]) -> int:
        """The position of the first loaded row that matches, or -1."""
        return next((i for i, r in enumerate(self._rows) if match(r)), -1)

    # --- Qt ------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = col.value(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == ROW_ROLE:
            return row
        if role == STATUS_ROLE:
            return col.status(row) if col.status is not None else None
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            style = col.style(row) if col.style is not None else None
            if style is None and self.row_style is not None:
                style = self.row_style(row)
            if style is None:
                return None
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(QColor(style.background))
            return QBrush(QColor(style.foreground))
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        col = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(col.align)
        if role == SORT_ROLE:
            return col.sort
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class PagedTableModel(RowTableModel):
    """Rows fetched page by page from a page function `(uow, PageRequest) -> Page[row]`.

    `pages_fetched` counts the pages asked of the service (tests assert on it); `total` is
    what the filters match over all pages. `loaded(pages_fetched)` fires after each page.
    Change the query with `set_query` (filters), re-read what is loaded with `refresh`
    (after a posting); `sort(column)` re-queries by that column's service sort key."""

    loaded = Signal(int)
    failed = Signal(str)

    def __init__(
        self,
        columns: Sequence[Column[Any]],
        fetch_page: PageFn,
        parent: QObject | None = None,
        *,
        page_size: int = PAGE_SIZE,
        sort: str | None = None,
        descending: bool = False,
        row_style: RowStyle | None = None,
        context: AppContext | None = None,
        autoload: bool = True,
    ) -> None:
        super().__init__(columns, parent, row_style=row_style)
        self.context = context or AppContext.current()
        self.fetch_page = fetch_page
        self.page_size = page_size
        self.sort_key = sort
        self.descending = descending
        self.total = 0
        self.pages_fetched = 0
        self.loading = False
        self._generation = 0
        self._known = False  # the first page has arrived
        if autoload:
            self.reload()

    # --- queries -------------------------------------------------------------------------

    def set_query(self, fetch_page: PageFn) -> None:
        """New filters: read again from the first page."""
        self.fetch_page = fetch_page
        self.reload()

    def reload(self) -> None:
        """Drop what is loaded and read the first page (it replaces the rows on arrival, so
        the table does not flash empty)."""
        self._request(0, self.page_size, replace=True)

    def refresh(self) -> None:
        """Read again everything loaded so far, in one request, keeping the scroll place."""
        extent = max(self.page_size, len(self._rows))
        self._request(0, min(extent, 10_000), replace=True, keep=True)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        key = self.columns[column].sort
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self.sort_key and descending == self.descending:
            return  # that order is shown or on its way
        if self.sort_key is None and not self._known:
            return  # the view asking as it is set up: the default order is on its way
        self.sort_key, self.descending = key, descending
        self.reload()

    def sort_column(self) -> int:
        """The column shown as sorted (-1 before the service has said which order it used,
        or when no column shows it)."""
        if self.sort_key is None:
            return -1
        return next((i for i, c in enumerate(self.columns) if c.sort == self.sort_key), -1)

    # --- fetching ------------------------------------------------------------------------

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self.loading or not self._known:
            return False
        return len(self._rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request(len(self._rows), self.page_size, replace=False)

    def _request(self, offset: int, limit: int, *, replace: bool, keep: bool = False) -> None:
        if replace:
            self._generation += 1
        generation = self._generation
        request = PageRequest(
            offset=offset, limit=limit, sort=self.sort_key, descending=self.descending
        )
        self.loading = True
        self.pages_fetched += 1
        op = Op(None, self.fetch_page, (request,), {}, context=self.context)
        op.progress("Loading…")
        op.success(lambda page: self._arrived(generation, page, replace, keep))
        op.failure(lambda exc: self._refused(generation, exc))
        op.run()

    def _refused(self, generation: int, exc: ShopfloorError) -> None:
        if generation != self._generation:
            return
        self.loading = False
        self.context.show_message(exc.message, "error")
        self.failed.emit(exc.message)

    def _arrived(self, generation: int, page: Page[Any], replace: bool, keep: bool) -> None:
        if generation != self._generation:
            return  # filters or sort changed meanwhile: a newer request is on its way
        self.loading = False
        self.total = page.total
        if self.sort_key is None:
            self.sort_key = page.sort  # the service's default order, named
        if keep and self._known and len(page.rows) == len(self._rows):
            # The same extent read again: change the cells in place (selection and scroll stay).
            self._rows = list(page.rows)
            if self._rows:
                last = self.index(len(self._rows) - 1, len(self.columns) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
        elif replace or not self._known:
            self.beginResetModel()
            self._rows = list(page.rows)
            self.endResetModel()
        elif page.rows:
            first = len(self._rows)
            # Qt's last is inclusive: n new rows occupy first .. first + n - 1.
            self.beginInsertRows(QModelIndex(), first, first + len(page.rows) - 1)
            self._rows.extend(page.rows)
            self.endInsertRows()
        self._known = True
        if not replace and not page.rows:
            self.total = len(self._rows)  # the list shrank meanwhile: stop asking
        self.loaded.emit(self.pages_fetched)
