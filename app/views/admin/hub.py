"""Administration: one entry in the navigation for the pages a plant's administrators open
now and then (import, preferences, users, the audit trail, backups, ...), so the pages used
every hour keep the navigation short enough for a floor PC. Each page the signed-in user
may open is a large button with a line saying what it is for; its shortcut still opens it
from anywhere."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import QGridLayout, QPushButton, QWidget

from app.views.common.page import Page
from app.views.common.runner import AppContext
from app.views.common.status import font
from app.views.common.widgets import button, caption_label, page_layout, title_label
from app.views.pages import hub_pages


class AdministrationPage(Page):
    title = "Administration"
    key = "administration"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = page_layout(self)
        layout.addWidget(title_label(self.title))
        layout.addWidget(
            caption_label("The plant's settings and records, for those whose role keeps them.")
        )
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(18)
        self.grid.setVerticalSpacing(12)
        self.grid.setColumnStretch(1, 1)
        layout.addLayout(self.grid)
        layout.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        self._fill()

    def _fill(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.buttons = {}
        for row, spec in enumerate(s for s in hub_pages(self.key) if self.ctx.can(s.permission)):
            open_it = button(spec.title, partial(self.open_page, spec.key), name=f"open_{spec.key}")
            open_it.setFont(font(13, bold=True))
            open_it.setMinimumWidth(220)
            if spec.shortcut:
                open_it.setToolTip(f"{spec.title} ({spec.shortcut})")
            summary = caption_label(
                spec.summary + (f"  ({spec.shortcut})" if spec.shortcut else "")
            )
            self.grid.addWidget(open_it, row, 0)
            self.grid.addWidget(summary, row, 1)
            self.buttons[spec.key] = open_it

    def open_page(self, key: str) -> None:
        self.ctx.navigate.emit(key, {})

    def user_changed(self) -> None:
        self._fill()
