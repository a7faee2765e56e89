"""The dialogs that post: one posting with its refusal shown in the dialog, and the question
asked before a posting that needs nothing more than a yes (close, cancel, put back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from app.errors import ShopfloorError
from app.views.common.runner import AppContext, run_op
from app.views.common.status import MESSAGE_COLOURS, chip_style, font
from app.views.common.widgets import button, caption_label, hbox, title_label


class PostingDialog(QDialog):
    """A dialog that runs one posting: refusals stay in the dialog to be corrected, success
    closes it with a line on the message bar."""

    def __init__(self, ctx: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(560)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(24, 20, 24, 20)
        self.body.setSpacing(12)
        self.body.addWidget(title_label(title, 16))
        self.error = QLabel()
        self.error.setObjectName("dialog_error")
        self.error.setWordWrap(True)
        self.error.setFont(font(12, bold=True))
        self.error.setStyleSheet(chip_style(MESSAGE_COLOURS["error"], padding="8px 12px"))
        self.error.hide()
        self.ok = button("OK", self.submit, primary=True, name="dialog_ok")
        self.cancel = button("Cancel", self.reject, name="dialog_cancel")

    def finish_layout(self, ok_text: str) -> None:
        self.ok.setText(ok_text)
        self.body.addWidget(self.error)
        self.body.addLayout(hbox(None, self.cancel, self.ok))

    def submit(self) -> None:  # pragma: no cover - every dialog has its own
        raise NotImplementedError

    def post(self, fn: Any, *args: Any, done: Any, progress: str, **kwargs: Any) -> None:
        self.ok.setEnabled(False)
        run_op(self, fn, *args, **kwargs).progress(progress).done(done).success(
            lambda _r: self.accept()
        ).failure(self.refused).run()

    def refused(self, exc: ShopfloorError) -> None:
        self.ok.setEnabled(True)
        self.error.setText(exc.message)
        self.error.show()


class ConfirmDialog(PostingDialog):
    """Asks before one posting that takes no input: the question as its title, a sentence on
    what follows, a button to keep things as they are (`keep`) and one to go ahead
    (`confirm`), which posts `fn(*args)`, saying `progress` meanwhile and `done(result)` after.
    """

    def __init__(
        self,
        ctx: AppContext,
        title: str,
        sentence: str,
        fn: Callable[..., Any],
        *args: Any,
        name: str,
        keep: str,
        confirm: str,
        progress: str,
        done: Callable[[Any], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, title, parent)
        self.posting = (fn, args, progress, done)
        self.setObjectName(name)
        self.body.addWidget(caption_label(sentence))
        self.cancel.setText(keep)
        self.finish_layout(confirm)

    def submit(self) -> None:
        fn, args, progress, done = self.posting
        self.post(fn, *args, progress=progress, done=done)


# Closing and cancelling a document, in words: the question ({} is the number), the button
# that keeps the document as it is, what the status bar says meanwhile, and the outcome.
ASKED = {
    "close": ("Close {}?", "Keep it open", "Closing…", "Closed {}"),
    "cancel": ("Cancel {}?", "Keep it", "Cancelling…", "Cancelled {}"),
}


def ask_before(
    action: str,
    ctx: AppContext,
    number: str,
    sentence: str,
    fn: Callable[..., Any],
    *,
    name: str,
    confirm: str,
    parent: QWidget | None = None,
    outcome: Callable[[Any], str] | None = None,
) -> ConfirmDialog:
    """Asks before closing or cancelling (`action`) document `number` with `fn(number)`; the
    outcome is said in the usual words unless the document has more to say (`outcome`)."""
    title, keep, progress, done = ASKED[action]
    return ConfirmDialog(
        ctx,
        title.format(number),
        sentence,
        fn,
        number,
        name=name,
        keep=keep,
        confirm=confirm,
        progress=progress,
        done=outcome or (lambda i: done.format(i.number)),
        parent=parent,
    )
