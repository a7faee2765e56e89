"""A page of the main window: what the window asks of every view; the list read a page at a
time with its filters; the page of one document with its actions."""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Protocol

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.engine.changes import Changes
from app.services.engine.paging import PageRequest
from app.services.engine.uow import UnitOfWork
from app.views.common.runner import AppContext
from app.views.common.status import StatusChip, font
from app.views.common.table_model import Column, PagedTableModel, RowStyle
from app.views.common.widgets import (
    DataTable,
    button,
    caption_label,
    hbox,
    page_layout,
    shortcut,
    title_label,
)

FILTER_PAUSE_MS = 250


class Page(QWidget):
    """A view shown in the main window's stack.

    Override `refresh()` (read what the page shows, through `run_op`: one service read),
    `affected_by(changes)` (whether a posting's changes concern the page; news that changed
    too much to name, `changes.everything`, concerns every page) and, for a page
    others open with a target (a work order number, a filter), `open_target(**target)`. A
    page that is hidden when its data changes refreshes the next time it is shown. The
    page's own postings (its operations', and its dialogs') reach it once, through
    `posted(changes)` after their `success`, not also as news from the hub."""

    title = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stale = True
        ctx.hub.changed.connect(self._changes_arrived)
        ctx.user_changed.connect(lambda _user: self._user_arrived())

    def refresh(self) -> None:
        """Read again what the page shows."""

    def affected_by(self, changes: Changes) -> bool:
        return False

    def open_target(self, **target: Any) -> None:
        """Show what another view asked for (`ctx.navigate.emit(key, target)`)."""

    def user_changed(self) -> None:
        """The signed-in user changed: enable what their role allows."""

    def shown(self) -> None:
        """The window made this page the current one."""
        if self.stale:
            self.stale = False
            self.refresh()

    def _user_arrived(self) -> None:
        self.user_changed()
        if self.ctx.user is None:
            return
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True

    def posted(self, changes: Changes) -> None:
        """One of this page's own postings is written: read again what it changed (a page
        whose `success` already shows the posting's result overrides this)."""
        self._take(changes)

    def _changes_arrived(self, changes: Changes) -> None:
        origin = self.ctx.hub.origin
        if origin is not None and origin.owner() is self:
            return  # the echo of our own posting: `posted` follows
        self._take(changes)

    def _take(self, changes: Changes) -> None:
        if not (changes.everything or self.affected_by(changes)):
            return
        if self.isVisible():
            self.refresh()
        else:
            self.stale = True


class ListPage(Page):
    """A list the service reads a page at a time, filtering and sorting it.

    A subclass reads a page of its service in `fetch`, handing it `self.filters`; makes
    `self.model`, a `PagedTableModel` over `fetch`, and `self.table` (a list of documents by
    `documents_table()`); reads its filter widgets in `current_filters()` and names them to
    `watch()` (or `watch_filters()`). Connected to the model's `loaded`, `_loaded` counts the
    rows in `self.count` (so many `noun`s) and selects the first row."""

    noun = ""
    model: PagedTableModel
    table: DataTable

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.filters: dict[str, Any] = {}  # before the model: its first page may load at once
        self.count = caption_label()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(FILTER_PAUSE_MS)
        self._debounce.timeout.connect(self.apply_filters)

    def fetch(self, uow: UnitOfWork, page: PageRequest) -> Any:
        """A page of the list from its service, with `self.filters`."""
        raise NotImplementedError

    def documents_table(
        self,
        layout: QVBoxLayout,
        columns: Sequence[Column[Any]],
        *,
        name: str,
        settings_key: str,
        opens: str | Callable[[Any], object],
        stretch: int | None = None,
        row_style: RowStyle | None = None,
    ) -> None:
        """The list's table of documents (`self.model`, `self.table`, named `name`): read a
        page at a time by `fetch`, sorted by number, counted in `self.count`; a row activated
        opens its document (`opens`: the page shown with its number, or what is called with
        the row)."""
        self.model = PagedTableModel(
            columns,
            self.fetch,
            self,
            sort="number",
            row_style=row_style,
            context=self.ctx,
            autoload=False,
        )
        self.model.loaded.connect(self._loaded)
        self.table = DataTable(
            self.model,
            settings_key=settings_key,
            stretch=len(columns) - 1 if stretch is None else stretch,
        )
        self.table.setObjectName(name)
        if isinstance(opens, str):
            page = opens
            self.table.activated_row.connect(
                lambda r: self.ctx.navigate.emit(page, {"number": r.number})
            )
        else:
            self.table.activated_row.connect(opens)
        layout.addWidget(self.table, 1)

    def watch_filters(self, search: QLineEdit, *others: QLineEdit | QComboBox | QCheckBox) -> None:
        """`watch` the search box and the other filters; Ctrl+F goes to the search box."""
        self.watch(search, *others)
        shortcut(self, "Ctrl+F", search.setFocus)

    def watch(self, *widgets: QLineEdit | QComboBox | QCheckBox) -> None:
        """Filter again when one of `widgets` changes: a text once the typing pauses (or on
        Enter), a choice or a tick at once."""
        for w in widgets:
            if isinstance(w, QLineEdit):
                w.textEdited.connect(lambda _t: self._debounce.start())
                w.returnPressed.connect(self.apply_filters)
            elif isinstance(w, QComboBox):
                w.currentIndexChanged.connect(lambda _i: self.apply_filters())
            else:
                w.toggled.connect(lambda _on: self.apply_filters())

    def current_filters(self) -> dict[str, Any]:
        """What the filter widgets ask for, as the service's keyword arguments."""
        return {}

    @contextmanager
    def setting_filters(self, *widgets: QWidget) -> Iterator[None]:
        """Set filter widgets (to what another page asked for) without filtering at each one:
        the page filters once, when it is shown."""
        for w in widgets:
            w.blockSignals(True)
        try:
            yield
        finally:
            for w in widgets:
                w.blockSignals(False)
        self.stale = True

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.filters = self.current_filters()
        self.stale = False
        self.model.reload()

    def refresh(self) -> None:
        wanted = self.current_filters()
        if wanted != self.filters or not self.model.pages_fetched:
            self.filters = wanted
            self.model.reload()
        else:
            self.model.refresh()

    def _loaded(self, _pages: int) -> None:
        total = self.model.total
        self.count.setText(f"{total:,} {self.noun}{'s' if total != 1 else ''}")
        if self.table.currentIndex().row() < 0:
            self.table.select_first()


class Document(Protocol):
    """What a document's heading shows of it."""

    @property
    def number(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def status_label(self) -> str: ...


class DocumentPage(Page):
    """One document (an order, a fulfillment), opened with `number=...`.

    `header()` lays out the back button to its list, the number as the heading beside its
    status chip and, for an order, its party; `action_row()` the buttons of the actions its
    status may allow, each calling `act(action)`; `_enable()` enables them. A subclass says in
    `forget()` what to clear when another number is opened, and opens an action's dialog
    with `_dialog()`, which shows the document again once the dialog posted."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.number = ""
        self.action_buttons: dict[str, QPushButton] = {}
        self.dialog: Any = None

    def header(self, back: str, to: str, prefix: str, *, party: bool = True) -> QVBoxLayout:
        """The page's layout, its first row laid: `back` returns to the page `to`, the object
        names start with `prefix`; `party_heading` names the customer or vendor."""
        layout = page_layout(self)
        back_button = button(back, lambda: self.ctx.navigate.emit(to, {}), shortcut="Alt+Left")
        self.heading = title_label(self.title)
        self.heading.setObjectName(f"{prefix}_heading")
        self.chip = StatusChip()
        self.chip.setObjectName(f"{prefix}_status")
        self.chip.setFont(font(13, bold=True))
        heads: list[QWidget] = [back_button, self.heading, self.chip]
        if party:
            self.party_heading = title_label("", 16)
            heads.append(self.party_heading)
        layout.addLayout(hbox(*heads, None))
        return layout

    def action_row(
        self,
        actions: Mapping[str, tuple[str, str | None]],
        primary: Container[str],
        name: str,
        *extra: QWidget,
    ) -> QHBoxLayout:
        """A button per action (its text and shortcut; object name `name` + the action), then
        on the right `extra`."""
        row: list[QWidget] = []
        for action, (text, keys) in actions.items():
            b = button(
                text,
                partial(self.act, action),
                shortcut=keys,
                name=f"{name}{action}",
                primary=action in primary,
            )
            self.action_buttons[action] = b
            row.append(b)
        return hbox(*row, None, *extra)

    def show_heading(self, document: Document, party: str | None = None) -> None:
        self.number = document.number
        self.heading.setText(document.number)
        self.chip.set_status(document.status, document.status_label)
        if party is not None:
            self.party_heading.setText(party)

    def open_target(self, **target: Any) -> None:
        number = str(target.get("number") or "")
        if number and number != self.number:
            self.number = number
            self.heading.setText(number)
            self.forget()
            self._enable()
        self.stale = True

    def forget(self) -> None:
        """Clear what the page showed of the document before."""

    def user_changed(self) -> None:
        self._enable()

    def _enable(self) -> None:
        """Enable the actions the document's status and the user's role allow."""

    def act(self, action: str) -> None:
        """Run an action (a button of `action_row`)."""

    def _dialog(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.accepted.connect(self.refresh)
        dialog.open()
