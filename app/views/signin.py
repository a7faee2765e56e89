"""Sign in: pick your name (or scan your badge, `#U:<name>`) and type your PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import ShopfloorError
from app.services import auth
from app.services.auth import SignedIn, SignInChoices
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label


class SignInDialog(QDialog):
    """Names to pick from, a PIN field and a line for refusals. A badge scanned into either
    field picks the name and moves to the PIN."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("signin_dialog")
        self.setWindowTitle("Sign in to Shopfloor")
        self.setModal(True)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        layout.addWidget(title_label("Who is working here?"))
        layout.addWidget(caption_label("Pick your name or scan your badge, then type your PIN."))
        self.users = QListWidget()
        self.users.setObjectName("signin_users")
        self.users.setFont(font(15, bold=True))
        self.users.setMinimumHeight(200)
        self.users.itemActivated.connect(lambda _item: self._to_pin())
        self.users.itemClicked.connect(lambda _item: self._to_pin())
        layout.addWidget(self.users)
        self.badge = QLineEdit()
        self.badge.setObjectName("signin_badge")
        self.badge.setPlaceholderText("Scan badge (#U:name) or type a name")
        self.badge.setFont(font(14))
        self.badge.setMinimumHeight(44)
        self.badge.returnPressed.connect(self._badge_entered)
        self.badge.textEdited.connect(self._filter)
        layout.addWidget(self.badge)
        pin_label = QLabel("&PIN")
        pin_label.setFont(font(13, bold=True))
        self.pin = QLineEdit()
        self.pin.setObjectName("signin_pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setFont(font(18))
        self.pin.setMinimumHeight(48)
        self.pin.returnPressed.connect(self.submit)
        pin_label.setBuddy(self.pin)
        layout.addWidget(pin_label)
        layout.addWidget(self.pin)
        self.error = QLabel()
        self.error.setObjectName("signin_error")
        self.error.setWordWrap(True)
        self.error.setFont(font(13, bold=True))
        self.error.hide()
        layout.addWidget(self.error)
        self.sign_in_button = button("Sign in", self.submit, primary=True, name="signin_submit")
        layout.addLayout(hbox(None, self.sign_in_button))
        self.setTabOrder(self.users, self.badge)
        self.setTabOrder(self.badge, self.pin)
        self.setTabOrder(self.pin, self.sign_in_button)
        self.choices = SignInChoices(registered=True, users=[])
        run_op(self, auth.sign_in_choices).success(self._fill).run()

    def _to_pin(self) -> None:
        self.pin.setFocus()

    def _fill(self, choices: SignInChoices) -> None:
        self.choices = choices
        self.users.clear()
        for name in choices.users:
            self.users.addItem(QListWidgetItem(name))
        wanted = self.ctx.user.username if self.ctx.user else self.ctx.base_uow.actor.user
        self.pick(wanted, focus=False)
        if self.users.currentRow() < 0 and self.users.count():
            self.users.setCurrentRow(0)
        self.badge.setFocus()

    def pick(self, name: str, *, focus: bool = True) -> bool:
        for n in range(self.users.count()):
            if self.users.item(n).text() == name:
                self.users.setCurrentRow(n)
                if focus:
                    self.pin.clear()
                    self.pin.setFocus()
                return True
        return False

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        if needle.startswith("#"):
            return
        for n in range(self.users.count()):
            if self.users.item(n).text().lower().startswith(needle):
                self.users.setCurrentRow(n)
                return

    def _badge_entered(self) -> None:
        text = self.badge.text()
        name = auth.badge_user(text) or text.strip()
        self.badge.clear()
        if not name:
            return
        if not self.pick(name):
            self.show_error(f"no active user named {name!r}")

    def selected_user(self) -> str:
        item = self.users.currentItem()
        return item.text() if item is not None else ""

    def submit(self) -> None:
        secret = self.pin.text()
        badge = auth.badge_user(secret)
        if badge:  # a badge scanned into the PIN field
            self.pin.clear()
            if not self.pick(badge):
                self.show_error(f"no active user named {badge!r}")
            return
        name = self.selected_user()
        self.sign_in_button.setEnabled(False)
        run_op(self, lambda uow: auth.sign_in(uow, name, secret)).progress(
            "Checking the PIN…"
        ).success(self._signed_in).failure(self._refused).run()

    def _signed_in(self, user: SignedIn) -> None:
        self.sign_in_button.setEnabled(True)
        self.pin.clear()
        self.ctx.set_user(user)
        self.ctx.show_message(f"Signed in as {user.username} ({user.role})", "success")
        self.accept()

    def _refused(self, exc: ShopfloorError) -> None:
        self.sign_in_button.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        self.show_error(exc.message)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.show()

    def reject(self) -> None:
        # Escape or closing: nobody new signed in. While nobody is signed in the window stays
        # locked behind this dialog.
        if self.ctx.user is None:
            self.show_error("sign in to use Shopfloor")
            return
        super().reject()

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.key() == Qt.Key.Key_Escape and self.ctx.user is None:
            self.show_error("sign in to use Shopfloor")
            return
        super().keyPressEvent(event)
