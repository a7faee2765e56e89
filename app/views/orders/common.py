"""What the order views share: opening a linked record, the row of links to the records an
order made, the grid of a document's fields and the address it ships to."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.services import kinds
from app.views.common.runner import AppContext
from app.views.common.status import ACCENT, MUTED, font
from app.views.common.widgets import caption_label, hbox


def open_record(ctx: AppContext, kind: str | None, number: str, origin: str | None = None) -> bool:
    """Open the page that shows a document (a kind without a page of its own, such as a
    receipt, on the page of its `origin`); False when no page shows it."""
    found = kinds.page_for(kind, number, origin)
    if found is None:
        return False
    page, shown = found
    ctx.navigate.emit(page, {"number": shown})
    return True


def links_html(numbers: Sequence[str]) -> str:
    """Document numbers as links (`number` is the link's target)."""
    if not numbers:
        return f"<span style='color:{MUTED}'>—</span>"
    return ", ".join(
        f"<a href='{n}' style='color:{ACCENT}; font-weight:bold'>{n}</a>" for n in numbers
    )


class LinkLabel(QLabel):
    """A label of document-number links; clicking one opens that record."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.numbers: list[str] = []
        self.setFont(font(13))
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.setWordWrap(True)
        self.linkActivated.connect(lambda number: open_record(ctx, None, number))
        self.set_numbers([])

    def set_numbers(self, numbers: Sequence[str]) -> None:
        self.numbers = list(numbers)
        self.setText(links_html(self.numbers))


def fields_grid(
    names: Sequence[tuple[str, str]],
    columns: int,
    bold: Sequence[str] = (),
    widgets: dict[str, QWidget] | None = None,
) -> tuple[QGridLayout, dict[str, QLabel]]:
    """A grid of captions over values, `columns` wide; returns the layout and the value
    labels. `widgets` puts a widget of one's own (a link) in place of a key's label."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(28)
    grid.setVerticalSpacing(2)
    values: dict[str, QLabel] = {}
    top = Qt.AlignmentFlag.AlignTop
    for n, (key, caption) in enumerate(names):
        row, column = (n // columns) * 2, n % columns
        grid.addWidget(caption_label(caption), row, column, top)
        own = (widgets or {}).get(key)
        if own is not None:
            grid.addWidget(own, row + 1, column, top)
            continue
        value = QLabel("—")
        value.setFont(font(13, bold=key in bold))
        value.setObjectName(f"field_{key}")
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        values[key] = value
        grid.addWidget(value, row + 1, column, top)
    for c in range(columns):
        grid.setColumnStretch(c, 1)
    return grid, values


def beside_ship_to(grid: QGridLayout, name: str) -> tuple[QHBoxLayout, QLabel]:
    """The fields (three parts of the width) beside the address the order ships to (one);
    returns the row and the address label, named `name`."""
    ship = QVBoxLayout()
    ship.setSpacing(4)
    ship.addWidget(caption_label("Ships to"))
    ship_to = caption_label()
    ship_to.setObjectName(name)
    ship_to.setFont(font(13))
    ship_to.setStyleSheet("")
    ship.addWidget(ship_to)
    ship.addStretch(1)
    row = hbox(spacing=28)
    row.addLayout(grid, 3)
    row.addLayout(ship, 1)
    return row, ship_to
