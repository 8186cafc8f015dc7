"""The panel session's side of the main window: who is using the app, the review form's two
stages, saving as changes are made, tags, undo and redo, time spent, the presenter view, the
agreement and the session summary.

:class:`SessionMixin` is mixed into :class:`~scrutiny_app.gui.main_window.MainWindow`, which
owns the widgets (built from ``ui/main_window.ui`` and :class:`~scrutiny_app.gui.review.
ReviewForm`) and the selection; the methods here react to the form and call the services.
Every change is saved as it is made: buttons at once, text after a short pause in typing and
when the box loses the focus, so a crash loses at most the text being typed. Each save is one
step of the undo history (:class:`~scrutiny_app.services.history.History`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from scrutiny_app.domain.vocab import Consensus, MeetingStatus
from scrutiny_app.errors import UserError
from scrutiny_app.gui.charts import Bar
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.models import format_when
from scrutiny_app.gui.presenter import PresenterState, PresenterWindow
from scrutiny_app.gui.review import DECISION, VIEWS, ReviewForm
from scrutiny_app.gui.session_dialogs import (
    AgreementDialog,
    AttendanceDialog,
    DeclareInterestDialog,
    SessionSummaryDialog,
    WhoIsUsingDialog,
    tally_bars,
)
from scrutiny_app.services import cases as case_service
from scrutiny_app.services import panels, session, tags
from scrutiny_app.services.agreement import MeetingAgreement, meeting_agreement
from scrutiny_app.services.cases import SUMMARY_FIELDS, CaseRow, MeetingCases
from scrutiny_app.services.history import Change, History
from scrutiny_app.services.panels import AttendeeInfo, MeetingInfo
from scrutiny_app.services.session import CaseViews, ReviewTemplate, SessionUser
from scrutiny_app.storage import Database

if TYPE_CHECKING:
    from PySide6.QtWidgets import QPushButton, QTextBrowser, QToolButton

CONSENSUS_LABELS = {
    Consensus.UNANIMOUS: "Unanimous",
    Consensus.MAJORITY: "Majority",
    Consensus.NONE: "No consensus",
}


def humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


class SessionMixin:
    """The session half of the main window (see the module docstring)."""

    # Provided by MainWindow (widgets from the form, state set up in its __init__).
    db: Database
    review: ReviewForm
    history: History
    presenter: PresenterWindow | None
    acting_button: QToolButton
    record_button: QPushButton
    case_details: QTextBrowser
    _cases: MeetingCases | None
    _editing: CaseRow | None
    _views: CaseViews | None
    _template: ReviewTemplate | None
    _attendance: tuple[AttendeeInfo, ...]
    _actors: dict[int, SessionUser]
    _asked_who: set[int]
    _fallback_user: SessionUser
    _agreement: MeetingAgreement | None
    _pending: dict[str, str]
    _pending_item: int | None
    _busy: bool
    _outcome_actions: list[QAction]
    _clock: QElapsedTimer
    _clock_item: int | None
    _clock_banked_ms: int
    _save_timer: QTimer
    current_dialog: Any

    # ================================================================== who is using the app

    def _check_actor(self, meeting_id: int) -> None:
        """Drop the acting user if they are no longer marked present."""
        user = self._actors.get(meeting_id)
        if user is None:
            return
        present = {a.member_id for a in self._attendance if a.present}
        if user.member_id not in present:
            del self._actors[meeting_id]
            self.show_status(
                f"{user.name} is no longer marked present: choose who is using the app"
            )
        else:
            role = next(a.role for a in self._attendance if a.member_id == user.member_id)
            if role != user.role:
                self._actors[meeting_id] = SessionUser(user.member_id, user.name, role)

    def _present_users(self) -> list[SessionUser]:
        return [SessionUser(a.member_id, a.name, a.role) for a in self._attendance if a.present]

    def _maybe_ask_who(self, meeting: MeetingInfo) -> None:
        """At the start of a session (a planned or sitting meeting with people present): ask
        who is using the app, once per meeting."""
        if meeting.id in self._asked_who or meeting.id in self._actors:
            return
        session_time = meeting.status in (MeetingStatus.PLANNED, MeetingStatus.IN_SESSION)
        if not session_time or not self._present_users():
            return  # browsing a meeting already held: Ctrl+U still says who is acting
        if self.current_dialog is not None:
            return
        self._asked_who.add(meeting.id)
        self.ask_who()

    def ask_who(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        users = self._present_users()
        if not users:
            QMessageBox.information(
                self,
                "Who is using the app?",
                "Nobody is marked present at this meeting yet. Record the attendance first "
                "(Meeting ▸ Attendance and declarations, Ctrl+Shift+A).",
            )
            return
        self._asked_who.add(meeting.id)
        current = self.acting().member_id
        warnings = {a.member_id: a.warnings(meeting.date) for a in self._attendance if a.present}
        meeting_id = meeting.id

        def choose(user: SessionUser | None) -> None:
            self.set_acting(meeting_id, user)

        dialog = WhoIsUsingDialog(
            self,
            users,
            meeting_title=f"{meeting.panel_name} · {meeting.title}",
            current=current,
            warnings=warnings,
            on_choose=choose,
        )
        self._open_dialog(dialog)

    def set_acting(self, meeting_id: int, user: SessionUser | None) -> None:
        """Make ``user`` (None: someone not on the attendance) the one using the app."""
        self.flush_edits()
        before = self._actors.get(meeting_id)
        if user is None:
            self._actors.pop(meeting_id, None)
        else:
            self._actors[meeting_id] = user
        if before != user:
            self.history.clear()  # nobody undoes someone else's work
        if user is not None:
            try:
                if session.start_session(self.db, meeting_id, actor=user.name):
                    self.refresh()
            except Exception as exc:
                show_error(self, "Start the session", exc)
        self._fill_session_header()
        self._show_case(self._editing and self._current_row(self._editing.item_id))
        self._update_actions()
        self.show_status(f"Using the app: {self.acting().label}")

    def edit_attendance(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        self.flush_edits()
        meeting_id = meeting.id

        def change(member_id: int, present: bool, role: str, declarations: str) -> None:
            panels.set_attendance(
                self.db,
                meeting_id,
                member_id,
                present=present,
                role=role,
                declarations=declarations,
                actor=self.acting().name,
            )
            self._attendance = panels.meeting_attendance(self.db, meeting_id)
            self._check_actor(meeting_id)
            self._fill_session_header()
            self._show_case(self._editing and self._current_row(self._editing.item_id))
            self._update_actions()

        dialog = AttendanceDialog(
            self,
            self._attendance,
            meeting_title=f"{meeting.panel_name} · {meeting.title}",
            meeting_date=meeting.date,
            on_change=change,
        )
        self._open_dialog(dialog)

    # ================================================================== the review form

    def _ensure_outcome_actions(self, template: ReviewTemplate) -> None:
        """Number keys 1-9 choose an outcome of the stage shown (Meeting ▸ Outcome)."""
        outcomes = template.template.outcomes
        signature = (template.template.key, tuple(o.code for o in outcomes))
        if signature == self._outcome_template:
            return
        self._outcome_template = signature
        for action in self._outcome_actions:
            self.removeAction(action)
            self.menu_outcome.removeAction(action)
            action.deleteLater()
        self._outcome_actions.clear()
        for i, outcome in enumerate(outcomes[:9]):
            key = str(i + 1)
            action = QAction(f"&{key}  {outcome.label}", self)
            action.setShortcut(QKeySequence(key))
            action.setObjectName(f"actionOutcome_{outcome.code}")
            action.triggered.connect(partial(self.choose_outcome, outcome.code))
            self.addAction(action)
            self.menu_outcome.addAction(action)
            self._outcome_actions.append(action)

    def _current_row(self, item_id: int) -> CaseRow | None:
        return self._cases.row(item_id) if self._cases is not None else None

    def _stage_for(self, case: CaseRow, views: CaseViews | None) -> str:
        if case.decided or case.revealed or views is None:
            return DECISION
        if not views.expected and not views.recorded:
            return DECISION  # nobody present records views: the panel decides directly
        return VIEWS

    def _show_case(self, case: CaseRow | None) -> None:
        """Show ``case`` in the details pane and the review form (from what is saved)."""
        previous = self._editing.item_id if self._editing is not None else None
        self._editing = case
        if case is not None:
            self.case_proxy.pinned = case.item_id
        if case is None or case.item_id != previous:
            self._start_clock(case.item_id if case else None)
        self.case_details.setHtml(self._case_html(case) if case else "")
        self._views = None
        if case is not None:
            try:
                self._views = session.case_views(
                    self.db, case.item_id, viewer_member_id=self.acting().member_id
                )
            except Exception as exc:
                show_error(self, "Cannot read the views", exc)
        self._fill_form()
        self._update_actions()
        self._update_presenter()

    def _fill_form(self) -> None:
        """Put the saved state of the current case into the review form."""
        r = self.review
        case, views = self._editing, self._views
        enabled = case is not None and self._template is not None
        r.setEnabled(enabled)
        if case is None or self._template is None:
            r.set_stage(DECISION)
            r.box.setTitle("Review")
            with r.loading():
                r.decision_outcomes.set_checked(None)
                r.view_outcomes.set_checked(None)
                for key in r.text_edits:
                    r.set_text(key, "")
                r.tag_editor.set_tags([])
            r.views_panel.set_views([], {})
            r.status_label.setText("Select a case in the list to review it.")
            return
        stage = self._stage_for(case, views)
        r.set_stage(stage)
        r.box.setTitle(f"Review — {case.reference}")
        user = self.acting()
        with r.loading():
            r.tag_editor.set_tags(case.tags)
            if stage == VIEWS and views is not None:
                self._fill_views_stage(case, views, user)
            else:
                self._fill_decision_stage(case, views)
        self._update_status()

    def _fill_views_stage(self, case: CaseRow, views: CaseViews, user: SessionUser) -> None:
        r = self.review
        own = views.own
        r.view_outcomes.set_checked(own.outcome_code if own else None)
        r.set_text("view:note", own.note if own else "")
        r.view_questions.set_answers(own.answers if own else {})
        declared = views.declared(user.member_id)
        blocked = ""
        if user.member_id is None:
            blocked = (
                f"You are using the app as {html.escape(user.name)}, who is not on the "
                "attendance: only members present record a view. Choose who is using the app "
                "with Ctrl+U."
            )
        elif declared is not None:
            blocked = (
                "You declared an interest in this case"
                + (f" ({html.escape(declared.reason)})" if declared.reason else "")
                + ": you do not record a view on it."
            )
        elif not user.can_judge:
            blocked = (
                f"You attend as {html.escape(user.role_label)}: only panel members record a "
                "view. The members' views stay hidden until you reveal them."
            )
        r.own_box.setVisible(not blocked)
        r.own_box.setTitle(f"Your view — {user.name}")
        r.blocked_label.setText(blocked)
        r.blocked_label.setVisible(bool(blocked))
        names = {a.member_id: a.name for a in self._attendance}
        done = set(views.recorded)
        waiting = [m for m in views.expected if m not in done]
        parts = [f"✓ {html.escape(names.get(m, '?'))}" for m in views.recorded] + [
            f"… {html.escape(names.get(m, '?'))}" for m in waiting
        ]
        interests = [f"{html.escape(i.name)} declared an interest" for i in views.interests]
        r.views_in_label.setText(
            f"<b>{views.count_text}</b>"
            + (": " + " &nbsp; ".join(parts) if parts else "")
            + ("<br>" + "; ".join(interests) if interests else "")
            + "<br><span style='color:#5b6472'>The views stay hidden until the chair or the "
            "officer reveals them (Ctrl+Shift+V).</span>"
        )
        r.reveal_button.setEnabled(user.can_reveal)
        r.reveal_button.setToolTip(
            "Show every member's view on this case (Ctrl+Shift+V)"
            if user.can_reveal
            else "Only the chair or the scrutiny officer reveals the views"
        )
        r.declare_button.setText(
            "Withdraw my declaration" if declared is not None else "Declare an interest…"
        )
        r.declare_button.setEnabled(user.member_id is not None)

    def _fill_decision_stage(self, case: CaseRow, views: CaseViews | None) -> None:
        r = self.review
        outcomes = r.outcomes()
        shown = views.views if views is not None else ()
        r.views_panel.set_views(shown, outcomes)
        has_views = any(v.outcome_code for v in shown)
        r.views_title.setVisible(bool(shown) or bool(views and views.recorded))
        r.views_panel.setVisible(bool(shown))
        agreement = ""
        if has_views:
            codes = [v.outcome_code for v in shown if v.outcome_code]
            top = max(set(codes), key=codes.count)
            n = len(codes)
            pairs = n * (n - 1)
            same = sum(codes.count(c) * (codes.count(c) - 1) for c in set(codes))
            if n == 1:
                agreement = f"One view: {outcomes[top].label}"
            elif codes.count(top) == n:
                agreement = f"All {n} members chose {outcomes[top].label}"
            else:
                order = list(outcomes)
                split = sorted(set(codes), key=lambda c: (-codes.count(c), order.index(c)))
                agreement = "Split: " + ", ".join(
                    f"{codes.count(c)} {outcomes[c].label}" for c in split
                )
            if pairs:
                agreement += f" · pairwise agreement {100 * same / pairs:.0f}%"
        r.case_agreement_label.setText(agreement)
        r.case_agreement_label.setVisible(bool(agreement))
        r.decision_outcomes.set_checked(case.outcome_code)
        outcome = (
            self._template.template.outcome(case.outcome_code)
            if (self._template and case.outcome_code)
            else None
        )
        r.set_consensus(case.consensus or Consensus.UNANIMOUS.value)
        r.consensus_combo.setEnabled(case.decided and not (outcome and outcome.is_carry_over))
        for name in ("observations", "good_practice", "individual_learning",
                     "organisational_learning", "dissent"):  # fmt: skip
            key = f"decision:{name}"
            if self._pending_item == case.item_id and key in self._pending:
                continue  # typed, not saved yet: what the box shows is newer
            r.set_text(key, getattr(case, name))
        for key, edit in r.text_edits.items():
            if key.startswith("decision:"):
                edit.setEnabled(case.decided)
        r.set_internal(case.internal)
        r.internal_check.setEnabled(case.decided)
        r.decision_questions.set_answers(case.answers)
        r.decision_questions.setEnabled(case.decided)
        keys = len(self._outcome_actions)
        r.decision_hint.setText(
            ""
            if case.decided
            else f"Choose the panel's outcome (keys 1–{keys}) to start the record."
        )
        r.decision_hint.setVisible(not case.decided)

    def _update_status(self) -> None:
        r = self.review
        case = self._editing
        if case is None:
            return
        keys = len(self._outcome_actions)
        if r.stage == VIEWS:
            views = self._views
            own = views.own if views else None
            if own is not None and own.outcome_code:
                state = f"Your view: <b>{html.escape(r.outcomes()[own.outcome_code].label)}</b>"
            else:
                state = "Stage 1: each member records their own view"
            hint = f"Press 1–{keys} for your view; Ctrl+Enter: next case."
        else:
            if case.decided:
                state = f"Decided: <b>{html.escape(case.outcome_label)}</b>"
                if case.consensus:
                    state += f" ({CONSENSUS_LABELS.get(Consensus(case.consensus), case.consensus).lower()})"
                if case.recorded_by:
                    state += f" · recorded by {html.escape(case.recorded_by)}"
            else:
                state = "Stage 2: the panel decides"
            hint = f"Press 1–{keys} for the panel's outcome; Ctrl+Enter: decided, next case."
        if self._pending:
            state += " &nbsp;<span style='color:#9a5b00'>saving…</span>"
        else:
            state += " &nbsp;<span style='color:#2e7d32'>✓ saved</span>"
        r.status_label.setText(f"{state}<br><span style='color:#5b6472'>{hint}</span>")

    def _case_html(self, case: CaseRow) -> str:
        tpl = self._template
        rows: list[tuple[str, str]] = [
            ("Date", format_when(case.occurred_at)),
            ("Area", case.area),
            ("Age band", case.age_band),
            ("Gender", case.gender),
            ("Self-defined ethnicity", case.self_defined_ethnicity),
            ("Officer-defined ethnicity", case.officer_defined_ethnicity),
        ]
        kinds = {f.key: f.kind for f in tpl.fields} if tpl else {}
        order = [f.key for f in tpl.fields] if tpl else []
        keys = [k for k in order if k in case.fields] + [k for k in case.fields if k not in order]
        for k in keys:
            value = case.fields[k]
            if kinds.get(k) == "bool" or isinstance(value, bool):
                text = (
                    {True: "Yes", False: "No"}.get(value, str(value))
                    if isinstance(value, bool)
                    else str(value)
                )
            else:
                text = str(value)
            rows.append((tpl.field_label(k) if tpl else humanise(k), text))
        selection = humanise(case.selection)
        if case.carried_from_id is not None:
            selection += " from the previous meeting (no consensus there)"
        rows.append(("In sample as", selection))
        if case.seconds_spent:
            rows.append(("Time spent so far", session.format_duration(case.seconds_spent)))
        body = "".join(
            f"<tr><td class='k' width='38%'>{html.escape(k)}</td>"
            f"<td>{html.escape(v) if v else '—'}</td></tr>"
            for k, v in rows
        )
        position = case.position + 1
        total = len(self._cases.rows) if self._cases else position
        return (
            "<style>td{padding:3px 10px 3px 0; vertical-align:top;} td.k{color:#5b6472;}"
            "p.m{color:#9b1c1c; font-weight:700; margin:0 0 4px 0;}"
            "h2{margin:0 0 6px 0; font-family:'DejaVu Sans Mono',monospace;}</style>"
            "<p class='m'>OFFICIAL-SENSITIVE</p>"
            f"<h2>{html.escape(case.reference)}</h2>"
            f"<p style='color:#5b6472; margin:0 0 8px 0'>Case {position} of {total}"
            + (f" · {html.escape(case.summary)}" if case.summary else "")
            + "</p>"
            f"<table cellspacing='0' width='100%'>{body}</table>"
        )

    # ------------------------------------------------------------------ saving

    def _push(self, change: Change | None) -> None:
        self.history.push(change)
        self._update_undo_actions()

    def _after_save(self, item_id: int, *, reload_form: bool) -> None:
        """Re-read one case after a change: its row, the header, the presenter, the form."""
        try:
            row = case_service.case_row(self.db, item_id)
        except Exception as exc:
            show_error(self, "Cannot read the case", exc)
            return
        if self._cases is not None:
            self._cases = self._cases.with_row(row)
        self.case_model.update_row(row)
        if self._cases is not None:
            self._fill_counts(self._cases)
            self._fill_session_header()
            meeting = self.selected_meeting()
            item = self._find_item(("meeting", meeting.id)) if meeting else None
            if item is not None and meeting is not None:
                self._set_meeting_subtitle(
                    item, meeting.status, self._cases.decided_count, len(self._cases.rows)
                )
        if self._editing is not None and self._editing.item_id == item_id:
            self._editing = row
            if reload_form:
                try:
                    self._views = session.case_views(
                        self.db, item_id, viewer_member_id=self.acting().member_id
                    )
                except Exception as exc:
                    show_error(self, "Cannot read the views", exc)
                self._fill_form()
            else:
                self._update_status()
        self._update_actions()
        self._update_presenter()

    def _run(self, title: str, fn: Callable[[], Change | None]) -> Change | bool | None:
        """Call a saving service; errors in a box. False if it failed."""
        try:
            change = fn()
        except UserError as exc:
            show_error(self, title, exc)
            return False
        except Exception as exc:
            show_error(self, title, exc)
            return False
        self._push(change)
        return change

    def choose_outcome(self, code: str, *_args: object) -> None:
        """Pick ``code`` for the stage the form shows (a button or its number key); saved."""
        case = self._editing
        if case is None or self._template is None or self._busy:
            return
        if self._template.template.outcome(code) is None:
            return
        self.flush_edits()
        user = self.acting()
        if self.review.stage == VIEWS:
            views = self._views
            if (
                user.member_id is None
                or not user.can_judge
                or (views is not None and views.declared(user.member_id))
            ):
                self.review.view_outcomes.set_checked(
                    views.own.outcome_code if views and views.own else None
                )
                self.show_status(
                    f"{user.name} does not record a view on {case.reference} "
                    "(see the form for why)."
                )
                return
            result = self._run(
                "Record your view",
                lambda: session.record_view(
                    self.db, case.item_id, user.member_id, outcome_code=code, actor=user.name
                ),
            )
        else:
            result = self._run(
                "Record the panel decision",
                lambda: session.save_decision(
                    self.db, case.item_id, outcome_code=code, actor=user.name
                ),
            )
        self._after_save(case.item_id, reload_form=True)
        if result is not False:
            label = self._template.template.label(code)
            who = "Your view" if self.review.stage == VIEWS else "Panel decision"
            self.show_status(f"{who} on {case.reference}: {label} (saved)")

    def _outcome_clicked(self, _stage: str, code: str) -> None:
        self.choose_outcome(code)

    def _text_edited(self, key: str, text: str) -> None:
        case = self._editing
        if case is None:
            return
        if self._pending_item not in (None, case.item_id):
            self.flush_edits()
        self._pending_item = case.item_id
        self._pending[key] = text
        self._save_timer.start()
        self._update_status()

    def _text_left(self, key: str) -> None:
        if key in self._pending:
            self.flush_edits()
        self.history.seal()

    def flush_edits(self) -> bool:
        """Save the text typed since the last save; True if everything is saved."""
        self._save_timer.stop()
        if not self._pending:
            return True
        item_id, pending = self._pending_item, dict(self._pending)
        self._pending.clear()
        if item_id is None:
            return True
        user = self.acting()
        ok = True
        for key, text in pending.items():
            stage, name = key.split(":", 1)
            if stage == "view":
                if user.member_id is None:
                    continue
                member_id = user.member_id
                result = self._run(
                    "Save your note",
                    lambda member_id=member_id, text=text: session.record_view(
                        self.db, item_id, member_id, note=text, actor=user.name
                    ),
                )
            else:
                result = self._run(
                    "Save the panel decision",
                    lambda name=name, text=text: session.save_decision(
                        self.db, item_id, actor=user.name, **{name: text}
                    ),
                )
            ok = ok and result is not False
        self._pending_item = None
        self._after_save(item_id, reload_form=False)
        return ok

    def _answer_chosen(self, stage: str, key: str, answer: str) -> None:
        case = self._editing
        if case is None:
            return
        user = self.acting()
        if stage == VIEWS:
            if user.member_id is None:
                return
            member_id = user.member_id
            self._run(
                "Record your answer",
                lambda: session.record_view(
                    self.db, case.item_id, member_id, answers={key: answer}, actor=user.name
                ),
            )
        else:
            self._run(
                "Record the panel's answer",
                lambda: session.save_decision(
                    self.db, case.item_id, answers={key: answer}, actor=user.name
                ),
            )
        self._after_save(case.item_id, reload_form=True)

    def _consensus_chosen(self, value: str) -> None:
        case = self._editing
        if case is None or self._template is None:
            return
        if value == Consensus.NONE:  # "no consensus" is the carry-over outcome
            carry = next((o for o in self._template.template.outcomes if o.is_carry_over), None)
            if carry is not None:
                self.choose_outcome(carry.code)
                return
        user = self.acting()
        self._run(
            "Record the consensus",
            lambda: session.save_decision(self.db, case.item_id, consensus=value, actor=user.name),
        )
        self._after_save(case.item_id, reload_form=True)

    def _internal_chosen(self, internal: bool) -> None:
        case = self._editing
        if case is None:
            return
        user = self.acting()
        self._run(
            "Keep out of the public report",
            lambda: session.save_decision(
                self.db, case.item_id, internal=internal, actor=user.name
            ),
        )
        self._after_save(case.item_id, reload_form=True)

    # ------------------------------------------------------------------ tags

    def add_tag(self, name: str) -> None:
        case, panel = self._editing, self.selected_panel()
        if case is None or panel is None:
            return
        user = self.acting()
        try:
            change = tags.add_tag(self.db, case.item_id, name, actor=user.name)
        except tags.SimilarTag as similar:
            answer = QMessageBox.question(
                self,
                "Add a tag",
                f"{similar}\n\nYes: use \u201c{similar.existing}\u201d. "
                f"No: make \u201c{similar.name}\u201d a new tag.",
                QMessageBox.StandardButton.Yes
                | QMessageBox.StandardButton.No
                | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Yes,
            )
            if answer == QMessageBox.StandardButton.Cancel:
                return
            use = similar.existing if answer != QMessageBox.StandardButton.No else similar.name
            result = self._run(
                "Add a tag",
                lambda: tags.add_tag(
                    self.db, case.item_id, use, allow_similar=True, actor=user.name
                ),
            )
            if result is False:
                return
        except UserError as exc:
            show_error(self, "Add a tag", exc)
            return
        else:
            self._push(change)
        self.review.tag_editor.clear_input()
        self.review.tag_editor.set_completions([t.name for t in tags.list_tags(self.db, panel.id)])
        self._after_save(case.item_id, reload_form=True)

    def remove_tag(self, name: str) -> None:
        case = self._editing
        if case is None:
            return
        user = self.acting()
        self._run(
            "Remove a tag", lambda: tags.remove_tag(self.db, case.item_id, name, actor=user.name)
        )
        self._after_save(case.item_id, reload_form=True)

    # ------------------------------------------------------------------ stages

    def reveal_views(self, *_args: object) -> None:
        case = self._editing
        if case is None:
            return
        user = self.acting()
        self.flush_edits()
        try:
            session.reveal_views(
                self.db, case.item_id, by_member_id=user.member_id, actor=user.name
            )
        except Exception as exc:
            show_error(self, "Reveal the views", exc)
            return
        meeting = self.selected_meeting()
        if meeting is not None:
            self._load_agreement(meeting.id)
        self._after_save(case.item_id, reload_form=True)
        self.show_status(f"Views revealed on {case.reference}: the panel decides next")
        self._focus_form()

    def reveal_all_views(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None or self._cases is None:
            return
        to_reveal = [r for r in self._cases.rows if not r.decided and not r.revealed]
        if not to_reveal:
            self.show_status("There are no hidden views left to reveal.")
            self.show_agreement()
            return
        answer = QMessageBox.question(
            self,
            "Reveal the views on all cases",
            f"Reveal every member's view on the {len(to_reveal)} cases not yet decided?\n\n"
            "Members cannot change their views afterwards.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.flush_edits()
        user = self.acting()
        try:
            n = session.reveal_all(
                self.db, meeting.id, by_member_id=user.member_id, actor=user.name
            )
        except Exception as exc:
            show_error(self, "Reveal the views", exc)
            return
        self.refresh()
        self.show_status(f"Views revealed on {n} cases")
        self.show_agreement()

    def declare_interest(self, *_args: object) -> None:
        case = self._editing
        user = self.acting()
        if case is None:
            return
        if user.member_id is None:
            QMessageBox.information(
                self,
                "Declare an interest",
                "Choose who is using the app first (Ctrl+U): a declaration is a member's.",
            )
            return
        member_id = user.member_id
        views = self._views
        if views is not None and views.declared(member_id):
            self._run(
                "Withdraw the declaration",
                lambda: session.withdraw_interest(
                    self.db, case.item_id, member_id, actor=user.name
                ),
            )
            self._after_save(case.item_id, reload_form=True)
            self.show_status(f"{user.name}'s declaration on {case.reference} withdrawn")
            return

        def submit(reason: str) -> None:
            change = session.declare_interest(
                self.db, case.item_id, member_id, reason, actor=user.name
            )
            self._push(change)
            self._after_save(case.item_id, reload_form=True)
            self.show_status(f"{user.name} declared an interest in {case.reference}")

        self._open_dialog(
            DeclareInterestDialog(
                self, member=user.name, reference=case.reference, on_submit=submit
            )
        )

    # ------------------------------------------------------------------ undo / redo

    def _update_undo_actions(self) -> None:
        h = self.history
        idle = not self._busy
        self.action_undo.setEnabled(idle and h.can_undo)
        self.action_redo.setEnabled(idle and h.can_redo)
        self.action_undo.setText(f"&Undo {h.undo_label}" if h.can_undo else "&Undo")
        self.action_redo.setText(f"&Redo {h.redo_label}" if h.can_redo else "&Redo")

    def undo(self, *_args: object) -> None:
        self._undo_redo(self.history.undo, "Undo")

    def redo(self, *_args: object) -> None:
        self._undo_redo(self.history.redo, "Redo")

    def _undo_redo(self, step: Callable[[Database, str], Change | None], title: str) -> None:
        self.flush_edits()
        focus = QApplication.focusWidget()
        try:
            change = step(self.db, self.acting().name)
        except Exception as exc:
            show_error(self, title, exc)
            self._update_undo_actions()
            return
        self._update_undo_actions()
        if change is None:
            return
        if self._editing is None or self._editing.item_id != change.item_id:
            self.select_case(change.item_id)
        meeting = self.selected_meeting()
        if meeting is not None:
            self._load_agreement(meeting.id)
        self._after_save(change.item_id, reload_form=True)
        self.show_status(f"{title}: {change.label}")
        self._keep_focus(focus)

    # ------------------------------------------------------------------ focus

    def _focus_form(self) -> None:
        target = self.review.focus_target()
        if target.isEnabled() and target.isVisible():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.case_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _keep_focus(self, widget: QWidget | None) -> None:
        """Give the focus back to ``widget`` if it can still take it, else to the form."""
        if (
            widget is not None
            and widget.isVisible()
            and widget.isEnabled()
            and widget.window() is self
        ):
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._focus_form()

    def _focus_filter(self) -> None:
        self.case_filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.case_filter_edit.selectAll()

    def _focus_tags(self) -> None:
        if self._editing is not None:
            self.review_scroll.ensureWidgetVisible(self.review.tag_editor.edit)
            self.review.tag_editor.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ------------------------------------------------------------------ time spent

    def _app_state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive:
            if self._clock_item is not None:
                self._clock.restart()
        elif self._clock.isValid():
            self._clock_banked_ms += self._clock.elapsed()
            self._clock.invalidate()

    def _start_clock(self, item_id: int | None) -> None:
        self._flush_clock()
        self._clock_item = item_id
        self._clock_banked_ms = 0
        if item_id is not None:
            self._clock.restart()
        else:
            self._clock.invalidate()

    def _flush_clock(self) -> None:
        """Add the time on the current case since the last flush to the case's total."""
        if self._clock_item is None:
            return
        ms = self._clock_banked_ms + (self._clock.restart() if self._clock.isValid() else 0)
        self._clock_banked_ms = 0
        if ms < 1000:
            self._clock_banked_ms = ms
            return
        try:
            session.add_time(self.db, self._clock_item, ms / 1000)
        except Exception:  # time is a nicety: never interrupt the session for it
            return
        self._clock_banked_ms = ms % 1000

    # ------------------------------------------------------------------ presenter

    def toggle_presenter(self, *_args: object) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.close()
            self.action_presenter.setChecked(False)
            return
        if self.presenter is None:
            self.presenter = PresenterWindow(self)
            self.presenter.destroyed.connect(lambda *_: setattr(self, "presenter", None))
        self.presenter.set_state(self.presenter_state())
        on_room = self.presenter.show_on_room_screen(self.screen())
        self.action_presenter.setChecked(True)
        self.activateWindow()  # the officer keeps typing here
        self.show_status(
            "Presenter view on the second screen"
            if on_room
            else "Presenter view opened (F11: full screen)"
        )

    def presenter_state(self) -> PresenterState:
        """What the room's screen shows for the current case: no member names anywhere."""
        cases, case, views = self._cases, self._editing, self._views
        meeting, panel = self.selected_meeting(), self.selected_panel()
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
        tpl = self._template
        # The case's summary fields first (offence and disposal...), then the rest in the
        # template's order, then the common fields; the window shows the first ten.
        order = list(SUMMARY_FIELDS.get(cases.template.key, ()))
        order += [f.key for f in tpl.fields if f.key not in order] if tpl else []
        order += [k for k in case.fields if k not in order]
        facts: list[tuple[str, str]] = []
        for key in order:
            value = case.fields.get(key)
            if value in (None, ""):
                continue
            text = ("Yes" if value else "No") if isinstance(value, bool) else str(value)
            facts.append((tpl.field_label(key) if tpl else humanise(key), text))
        for label, value in (("Age band", case.age_band), ("Gender", case.gender),
                             ("Area", case.area), ("Date", format_when(case.occurred_at))):  # fmt: skip
            if value:
                facts.append((label, value))
        stage = self._stage_for(case, views)
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
            consensus = (
                CONSENSUS_LABELS.get(Consensus(case.consensus), "") if case.consensus else ""
            )
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

    def _update_presenter(self) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.set_state(self.presenter_state())

    # ------------------------------------------------------------------ agreement, summary

    def show_agreement(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        self.flush_edits()
        try:
            agreement = meeting_agreement(self.db, meeting.id)
        except Exception as exc:
            show_error(self, "Agreement", exc)
            return
        self._agreement = agreement
        self._fill_session_header()
        self._open_dialog(
            AgreementDialog(
                self,
                agreement,
                meeting_title=f"{meeting.panel_name} · {meeting.title}",
                on_open_case=self.select_case,
            )
        )

    def show_session_summary(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None or self._cases is None:
            return
        self.flush_edits()
        self._flush_clock()
        try:
            cases = case_service.meeting_cases(self.db, meeting.id)
            agreement = meeting_agreement(self.db, meeting.id)
        except Exception as exc:
            show_error(self, "Session summary", exc)
            return
        try:
            from scrutiny_app.services.report.summary import commissioner_summary

            paragraph = commissioner_summary(cases.counts(), cases.template.key)
        except Exception:  # the paragraph is a convenience; the chart is the point
            paragraph = ""
        self._open_dialog(
            SessionSummaryDialog(
                self,
                cases,
                meeting_title=f"{meeting.panel_name} · {meeting.title}",
                agreement=agreement if agreement.measured else None,
                paragraph=paragraph,
            )
        )

    def record_judgement(self, *_args: object) -> None:
        """Ctrl+Enter: this case is done for this stage; go to the next case that needs work.

        In the decision stage the panel's outcome must be chosen (it is saved already); in the
        views stage, the member's own view.
        """
        case = self._editing
        if case is None or self._template is None:
            return
        self.flush_edits()
        keys = len(self._outcome_actions)
        if self.review.stage == VIEWS:
            user = self.acting()
            views = self._views
            can_record = (
                user.can_judge and views is not None and views.declared(user.member_id) is None
            )
            if can_record and not (views and views.own and views.own.outcome_code):
                QMessageBox.warning(
                    self,
                    "Record your view",
                    f"Choose your view of {case.reference} first (keys 1–{keys}).",
                )
                return
            done_cases = self._my_done_cases()
            target = self._next_case(
                lambda r: not r.decided and not r.revealed and r.item_id not in done_cases
            )
            done = f"You have recorded a view on every case you can, {user.name}."
        else:
            if not case.decided:
                QMessageBox.warning(
                    self,
                    "Decide",
                    f"Choose the panel's outcome for {case.reference} first (keys 1–{keys}).",
                )
                return
            self.show_status(f"Decided: {case.outcome_label} for {case.reference}")
            target = self._next_case(lambda r: not r.decided)
            done = f"All {len(self._cases.rows) if self._cases else 0} cases are decided."
        if target is None:
            self.show_status(done)
            self._focus_form()
            return
        self.select_case(target)
        self._focus_form()

    def _my_done_cases(self) -> frozenset[int]:
        """Cases the acting member has recorded a view on or declared an interest in."""
        user, meeting = self.acting(), self.selected_meeting()
        if user.member_id is None or meeting is None:
            return frozenset()
        try:
            return session.cases_done_by(self.db, meeting.id, user.member_id)
        except Exception:
            return frozenset()

    def _next_case(self, wanted: Callable[[CaseRow], bool]) -> int | None:
        """The first case after the current one in the list (then from the top) that is wanted."""
        count = self.case_proxy.rowCount()
        current = self.case_table.currentIndex()
        start = current.row() if current.isValid() else -1
        order = list(range(start + 1, count)) + list(range(0, max(start, 0)))
        for proxy_row in order:
            source = self.case_proxy.mapToSource(self.case_proxy.index(proxy_row, 0))
            row = self.case_model.case_at(source.row())
            if (
                row is not None
                and (self._editing is None or row.item_id != self._editing.item_id)
                and wanted(row)
            ):
                return row.item_id
        return None
