"""Users: add one (with a PIN), change a role, reset a PIN, deactivate or reactivate."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from app.services import admin, auth
from app.services.admin import UserInfo
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.views.common import format as fmt
from app.views.common.dialogs import PostingDialog
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import LATE, Chip
from app.views.common.table_model import Column, RowTableModel
from app.views.common.widgets import DataTable, button, caption_label, hbox, title_label


def describe_state(u: UserInfo) -> str:
    if not u.active:
        return "deactivated"
    if u.locked_until is not None:
        return f"locked until {fmt.when(u.locked_until)[-5:]}"
    return "active" if u.has_pin else "active, no PIN yet"


def row_style(u: UserInfo) -> Chip | None:
    return LATE if u.locked_until is not None or not u.active else None


COLUMNS: list[Column[UserInfo]] = [
    Column("User", lambda r: r.username, width=200),
    Column("Role", lambda r: r.role, width=140),
    Column("State", describe_state),
]


class UsersPage(Page):
    title = "Users"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        self.add_button = button(
            "&Add user…", self.add, primary=True, name="user_add", shortcut="Ctrl+N"
        )
        self.role_button = button("Change &role…", self.change_role, name="user_role")
        self.pin_button = button("Reset &PIN…", self.reset_pin, name="user_pin")
        self.active_button = button("&Deactivate", self.toggle_active, name="user_active")
        layout.addLayout(
            hbox(
                title_label("Users"),
                None,
                self.add_button,
                self.role_button,
                self.pin_button,
                self.active_button,
            )
        )
        layout.addWidget(
            caption_label(
                "admin: everything · supervisor: everything but preferences, users and "
                "backups · sales: enter sales orders (others approve them) · operator: issue, "
                "complete, build · picker: picking and packing · viewer: read. "
                "Five wrong PINs lock a user for five minutes; a new PIN ends the lock."
            )
        )
        self.model = RowTableModel(COLUMNS, self, row_style=row_style)
        self.table = DataTable(self.model, settings_key="users", stretch=2)
        self.table.setObjectName("users_table")
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._enable())
        layout.addWidget(self.table, 1)
        self.dialog: PostingDialog | None = None

    def refresh(self) -> None:
        run_op(self, admin.list_users).success(self._show).run()

    def _show(self, users: list[UserInfo]) -> None:
        current = self.selected()
        self.model.set_rows(users)
        at = self.model.find(lambda u: current is not None and u.username == current.username)
        self.table.selectRow(at if at >= 0 else 0)
        self._enable()

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.USER)

    def selected(self) -> UserInfo | None:
        row = self.table.current_row()
        return row if isinstance(row, UserInfo) else None

    def user_changed(self) -> None:
        self._enable()

    def _enable(self) -> None:
        may = self.ctx.may("user.update")
        user = self.selected()
        self.add_button.setEnabled(may)
        for b in (self.role_button, self.pin_button, self.active_button):
            b.setEnabled(may and user is not None)
        self.active_button.setText(
            "&Reactivate" if user is not None and not user.active else "&Deactivate"
        )

    def _open(self, dialog: PostingDialog) -> None:
        self.dialog = dialog
        dialog.open()

    def add(self) -> None:
        self._open(UserDialog(self.ctx, None, self))

    def change_role(self) -> None:
        if (u := self.selected()) is not None:
            self._open(UserDialog(self.ctx, u, self, pin=False))

    def reset_pin(self) -> None:
        if (u := self.selected()) is not None:
            self._open(UserDialog(self.ctx, u, self, role=False))

    def toggle_active(self) -> None:
        u = self.selected()
        if u is None:
            return
        run_op(self, admin.update_user, u.username, active=not u.active).done(
            lambda i: f"{i.username} is {'active again' if i.active else 'deactivated'}"
        ).run()


class UserDialog(PostingDialog):
    """A new user (name, role, PIN), or an existing user's role or PIN."""

    def _become(self, name: str, role: str) -> None:
        self.ctx.set_user(auth.signed_in(name, role))
        self.ctx.show_message(f"Added {name} as {role}; you now work as {name}", "success")

    def __init__(
        self,
        ctx: AppContext,
        user: UserInfo | None,
        parent: QWidget | None = None,
        *,
        role: bool = True,
        pin: bool = True,
    ):
        title = (
            "Add a user"
            if user is None
            else (f"Change {user.username}'s role" if not pin else f"New PIN for {user.username}")
        )
        super().__init__(ctx, title, parent)
        self.user = user
        self.setObjectName("user_dialog")
        form = QFormLayout()
        self.name = QLineEdit(user.username if user else "")
        self.name.setObjectName("user_name")
        self.name.setReadOnly(user is not None)
        self.role = QComboBox()
        self.role.setObjectName("user_role_choice")
        for r in admin.roles():
            self.role.addItem(r, r)
        if user is not None:
            self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
        self.pin = QLineEdit()
        self.pin.setObjectName("user_pin_1")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.again = QLineEdit()
        self.again.setObjectName("user_pin_2")
        self.again.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("&Name", self.name)
        self.with_role, self.with_pin = role, pin
        if role:
            form.addRow("&Role", self.role)
        if pin:
            form.addRow("&PIN", self.pin)
            form.addRow("PIN &again", self.again)
        self.body.addLayout(form)
        self.finish_layout("&Save")

    def submit(self) -> None:
        if self.with_pin and self.pin.text() != self.again.text():
            self.error.setText("the two PINs differ")
            self.error.show()
            return
        name, role, secret = self.name.text().strip(), str(self.role.currentData()), self.pin.text()
        if self.user is None:
            first = self.ctx.user is not None and not self.ctx.user.registered
            if first:  # the first user: from now on this workstation works as them
                self.accepted.connect(lambda: self._become(name, role))
            self.post(
                admin.add_user,
                name,
                role,
                secret=secret or None,
                progress="Adding…",
                done=lambda u: (
                    f"Added {u.username} as {u.role}" + ("" if u.has_pin else " (no PIN yet)")
                ),
            )
        elif self.with_pin:
            self.post(
                admin.reset_secret,
                name,
                secret,
                progress="Saving…",
                done=lambda u: f"New PIN set for {u.username}",
            )
        else:
            self.post(
                admin.update_user,
                name,
                role=role,
                progress="Saving…",
                done=lambda u: f"{u.username} is now {u.role}",
            )
