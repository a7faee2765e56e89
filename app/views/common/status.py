"""The one colour palette: status chips, late and short marks, message colours, fonts.

Every view takes its colours from here, so a status looks the same on every screen (and on
the scan station). A status unknown to the palette (a new kind of document) gets a neutral
chip until it is added to `STATUS_COLOURS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget


@dataclass(frozen=True)
class Chip:
    background: str
    foreground: str


# Work order statuses, then the order side's (sales orders, fulfillments, purchase orders).
STATUS_COLOURS: dict[str, Chip] = {
    "firm_planned": Chip("#E3E7F5", "#283593"),
    "open_planned": Chip("#EEE8F7", "#4A2A8C"),
    "released": Chip("#DCEBFB", "#0B4A8F"),
    "in_process": Chip("#FFF0C2", "#6B4D00"),
    "built": Chip("#DDF1DF", "#1B5E20"),
    "closed": Chip("#E6EAEC", "#37474F"),
    "cancelled": Chip("#F1F1F1", "#6E6E6E"),
    # Sales orders: awaiting approval like a plan, approved like a release, part-shipped like
    # work in process, all shipped like built; closed and cancelled as above.
    "pending_approval": Chip("#EEE8F7", "#4A2A8C"),
    "pending_fulfillment": Chip("#DCEBFB", "#0B4A8F"),
    "partially_fulfilled": Chip("#FFF0C2", "#6B4D00"),
    "fulfilled": Chip("#DDF1DF", "#1B5E20"),
    # Fulfillments: picked waits on the floor, packed waits at the door, shipped has left.
    "picked": Chip("#FFF0C2", "#6B4D00"),
    "packed": Chip("#D7F0EE", "#00574F"),
    "shipped": Chip("#DDF1DF", "#1B5E20"),
    # Purchase orders: open is expected, part-received is in progress, received is done.
    "open": Chip("#DCEBFB", "#0B4A8F"),
    "partially_received": Chip("#FFF0C2", "#6B4D00"),
    "received": Chip("#DDF1DF", "#1B5E20"),
    # Vendor returns: approved and waiting like a release, part gone back in progress, all
    # gone back done.
    "pending_return": Chip("#DCEBFB", "#0B4A8F"),
    "partially_returned": Chip("#FFF0C2", "#6B4D00"),
    "returned": Chip("#DDF1DF", "#1B5E20"),
    # Cycle counts: open is being counted (as above), approved waits to post, posted is done.
    "approved": Chip("#D7F0EE", "#00574F"),
    "posted": Chip("#DDF1DF", "#1B5E20"),
    # Transfer orders: all shipped, waiting at the other end like a packed shipment (and a
    # customer return waiting for its goods).
    "pending_receipt": Chip("#D7F0EE", "#00574F"),
}
NEUTRAL = Chip("#ECEFF1", "#37474F")

# Row marks: late work (red) and shortages (orange), always with a word, never colour alone;
# a work order on hold is red too, in a stronger red: nothing moves on it.
LATE = Chip("#FDECEC", "#B71C1C")
SHORT = Chip("#FFF1E0", "#A84300")
HELD = Chip("#F9D6D5", "#8E0000")
OK = Chip("#E8F5E9", "#1B5E20")

# The message line and the scan station's answers.
MESSAGE_COLOURS: dict[str, Chip] = {
    "success": Chip("#DDF1DF", "#1B5E20"),
    "error": Chip("#FDECEC", "#B71C1C"),
    "info": Chip("#DCEBFB", "#0B4A8F"),
    "warning": Chip("#FFF0C2", "#6B4D00"),
}

ACCENT = "#0B4A8F"
MUTED = "#5F6B73"
BASE_POINT_SIZE = 12  # the application font: readable at arm's length
TITLE_POINT_SIZE = 19
FIGURE_POINT_SIZE = 30
ROW_HEIGHT = 34


def chip(status: str) -> Chip:
    return STATUS_COLOURS.get(status, NEUTRAL)


def font(point_size: int = BASE_POINT_SIZE, *, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(point_size)
    f.setBold(bold)
    return f


def chip_style(c: Chip, *, padding: str = "4px 12px") -> str:
    return (
        f"background: {c.background}; color: {c.foreground}; border-radius: 10px; "
        f"padding: {padding}; font-weight: bold;"
    )


class StatusChip(QLabel):
    """A status as a coloured pill with its label in words."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.status = ""

    def set_status(self, status: str, label: str) -> None:
        self.status = status
        self.setText(label)
        self.setStyleSheet(chip_style(chip(status)))


STATUS_ROLE = int(Qt.ItemDataRole.UserRole) + 2  # a table cell's status key, for the chip


class ChipDelegate(QStyledItemDelegate):
    """Paints a table cell holding a status (STATUS_ROLE) as a chip with its label."""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        status = index.data(STATUS_ROLE)
        if not status:
            super().paint(painter, option, index)
            return
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        c = chip(str(status))
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(
                option.rect,
                option.palette.color(QPalette.ColorRole.Highlight),
            )
        f = QFont(option.font)
        f.setBold(True)
        painter.setFont(f)
        metrics = painter.fontMetrics()
        rect: QRect = option.rect
        width = min(rect.width() - 8, metrics.horizontalAdvance(text) + 24)
        height = min(rect.height() - 8, metrics.height() + 8)
        pill = QRect(rect.x() + 4, rect.y() + (rect.height() - height) // 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.background))
        painter.drawRoundedRect(pill, height / 2, height / 2)
        painter.setPen(QColor(c.foreground))
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 28, size.height())
