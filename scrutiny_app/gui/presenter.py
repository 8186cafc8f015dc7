"""The presenter view: a second window for the room's screen.

It follows the case the officer has open and shows it large: the case's facts, where the
session is with it (members forming their views, the views as anonymous counts once revealed,
the panel's decision) and the live tally of the meeting. It never shows a member's name: it is
built from :class:`PresenterState`, which has no field for one.

With a second screen it opens full screen there; otherwise as an ordinary window (F11 full
screen, Esc leaves full screen or closes it).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain import geo
from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.gui.charts import Bar, TallyChart
from scrutiny_app.gui.models import format_when
from scrutiny_app.gui.review import CONSENSUS_LABELS, VIEWS
from scrutiny_app.gui.session_dialogs import tally_bars
from scrutiny_app.services.cases import SUMMARY_FIELDS, CaseRow, MeetingCases
from scrutiny_app.services.panels import MeetingInfo, PanelInfo
from scrutiny_app.services.session import CaseViews, ReviewTemplate


@dataclass(frozen=True)
class PresenterState:
    """Everything the room sees. No member names: there is nowhere to put one."""

    heading: str  # panel and meeting
    position: str  # "Case 7 of 24"
    reference: str
    facts: tuple[tuple[str, str], ...]
    stage: str  # "views", "decision" or "" (no case)
    stage_text: str  # "Members are forming their views: 2 of 3 in"
    view_bars: tuple[Bar, ...]  # the revealed views as counts per outcome
    decision_text: str  # "Panel decision: Inappropriate (majority)"
    decision_colour: str
    progress: str  # "14 of 24 decided"
    tally: tuple[Bar, ...]
    total: int

    def texts(self) -> list[str]:
        """Every piece of text the window can show (a test checks no name is among them)."""
        out = [self.heading, self.position, self.reference, self.stage_text, self.decision_text]
        out += [f"{k} {v}" for k, v in self.facts]
        out += [b.label for b in self.view_bars] + [b.label for b in self.tally]
        return [*out, self.progress]


def presenter_state(
    panel: PanelInfo | None,
    meeting: MeetingInfo | None,
    cases: MeetingCases | None,
    case: CaseRow | None,
    views: CaseViews | None,
    template: ReviewTemplate | None,
    stage: str,
) -> PresenterState:
    """What the room's screen shows for ``case`` at ``stage``: no member names anywhere."""
    heading = (
        f"{panel.name} · {meeting.date.day} {meeting.date:%B %Y}"
        + (f" · {meeting.theme}" if meeting.theme else "")
        if panel and meeting
        else "Scrutiny"
    )
    tally = tuple(tally_bars(cases)) if cases else ()
    total = len(cases.rows) if cases else 0
    if case is None or cases is None:
        return PresenterState(
            heading, "", "No case selected", (), "", "", (), "", "#888888",
            cases.progress_text if cases else "", tally, total,
        )  # fmt: skip
    tpl = template
    # The case's summary fields first (offence and disposal...), then the rest in the
    # template's order, then the common fields; the window shows the first ten.
    order = list(SUMMARY_FIELDS.get(cases.template.key, ()))
    order += [f.key for f in tpl.fields if f.key not in order] if tpl else []
    order += [k for k in case.fields if k not in order]
    facts: list[tuple[str, str]] = []
    location = geo.location_text(case.fields.get("latitude"), case.fields.get("longitude"))
    if location:
        order = [k for k in order if k not in ("latitude", "longitude")]
    for key in order:
        value = case.fields.get(key)
        if value in (None, ""):
            continue
        text = ("Yes" if value else "No") if isinstance(value, bool) else str(value)
        label = tpl.field_label(key) if tpl else key.replace("_", " ").capitalize()
        facts.append((label, text))
    if location:
        facts.append(("Location", location))
    for label, value in (("Age band", case.age_band), ("Gender", case.gender),
                         ("Area", case.area), ("Date", format_when(case.occurred_at))):  # fmt: skip
        if value:
            facts.append((label, value))
    outcomes = {o.code: o for o in cases.template.outcomes}
    view_bars: tuple[Bar, ...] = ()
    if stage == VIEWS and views is not None:
        stage_text = f"Members are forming their views: {views.count_text}"
    elif views is not None and views.views:
        codes = [v.outcome_code for v in views.views if v.outcome_code]
        stage_text = f"The members' views: {len(codes)}"
        view_bars = tuple(
            Bar(o.label, codes.count(o.code), o.colour) for o in cases.template.outcomes
        )
    else:
        stage_text = "The panel discusses and decides."
    decision, colour = "", "#888888"
    if case.decided and case.outcome_code in outcomes:
        o = outcomes[case.outcome_code]
        consensus = CONSENSUS_LABELS.get(Consensus(case.consensus), "") if case.consensus else ""
        decision = f"Panel decision: {o.label}" + (
            f" ({consensus.lower()})" if consensus and not o.is_carry_over else ""
        )
        if o.is_carry_over:
            decision += " — carried over to the next meeting"
        colour = o.colour
    return PresenterState(
        heading=heading,
        position=f"Case {case.position + 1} of {total}",
        reference=case.reference,
        facts=tuple(facts),
        stage=stage,
        stage_text=stage_text,
        view_bars=view_bars,
        decision_text=decision,
        decision_colour=colour,
        progress=cases.progress_text,
        tally=tally,
        total=total,
    )


def _wraps(widget: QWidget) -> None:
    """Its height follows its width (it holds wrapping text): layouts ask heightForWidth."""
    policy = widget.sizePolicy()
    policy.setHeightForWidth(True)
    widget.setSizePolicy(policy)


class PresenterWindow(QWidget):
    """The room's screen; see the module docstring."""

    closed = Signal()

    MAX_FACTS = 10  # in two columns: what a room can read at a glance

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("presenterWindow")
        self.setWindowTitle("Scrutiny \u2014 presenter view")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.state: PresenterState | None = None
        plain = Qt.TextFormat.PlainText
        root = QVBoxLayout(self)
        root.setContentsMargins(36, 22, 36, 26)
        root.setSpacing(14)

        top = QHBoxLayout()
        self.heading = QLabel()
        self.heading.setTextFormat(plain)
        self.heading.setObjectName("presenterHeading")
        self.heading.setWordWrap(True)
        top.addWidget(self.heading, 1)
        self.marking = QLabel("OFFICIAL-SENSITIVE")
        self.marking.setObjectName("presenterMarking")
        self.marking.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        top.addWidget(self.marking, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(top)

        line = QHBoxLayout()
        self.position = QLabel()
        self.position.setTextFormat(plain)
        self.position.setObjectName("presenterPosition")
        self.reference = QLabel()
        self.reference.setTextFormat(plain)
        self.reference.setObjectName("presenterReference")
        self.reference.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        line.addWidget(self.position)
        line.addSpacing(18)
        line.addWidget(self.reference)
        line.addStretch(1)
        self.progress = QLabel()
        self.progress.setTextFormat(plain)
        self.progress.setObjectName("presenterProgress")
        line.addWidget(self.progress)
        root.addLayout(line)

        # The case and the tally; on a screen too small for all of it, it scrolls (long values
        # wrap, never cut).
        self.body_scroll = QScrollArea()
        self.body_scroll.setObjectName("presenterBodyScroll")
        self.body_scroll.setWidgetResizable(True)
        self.body_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body_host = QWidget()
        body_host.setObjectName("presenterBody")
        _wraps(body_host)  # the scroll area sizes it by its wrapped text
        self.body_scroll.setWidget(body_host)
        body = QHBoxLayout(body_host)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(36)
        self.facts_frame = QFrame()
        self.facts_frame.setObjectName("presenterFacts")
        _wraps(self.facts_frame)
        self.facts = QGridLayout(self.facts_frame)
        self.facts.setHorizontalSpacing(28)
        self.facts.setVerticalSpacing(14)
        self.facts.setColumnStretch(0, 1)
        self.facts.setColumnStretch(1, 1)
        body.addWidget(self.facts_frame, 11)

        side = QVBoxLayout()
        side.setSpacing(10)
        self.stage = QLabel()
        self.stage.setTextFormat(plain)
        self.stage.setObjectName("presenterStage")
        self.stage.setWordWrap(True)
        side.addWidget(self.stage)
        self.view_chart = TallyChart(self, font_scale=1.3, labels_above=True)
        self.view_chart.set_dark(True)
        self.view_chart.setAccessibleName("The members' views (counts only)")
        side.addWidget(self.view_chart)
        self.decision = QLabel()
        self.decision.setTextFormat(plain)
        self.decision.setObjectName("presenterDecision")
        self.decision.setWordWrap(True)
        side.addWidget(self.decision)
        side.addSpacing(10)
        self.tally_title = QLabel("Panel decisions so far")
        self.tally_title.setObjectName("presenterTallyTitle")
        side.addWidget(self.tally_title)
        self.tally = TallyChart(self, font_scale=1.3, labels_above=True)
        self.tally.set_dark(True)
        side.addWidget(self.tally)
        side.addStretch(1)
        body.addLayout(side, 9)
        root.addWidget(self.body_scroll, 1)

    # ------------------------------------------------------------------ state

    def set_state(self, state: PresenterState) -> None:
        self.state = state
        self.heading.setText(state.heading)
        self.position.setText(state.position)
        self.reference.setText(state.reference)
        self.progress.setText(state.progress)
        while self.facts.count():
            item = self.facts.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for i, (key, value) in enumerate(state.facts[: self.MAX_FACTS]):
            cell = QWidget()
            _wraps(cell)
            layout = QVBoxLayout(cell)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.setSpacing(2)
            k = QLabel(key)
            k.setObjectName("presenterFactKey")
            k.setWordWrap(True)
            k.setTextFormat(Qt.TextFormat.PlainText)
            v = QLabel(value or "\u2014")
            v.setObjectName("presenterFactValue")
            v.setWordWrap(True)
            v.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(k)
            layout.addWidget(v)
            layout.addStretch(1)  # a short fact stays at the top of a tall row
            self.facts.addWidget(cell, i // 2, i % 2)  # no alignment: the height follows the wrap
            cell.show()
        rows = (min(len(state.facts), self.MAX_FACTS) + 1) // 2
        for row in range(self.facts.rowCount()):
            self.facts.setRowStretch(row, 0)
        self.facts.setRowStretch(rows, 1)  # the facts at the top, the space below them
        self.stage.setText(state.stage_text)
        self.view_chart.set_bars(state.view_bars)
        self.view_chart.setVisible(bool(state.view_bars))
        self.decision.setText(state.decision_text)
        self.decision.setVisible(bool(state.decision_text))
        if state.decision_text:
            self.decision.setStyleSheet(f"border-left: 12px solid {state.decision_colour};")
        self.tally.set_bars(state.tally)

    def visible_texts(self) -> list[str]:
        """The text of every label on the window (for the no-names test)."""
        return [label.text() for label in self.findChildren(QLabel)] + [
            b.label for chart in (self.view_chart, self.tally) for b in chart.bars
        ]

    # ------------------------------------------------------------------ screens

    def show_on_room_screen(self, main_screen: QScreen | None) -> bool:
        """Full screen on a screen other than ``main_screen`` if there is one; True if so."""
        others = [s for s in QGuiApplication.screens() if s is not main_screen]
        if others and main_screen is not None:
            screen = others[0]
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
            self.showFullScreen()
            return True
        available = main_screen.availableGeometry() if main_screen is not None else None
        if available is not None:
            self.resize(int(available.width() * 0.8), int(available.height() * 0.8))
        else:
            self.resize(1280, 720)
        self.showNormal()
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.showFullScreen()
            return
        if event.key() == Qt.Key.Key_Escape:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        event.accept()
        self.closed.emit()
