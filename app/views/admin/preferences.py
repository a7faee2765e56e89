"""Every preference, grouped, each with its sentence; a change is saved at once."""

from __future__ import annotations

from functools import partial

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services import admin
from app.services.engine import changes as kinds
from app.services.engine.changes import Changes
from app.services.engine.preferences import PrefSpec
from app.views.common import format as fmt
from app.views.common.page import Page
from app.views.common.runner import AppContext, run_op
from app.views.common.status import font
from app.views.common.widgets import button, caption_label, hbox, title_label


def group_of(spec: PrefSpec) -> str:
    return str(getattr(spec, "group", "") or "General")


class PreferencesPage(Page):
    title = "Preferences"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The reason codes scraps and returns name are the admin's too, kept on a page of
        # their own opened from here.
        self.reasons_button = button(
            "&Reason codes…",
            lambda: self.ctx.navigate.emit("reason_codes", {}),
            name="open_reason_codes",
        )
        layout.addLayout(
            hbox(
                title_label("Preferences"),
                caption_label("Changes are saved at once and apply plant-wide.", wrap=False),
                None,
                self.reasons_button,
            )
        )
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.grid = QVBoxLayout(body)
        self.grid.setSpacing(16)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        self.editors: dict[str, QWidget] = {}
        groups: dict[str, list[PrefSpec]] = {}
        for spec in admin.preference_specs():
            groups.setdefault(group_of(spec), []).append(spec)
        for name, specs in groups.items():
            box = QFrame()
            box.setObjectName("pref_group")
            box.setStyleSheet(
                "#pref_group { background: white; border: 1px solid #C9D1D6; border-radius: 8px; }"
            )
            grid = QGridLayout(box)
            grid.setContentsMargins(16, 12, 16, 12)
            grid.setHorizontalSpacing(24)
            grid.setVerticalSpacing(6)
            grid.addWidget(title_label(name, 15), 0, 0, 1, 2)
            for n, spec in enumerate(specs, start=1):
                label = QLabel(fmt.words(spec.key).capitalize())
                label.setFont(font(12, bold=True))
                sentence = caption_label(spec.description[0].upper() + spec.description[1:] + ".")
                text_box = QWidget()
                text_layout = QVBoxLayout(text_box)
                text_layout.setContentsMargins(0, 4, 0, 4)
                text_layout.setSpacing(2)
                text_layout.addWidget(label)
                text_layout.addWidget(sentence)
                editor = self._editor(spec)
                grid.addWidget(text_box, n, 0)
                grid.addWidget(editor, n, 1)
            grid.setColumnStretch(0, 1)
            self.grid.addWidget(box)
        self.grid.addStretch(1)
        self.values: dict[str, str] = {}

    def _editor(self, spec: PrefSpec) -> QWidget:
        editor: QWidget
        if spec.is_bool:
            box = QCheckBox("on")
            box.toggled.connect(lambda on, k=spec.key: self.save(k, "true" if on else "false"))
            editor = box
        elif spec.choices:
            combo = QComboBox()
            for choice in spec.choices:
                combo.addItem(fmt.words(choice), choice)
            combo.activated.connect(partial(self._chosen, spec.key, combo))
            combo.setMinimumWidth(260)
            editor = combo
        else:
            line = QLineEdit()
            line.setMinimumWidth(260)
            line.editingFinished.connect(partial(self._typed, spec.key, line))
            editor = line
        editor.setObjectName(f"pref_{spec.key}")
        self.editors[spec.key] = editor
        return editor

    def _chosen(self, key: str, combo: QComboBox, _index: int) -> None:
        self.save(key, str(combo.currentData()))

    def _typed(self, key: str, line: QLineEdit) -> None:
        if line.text() != self.values.get(key):
            self.save(key, line.text())

    def refresh(self) -> None:
        run_op(self, admin.show_preferences).success(self.show_values).run()

    def affected_by(self, changes: Changes) -> bool:
        return changes.touches(kinds.PREFERENCE)

    def show_values(self, values: dict[str, str]) -> None:
        self.values = dict(values)
        editable = self.ctx.may("prefs.set")
        for key, editor in self.editors.items():
            value = values.get(key, "")
            editor.blockSignals(True)
            if isinstance(editor, QCheckBox):
                editor.setChecked(value == "true")
            elif isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)))
            elif isinstance(editor, QLineEdit):
                editor.setText(value)
            editor.blockSignals(False)
            editor.setEnabled(editable)

    def user_changed(self) -> None:
        self.stale = True

    def posted(self, changes: Changes) -> None:
        """A preference this page saved is shown from the posting's result already."""

    def save(self, key: str, value: str) -> None:
        if self.values.get(key) == value:
            return
        run_op(self, admin.set_preference, key, value).done(
            lambda v: f"{fmt.words(key).capitalize()}: {fmt.words(v[key])}"
        ).success(self.show_values).failure(self._refused).run()

    def _refused(self, exc: Exception) -> None:
        self.ctx.show_message(getattr(exc, "message", str(exc)), "error")
        self.refresh()
