"""The publication check: each flagged passage of the public report, highlighted, decided.

Left, the published texts with a flagged passage (undecided ones first, marked); right, the
chosen text with its passages highlighted (amber: undecided, struck through: redacted, green:
kept) and the passages listed. Redact (R), Keep (K), Keep the whole text internal (I) and
Undo (U) record the officer's decision through :mod:`scrutiny_app.services.publication`,
which audits it; nothing here changes the text itself.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.errors import UserError
from scrutiny_app.gui.messages import show_error
from scrutiny_app.services import publication
from scrutiny_app.services.publication import CheckedText, Decision, Passage, PublicationCheck
from scrutiny_app.storage.database import Database

_STYLE = {
    None: "background:#ffd166;color:#000;font-weight:bold",
    Decision.REDACT: "background:#f4c7c3;color:#000;text-decoration:line-through",
    Decision.KEEP: "background:#c9e7c3;color:#000",
}


def highlighted(text: CheckedText, current: str | None = None) -> str:
    """The text as HTML with each flagged passage marked by its decision."""
    out, pos = [], 0
    for p in text.passages:
        if p.start < pos:
            continue
        out.append(html.escape(text.text[pos : p.start]))
        style = _STYLE.get(p.decision, _STYLE[None])
        if p.id == current:  # the chosen passage: outlined in the list's colour
            style += ";border-bottom:3px solid #1d3557"
            if p.decision != Decision.REDACT:
                style += ";text-decoration:underline"
        title = html.escape(f"{p.why}: {p.decision.label if p.decision else 'undecided'}")
        out.append(f'<span style="{style}" title="{title}">{html.escape(p.text)}</span>')
        pos = p.end
    out.append(html.escape(text.text[pos:]))
    body = "".join(out).replace("\n", "<br>")
    if text.withheld:
        body = (
            "<p><b>Whole text kept internal</b>: it is left out of the public report.</p>"
            f'<p style="color:#555">{body}</p>'
        )
    return f'<div style="font-size:11pt;line-height:140%">{body}</div>'


class PublicationDialog(QDialog):
    """Decide every flagged passage before the public report is exported."""

    def __init__(
        self,
        db: Database,
        meeting_id: int,
        *,
        actor: str = "",
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.db, self.meeting_id, self.actor = db, meeting_id, actor
        self.setWindowTitle("Publication check: the public report")
        self.check: PublicationCheck = publication.check_publication(db, meeting_id)

        self.banner = QLabel(objectName="publicationBanner")
        self.banner.setWordWrap(True)
        self.texts = QListWidget(objectName="flaggedTexts")
        self.texts.setWordWrap(True)
        self.texts.currentRowChanged.connect(lambda _r: self._show_text())
        self.view = QTextBrowser(objectName="flaggedText")
        self.view.setOpenLinks(False)
        self.passages = QListWidget(objectName="flaggedPassages")
        self.passages.currentRowChanged.connect(lambda _r: self._show_passage())
        self.texts.installEventFilter(self)
        self.passages.installEventFilter(self)

        self.redact = QPushButton("&Redact", objectName="redactPassage")
        self.keep = QPushButton("&Keep as it is", objectName="keepPassage")
        self.withhold = QPushButton("Keep whole text &internal", objectName="withholdText")
        self.undo = QPushButton("&Undo decision", objectName="undoDecision")
        self.redact_all = QPushButton("Redact &every undecided", objectName="redactAll")
        self.redact.setToolTip("Print [redacted] in place of it in the public report (R)")
        self.keep.setToolTip("Publish it as it is (K)")
        self.withhold.setToolTip("Leave this whole text out of the public report (I)")
        self.undo.setToolTip("Make the passage undecided again (U)")
        self.redact.clicked.connect(lambda: self._decide(Decision.REDACT))
        self.keep.clicked.connect(lambda: self._decide(Decision.KEEP))
        self.withhold.clicked.connect(self._toggle_withhold)
        self.undo.clicked.connect(self._undo)
        self.redact_all.clicked.connect(self._redact_all)
        # R, K, I and U act on the chosen passage from either list (an item view would
        # otherwise take a letter as a search).
        self._keys = {
            Qt.Key.Key_R: self.redact,
            Qt.Key.Key_K: self.keep,
            Qt.Key.Key_I: self.withhold,
            Qt.Key.Key_U: self.undo,
        }
        buttons = QHBoxLayout()
        for b in (self.redact, self.keep, self.withhold, self.undo):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.redact_all)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("As written (nothing here is changed):"))
        right_layout.addWidget(self.view, 3)
        right_layout.addWidget(QLabel("Flagged passages:"))
        right_layout.addWidget(self.passages, 2)
        right_layout.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.texts)
        split.addWidget(right)
        split.setSizes([330, 620])

        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if reason:
            why = QLabel(reason, objectName="publicationReason")
            why.setWordWrap(True)
            layout.addWidget(why)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        layout.addWidget(close)
        self._fill()
        self.resize(1000, 620)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            button = self._keys.get(Qt.Key(event.key()))
            if button is not None and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                if button.isEnabled():
                    button.click()
                return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- state

    @property
    def undecided(self) -> int:
        return len(self.check.undecided)

    def _flagged(self) -> list[CheckedText]:
        return sorted(self.check.flagged, key=lambda t: (not t.undecided, t.label))

    def _fill(self, keep: tuple[str, str] | None = None) -> None:
        flagged = self._flagged()
        self.texts.blockSignals(True)
        self.texts.clear()
        for t in flagged:
            n = len(t.undecided)
            mark = f"\u25cf {n} to decide" if n else "\u2713 decided"
            item = QListWidgetItem(f"{t.label}\n    {mark}")
            item.setData(Qt.ItemDataRole.UserRole, (t.entity_uuid, t.field))
            self.texts.addItem(item)
        self.texts.blockSignals(False)
        n = self.undecided
        if not flagged:
            self.banner.setText(
                f"Nothing in the {len(self.check.texts)} published texts looks like personal "
                "data. The public report can be exported."
            )
        elif n:
            self.banner.setText(
                f"<b>{n} passage{'s' if n != 1 else ''} to decide.</b> The public report is not "
                "exported until each one is redacted, kept, or its whole text kept internal."
            )
        else:
            self.banner.setText("<b>Every flagged passage is decided.</b> The public report "
                                "can be exported.")  # fmt: skip
        row = 0
        if keep is not None:
            keys = [self.texts.item(i).data(Qt.ItemDataRole.UserRole) for i in range(len(flagged))]
            row = keys.index(keep) if keep in keys else 0
        self.texts.setCurrentRow(row if flagged else -1)
        self.redact_all.setEnabled(n > 0)
        self._show_text()

    def current_text(self) -> CheckedText | None:
        item = self.texts.currentItem()
        if item is None:
            return None
        key = item.data(Qt.ItemDataRole.UserRole)
        return next((t for t in self.check.flagged if (t.entity_uuid, t.field) == key), None)

    def current_passage(self) -> Passage | None:
        text = self.current_text()
        row = self.passages.currentRow()
        if text is None or not 0 <= row < len(text.passages):
            return None
        return text.passages[row]

    def _show_text(self, passage_row: int | None = None) -> None:
        text = self.current_text()
        self.passages.blockSignals(True)
        self.passages.clear()
        if text is None:
            self.view.clear()
            self.passages.blockSignals(False)
            self._enable()
            return
        for p in text.passages:
            state = "whole text internal" if text.withheld else (
                p.decision.label if p.decision else "UNDECIDED"
            )  # fmt: skip
            self.passages.addItem(f"\u201c{p.text}\u201d \u2014 {p.why} \u2014 {state}")
        self.passages.blockSignals(False)
        if passage_row is None:
            passage_row = next((i for i, p in enumerate(text.passages) if p.decision is None), 0)
        self.passages.setCurrentRow(min(passage_row, len(text.passages) - 1))
        self._show_passage()

    def _show_passage(self) -> None:
        text, passage = self.current_text(), self.current_passage()
        if text is not None:
            self.view.setHtml(highlighted(text, passage.id if passage else None))
        self._enable()

    def _enable(self) -> None:
        text, passage = self.current_text(), self.current_passage()
        live = text is not None and not text.withheld and passage is not None
        self.redact.setEnabled(live)
        self.keep.setEnabled(live)
        self.withhold.setEnabled(text is not None)
        self.withhold.setText(
            "Publish the whole &text again" if text is not None and text.withheld
            else "Keep whole text &internal"
        )  # fmt: skip
        self.undo.setEnabled(live and passage is not None and passage.decision is not None)

    # ----------------------------------------------------------------- decisions

    def _apply(self, change: object) -> None:
        text = self.current_text()
        keep = (text.entity_uuid, text.field) if text else None
        row = self.passages.currentRow()
        try:
            self.check = change()  # type: ignore[operator]
        except UserError as exc:
            show_error(self, "Publication check", exc)
            return
        self._fill(keep)
        text = self.current_text()
        if text is not None and text.undecided:
            row = text.passages.index(text.undecided[0])
        self._show_text(max(row, 0))

    def _decide(self, decision: Decision) -> None:
        passage = self.current_passage()
        text = self.current_text()
        if passage is None or text is None or text.withheld:
            return
        self._apply(
            lambda: publication.decide(
                self.db, self.meeting_id, [passage.id], decision, actor=self.actor
            )
        )

    def _undo(self) -> None:
        passage = self.current_passage()
        if passage is None:
            return
        self._apply(
            lambda: publication.undo_decision(
                self.db, self.meeting_id, [passage.id], actor=self.actor
            )
        )

    def _toggle_withhold(self) -> None:
        text = self.current_text()
        if text is None:
            return
        self._apply(
            lambda: publication.withhold_text(
                self.db,
                self.meeting_id,
                text.entity_uuid,
                text.field,
                not text.withheld,
                actor=self.actor,
            )
        )

    def _redact_all(self) -> None:
        ids = [p.id for _, p in self.check.undecided]
        if ids:
            self._apply(
                lambda: publication.decide(
                    self.db, self.meeting_id, ids, Decision.REDACT, actor=self.actor
                )
            )
