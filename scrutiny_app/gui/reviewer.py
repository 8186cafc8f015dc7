"""The case review: the form's two stages for the case selected, saved as changes are made.

:class:`Reviewer` owns the review form of the meeting page. It shows the saved state of the
case (:meth:`Reviewer.show_case`), and turns what the user does in the form into service calls
through :class:`~scrutiny_app.gui.operations.Operations`: an outcome at once, text after a
short pause in typing and when the box loses the focus, so a crash loses at most the text being
typed. Each save is one undo step; each announces the case it changed, and the main window
hands the announcement back to :meth:`Reviewer.apply` to redraw the form.
"""

from __future__ import annotations

import html
import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from scrutiny_app.domain.vocab import Consensus
from scrutiny_app.gui.case_clock import CaseClock
from scrutiny_app.gui.meeting_page import MeetingPage
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.operations import FAILED, Changes, Host, Operations
from scrutiny_app.gui.people import People, computer_user
from scrutiny_app.gui.review import DECISION, VIEWS
from scrutiny_app.gui.session_dialogs import DeclareInterestDialog
from scrutiny_app.services import drafts, places, session, tags
from scrutiny_app.services.cases import CaseRow
from scrutiny_app.services.session import CaseViews

SAVE_DELAY_MS = 700  # text is saved this long after the last keystroke (and on leaving the box)
DRAFT_DELAY_MS = 80  # what is typed is on disk (a draft) at most this long after a key

log = logging.getLogger(__name__)


class Reviewer(QObject):
    """The review of the selected case; see the module docstring."""

    stateChanged = Signal()  # the case shown, its stage or its saved state: update the actions

    def __init__(self, ops: Operations, people: People, page: MeetingPage, host: Host) -> None:
        super().__init__(page)
        self.ops, self.people, self.page, self.host = ops, people, page, host
        self.db = ops.db
        self.form = page.review
        self.case: CaseRow | None = None  # the case the form shows
        self.views: CaseViews | None = None  # its members' views, as the acting user sees them
        self._pending: dict[str, str] = {}  # field key -> text typed, not yet saved
        self._pending_item: int | None = None
        self._unsaved = False  # the last save of typed text failed (its draft is kept)
        self.clock = CaseClock(self.db, self)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush_edits)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.write_drafts)
        # What the form says above the case, by purpose: (case it belongs to or None, text).
        self._banners: dict[str, tuple[int | None, str]] = {}
        f = self.form
        f.outcomeChosen.connect(lambda _stage, code: self.choose_outcome(code))
        f.textEdited.connect(self._text_edited)
        f.textLeft.connect(self._text_left)
        f.answerChosen.connect(self._answer_chosen)
        f.consensusChosen.connect(self._consensus_chosen)
        f.internalChosen.connect(self._internal_chosen)
        f.tagAdded.connect(self.add_tag)
        f.tagRemoved.connect(self.remove_tag)
        f.revealRequested.connect(self.reveal_views)
        f.declareRequested.connect(self.declare_interest)
        f.doneRequested.connect(self.record_judgement)
        f.acting_button.clicked.connect(people.ask_who)
        page.caseSelected.connect(self._case_selected)
        page.caseActivated.connect(self.focus_form)
        people.aboutToChange.connect(self.flush_edits)

    # ================================================================== showing a case

    @property
    def stage(self) -> str:
        return self.form.stage

    def _case_selected(self, case: CaseRow | None) -> None:
        if self.case is not None and case is not None and case.item_id == self.case.item_id:
            return
        self.leave_case()
        self.show_case(case)

    def leave_case(self) -> None:
        """Before another case (or meeting) is shown: save what was typed, bank the time."""
        self.flush_edits()
        self.ops.seal()
        self.clock.flush()

    def show_case(self, case: CaseRow | None) -> None:
        """Show ``case`` in the details pane and the review form (from what is saved)."""
        previous = self.case.item_id if self.case is not None else None
        self.case = case
        if case is None or case.item_id != previous:
            self.clock.start(case.item_id if case else None)
            self._remember_place()
            # A message about one case goes when another is shown (it is not shown again).
            here = case.item_id if case else None
            self._banners = {
                k: (i, t) for k, (i, t) in self._banners.items() if i is None or i == here
            }
        self.page.show_details(case)
        self._read_views()
        self._fill_form()
        self.page.fit_review_pane()
        self.stateChanged.emit()

    def redraw(self) -> None:
        """The acting user or the attendance changed: the same case, seen by them."""
        self.form.show_acting(self.people.acting())
        self.show_case(self.case and self.page.row(self.case.item_id))

    def apply(self, changes: Changes) -> None:
        """Redraw the form if ``changes`` touched the case it shows."""
        case = self.case
        if case is None or case.item_id not in changes.cases:
            return
        self.case = self.page.row(case.item_id) or case
        if changes.form:
            self._read_views()
            self._fill_form()
        else:
            self._show_status()
        self.stateChanged.emit()

    def set_busy(self, busy: bool) -> None:
        """While a background job runs the form is read-only (what was typed is saved first);
        afterwards it shows what is saved."""
        if busy:
            self.flush_edits()
            self.ops.seal()
            self.form.setEnabled(False)
        else:
            self._read_views()
            self._fill_form()

    def _remember_place(self) -> None:
        """Where the user is, to reopen there (a nicety: never in the way of the session)."""
        meeting = self.page.meeting
        if meeting is None:
            return
        try:
            places.remember(
                self.db, computer_user(), meeting.id, self.case.item_id if self.case else None
            )
        except Exception:
            log.warning("cannot remember the place", exc_info=True)

    def show_banner(self, text: str, *, key: str = "note", anywhere: bool = False) -> None:
        """A message that matters, shown above the form.

        It belongs to the case shown (it goes when another case is shown) unless
        ``anywhere``; ``key`` names it so that it can be replaced or cleared on its own.
        """
        case = None if anywhere or self.case is None else self.case.item_id
        if text:
            self._banners[key] = (case, text)
        else:
            self._banners.pop(key, None)
        self._show_banner()

    def clear_banner(self, key: str) -> None:
        self.show_banner("", key=key)

    def banner_text(self) -> str:
        """What the banner says now (each message a paragraph)."""
        here = self.case.item_id if self.case else None
        return "<br>".join(t for i, t in self._banners.values() if i is None or i == here)

    def _show_banner(self) -> None:
        self.form.set_banner(self.banner_text())

    def restore_drafts(self) -> None:
        """Save the text that was being typed when the app last stopped (a crash, a kill).

        Each restored box is one undo step when its case is in the meeting shown; the form
        says what was restored. Text that can no longer be saved is shown to copy, and kept.
        """
        parent = self.host.dialog_parent()
        try:
            # On a shared server other seats' drafts are their live typing: only this
            # login's own are restored here (a member's seat sees only theirs anyway).
            login = self.people.login
            mine = {login.name, self.people.acting().name} if login and login.is_officer else None
            restored = drafts.restore_drafts(self.db, authors=mine)
        except Exception as exc:
            show_error(parent, "Restore the text being typed", exc)
            return
        meeting = self.page.meeting
        here = [r for r in restored if r.change and meeting and r.meeting_id == meeting.id]
        for r in here:
            self.ops.push(r.change)
            self.ops.seal()
        if here:
            self.ops.announce(Changes(cases=frozenset(r.draft.item_id for r in here)))
        saved = [r for r in restored if r.change]
        if saved:
            names = "; ".join(
                f"{html.escape(r.draft.label)} on {html.escape(r.reference)}" for r in saved
            )
            self.show_banner(
                f"<b>Restored the text you were typing</b> when the app last stopped, and "
                f"saved it: {names}." + (" Ctrl+Z takes it back." if here else ""),
                key="restored",
            )
            self.host.show_status(f"Restored text that was being typed: {len(saved)} box(es)")
        kept = [r for r in restored if r.problem]
        if kept:
            QMessageBox.warning(
                parent,
                "Text typed before the app stopped",
                "This text was being typed when the app last stopped and cannot be saved "
                "where it was typed. It is kept; copy it where it belongs:\n\n"
                + "\n\n".join(
                    f"{r.draft.label} on {r.reference} ({r.draft.author}): {r.problem}\n"
                    f"\u201c{r.draft.text}\u201d"
                    for r in kept
                ),
            )

    def _read_views(self) -> None:
        self.views = None
        if self.case is None:
            return
        try:
            self.views = session.case_views(
                self.db, self.case.item_id, viewer_member_id=self.people.acting().member_id
            )
        except Exception as exc:
            show_error(self.host.dialog_parent(), "Cannot read the views", exc)

    def stage_for(self, case: CaseRow, views: CaseViews | None) -> str:
        if case.decided or case.revealed or views is None:
            return DECISION
        if not views.expected and not views.recorded:
            return DECISION  # nobody present records views: the panel decides directly
        return VIEWS

    def _fill_form(self) -> None:
        """Put the saved state of the current case into the review form."""
        f, case, views = self.form, self.case, self.views
        template = self.page.template
        f.show_acting(self.people.acting())
        self._show_banner()
        if case is None or template is None:
            f.show_nothing()
            return
        f.setEnabled(not self.host.busy)  # a background job: read-only
        stage = self.stage_for(case, views)
        f.set_stage(stage)
        f.box.setTitle(f"Review — {case.reference}")
        typed = frozenset(self._pending) if self._pending_item == case.item_id else frozenset()
        with f.loading():
            f.tag_editor.set_tags(case.tags)
            if stage == VIEWS and views is not None:
                f.show_views_stage(case, views, self.people.acting(), self.people.names())
            else:
                f.show_decision_stage(case, views, typed=typed)
        self._show_status()

    def _show_status(self) -> None:
        if self.case is not None:
            self.form.show_status(
                self.case, self.views, saving=bool(self._pending), failed=self._unsaved
            )

    # ================================================================== saving

    def choose_outcome(self, code: str, *_args: object) -> None:
        """Pick ``code`` for the stage the form shows (a button or its number key); saved."""
        case, template = self.case, self.page.template
        if case is None or template is None or self.host.busy:
            return
        if template.template.outcome(code) is None:
            return
        self.flush_edits()
        user = self.people.acting()
        if self.stage == VIEWS:
            views = self.views
            if (
                user.member_id is None
                or not user.can_judge
                or (views is not None and views.declared(user.member_id))
            ):
                self.form.view_outcomes.set_checked(
                    views.own.outcome_code if views and views.own else None
                )
                self.host.show_status(
                    f"{user.name} does not record a view on {case.reference} (the form says why)."
                )
                return
            member_id = user.member_id
            result = self.ops.run(
                "Record your view",
                lambda: session.record_view(
                    self.db, case.item_id, member_id, outcome_code=code, actor=user.name
                ),
                Changes.of_case(case.item_id),
            )
            who = "Your view"
        else:
            result = self.ops.run(
                "Record the panel decision",
                lambda: session.save_decision(
                    self.db, case.item_id, outcome_code=code, actor=user.name
                ),
                Changes.of_case(case.item_id),
            )
            who = "Panel decision"
        if result is FAILED:
            self._fill_form()  # the buttons show what is saved, not the failed click
            return
        label = template.template.label(code)
        self.host.show_status(f"{who} on {case.reference}: {label} (saved)")

    def _text_edited(self, key: str, text: str) -> None:
        case = self.case
        if case is None:
            return
        if self._pending_item not in (None, case.item_id):
            self.flush_edits()
        self._pending_item = case.item_id
        self._pending[key] = text
        self._save_timer.start()
        if not self._draft_timer.isActive():
            self._draft_timer.start()
        self._show_status()

    def write_drafts(self) -> bool:
        """Put what is typed and not saved yet on disk as drafts; True if it is there."""
        self._draft_timer.stop()
        if not self._pending or self._pending_item is None:
            return True
        user = self.people.acting()
        try:
            drafts.write_drafts(
                self.db,
                self._pending_item,
                self._pending,
                member_id=user.member_id,
                author=user.name,
            )
        except Exception:  # the save on leaving the box says what is wrong, once
            log.warning("cannot write the drafts", exc_info=True)
            return False
        return True

    def _text_left(self, key: str) -> None:
        if key in self._pending:
            self.flush_edits()
        self.ops.seal()

    def flush_edits(self) -> bool:
        """Save the text typed since the last save; True if everything is saved.

        Each box saved has its draft removed; a box that could not be saved keeps its draft.
        """
        self._save_timer.stop()
        if not self._pending:
            return True
        self.write_drafts()  # if a save below fails, the text is still on disk
        item_id, pending = self._pending_item, dict(self._pending)
        self._pending.clear()
        self._pending_item = None
        if item_id is None:
            return True
        user = self.people.acting()
        ok = True
        saved: list[str] = []
        for key, text in pending.items():
            stage, name = key.split(":", 1)
            if stage == "view":
                if user.member_id is None:
                    continue
                member_id = user.member_id
                result = self.ops.run(
                    "Save your note",
                    lambda member_id=member_id, text=text: session.record_view(
                        self.db, item_id, member_id, note=text, actor=user.name
                    ),
                )
            else:
                result = self.ops.run(
                    "Save the panel decision",
                    lambda name=name, text=text: session.save_decision(
                        self.db, item_id, actor=user.name, **{name: text}
                    ),
                )
            if result is FAILED:
                ok = False
            else:
                saved.append(key)
        self._unsaved = not ok
        try:
            drafts.clear_drafts(self.db, item_id, saved, member_id=user.member_id)
        except Exception:  # a draft left equal to the saved text is dropped at the next start
            log.warning("cannot clear the drafts", exc_info=True)
        self.ops.announce(Changes.of_case(item_id, form=False))
        return ok

    def _answer_chosen(self, stage: str, key: str, answer: str) -> None:
        case = self.case
        if case is None:
            return
        user = self.people.acting()
        if stage == VIEWS:
            if user.member_id is None:
                return
            member_id = user.member_id
            result = self.ops.run(
                "Record your answer",
                lambda: session.record_view(
                    self.db, case.item_id, member_id, answers={key: answer}, actor=user.name
                ),
                Changes.of_case(case.item_id),
            )
        else:
            result = self.ops.run(
                "Record the panel's answer",
                lambda: session.save_decision(
                    self.db, case.item_id, answers={key: answer}, actor=user.name
                ),
                Changes.of_case(case.item_id),
            )
        if result is FAILED:
            self._fill_form()  # the form shows what is saved, not the failed click

    def _consensus_chosen(self, value: str) -> None:
        case, template = self.case, self.page.template
        if case is None or template is None:
            return
        if value == Consensus.NONE:  # "no consensus" is the carry-over outcome
            carry = next((o for o in template.template.outcomes if o.is_carry_over), None)
            if carry is not None:
                self.choose_outcome(carry.code)
                return
        user = self.people.acting()
        result = self.ops.run(
            "Record the consensus",
            lambda: session.save_decision(self.db, case.item_id, consensus=value, actor=user.name),
            Changes.of_case(case.item_id),
        )
        if result is FAILED:
            self._fill_form()

    def _internal_chosen(self, internal: bool) -> None:
        case = self.case
        if case is None:
            return
        user = self.people.acting()
        result = self.ops.run(
            "Keep out of the public report",
            lambda: session.save_decision(
                self.db, case.item_id, internal=internal, actor=user.name
            ),
            Changes.of_case(case.item_id),
        )
        if result is FAILED:
            self._fill_form()

    # ================================================================== tags

    def add_tag(self, name: str) -> None:
        case = self.case
        if case is None or self.page.panel is None:
            return
        user = self.people.acting()
        try:
            similar = None
            change = tags.add_tag(self.db, case.item_id, name, actor=user.name)
        except tags.SimilarTag as exc:
            similar = exc
        except Exception as exc:
            show_error(self.host.dialog_parent(), "Add a tag", exc)
            return
        if similar is not None:
            answer = QMessageBox.question(
                self.host.dialog_parent(),
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
            result = self.ops.run(
                "Add a tag",
                lambda: tags.add_tag(
                    self.db, case.item_id, use, allow_similar=True, actor=user.name
                ),
                Changes.of_case(case.item_id, tags=True),
            )
            if result is FAILED:
                return
        else:
            self.ops.push(change)
            self.ops.announce(Changes.of_case(case.item_id, tags=True))
        self.form.tag_editor.clear_input()

    def remove_tag(self, name: str) -> None:
        case = self.case
        if case is None:
            return
        user = self.people.acting()
        self.ops.run(
            "Remove a tag",
            lambda: tags.remove_tag(self.db, case.item_id, name, actor=user.name),
            Changes.of_case(case.item_id),
        )

    def show_completions(self) -> None:
        self.form.tag_editor.set_completions([t.name for t in self.page.panel_tags])

    # ================================================================== stages

    def reveal_views(self, *_args: object) -> None:
        case = self.case
        if case is None:
            return
        user = self.people.acting()
        self.flush_edits()
        waiting = self._not_yet_recorded(case.item_id)
        if waiting and not self._reveal_anyway(
            f"{_names(waiting)} {'has' if len(waiting) == 1 else 'have'} not recorded a view "
            f"on {case.reference} yet."
        ):
            return
        result = self.ops.run(
            "Reveal the views",
            lambda: session.reveal_views(
                self.db, case.item_id, by_member_id=user.member_id, actor=user.name
            ),
            Changes.of_case(case.item_id, agreement=True),
        )
        if result is FAILED:
            return
        self.host.show_status(f"Views revealed on {case.reference}: the panel decides next")
        self.focus_form()

    def reveal_all_views(self, *_args: object) -> bool:
        """Reveal the views on every case not yet decided, after asking; True if done."""
        meeting, cases = self.page.meeting, self.page.cases
        if meeting is None or cases is None:
            return False
        to_reveal = [r for r in cases.rows if not r.decided and not r.revealed]
        if not to_reveal:
            self.host.show_status("There are no hidden views left to reveal.")
            return True
        missing: dict[str, int] = {}
        for row in to_reveal:
            for name in self._not_yet_recorded(row.item_id):
                missing[name] = missing.get(name, 0) + 1
        waiting = (
            "\n\nNot recorded yet: "
            + "; ".join(f"{n} ({c} case{'s' if c != 1 else ''})" for n, c in missing.items())
            + ". Once revealed they cannot record a view on those cases."
            if missing
            else ""
        )
        answer = QMessageBox.question(
            self.host.dialog_parent(),
            "Reveal the views on all cases",
            f"Reveal every member's view on the {len(to_reveal)} cases not yet decided?\n\n"
            f"Members cannot change their views afterwards.{waiting}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return False
        self.flush_edits()
        user = self.people.acting()
        n = self.ops.run(
            "Reveal the views",
            lambda: session.reveal_all(
                self.db, meeting.id, by_member_id=user.member_id, actor=user.name
            ),
            Changes(meeting=meeting.id, agreement=True),
        )
        if n is FAILED:
            return False
        self.host.show_status(f"Views revealed on {n} cases")
        return True

    def _not_yet_recorded(self, item_id: int) -> list[str]:
        """The members present who should record a view on the case and have not."""
        try:
            views = session.case_views(self.db, item_id)
        except Exception:
            return []
        names = self.people.names()
        done = set(views.recorded)
        return [names.get(m, "?") for m in views.expected if m not in done]

    def _reveal_anyway(self, why: str) -> bool:
        answer = QMessageBox.question(
            self.host.dialog_parent(),
            "Reveal the views",
            f"{why}\n\nOnce the views are revealed nobody can record one on this case. "
            "Reveal them now?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def declare_interest(self, *_args: object) -> None:
        case = self.case
        user = self.people.acting()
        if case is None:
            return
        parent = self.host.dialog_parent()
        if user.member_id is None:
            QMessageBox.information(
                parent,
                "Declare an interest",
                "Choose who is using the app first (Ctrl+U): a declaration is a member's.",
            )
            return
        member_id = user.member_id
        views = self.views
        if views is not None and views.declared(member_id):
            result = self.ops.run(
                "Withdraw the declaration",
                lambda: session.withdraw_interest(
                    self.db, case.item_id, member_id, actor=user.name
                ),
                Changes.of_case(case.item_id),
            )
            if result is not FAILED:
                self.host.show_status(f"{user.name}'s declaration on {case.reference} withdrawn")
            return

        def submit(reason: str) -> None:  # the dialog shows an error itself and stays open
            change = session.declare_interest(
                self.db, case.item_id, member_id, reason, actor=user.name
            )
            self.ops.push(change)
            self.ops.announce(Changes.of_case(case.item_id))
            self.host.show_status(f"{user.name} declared an interest in {case.reference}")

        self.host.open_dialog(
            DeclareInterestDialog(
                parent, member=user.name, reference=case.reference, on_submit=submit
            )
        )

    def record_judgement(self, *_args: object) -> None:
        """Ctrl+Enter: this case is done for this stage; go to the next case that needs work.

        In the decision stage the panel's outcome must be chosen (it is saved already); in the
        views stage, the member's own view.
        """
        case, cases = self.case, self.page.cases
        if case is None or self.page.template is None:
            return
        self.flush_edits()
        keys = self.form.keys()
        parent = self.host.dialog_parent()
        if self.stage == VIEWS:
            user = self.people.acting()
            views = self.views
            can_record = (
                user.can_judge and views is not None and views.declared(user.member_id) is None
            )
            if can_record and not (views and views.own and views.own.outcome_code):
                QMessageBox.warning(
                    parent,
                    "Record your view",
                    f"Choose your view of {case.reference} first (keys 1–{keys}).",
                )
                return
            done_cases = self._my_done_cases()

            def wanted(r: CaseRow) -> bool:
                return not r.decided and not r.revealed and r.item_id not in done_cases

            done = f"You have recorded a view on every case you can, {user.name}."
        else:
            if not case.decided:
                QMessageBox.warning(
                    parent,
                    "Decide",
                    f"Choose the panel's outcome for {case.reference} first (keys 1–{keys}).",
                )
                return
            self.host.show_status(f"Decided: {case.outcome_label} for {case.reference}")

            def wanted(r: CaseRow) -> bool:
                return not r.decided

            done = f"All {len(cases.rows) if cases else 0} cases are decided."
        target = self.page.next_case(wanted)
        if target is None:
            # The list may be filtered: "all done" is said of the whole meeting only.
            hidden = [
                r for r in (cases.rows if cases else ()) if r.item_id != case.item_id and wanted(r)
            ]
            if hidden:
                n = len(hidden)
                done = (
                    f"No more cases to do in the list as filtered; {n} other case"
                    f"{' is' if n == 1 else 's are'} hidden by the filter "
                    f"({', '.join(r.reference for r in hidden[:3])}{', …' if n > 3 else ''}). "
                    "To see "
                    + ("it" if n == 1 else "them")
                    + ", empty the filter box (Ctrl+F) and choose 'All cases'."
                )
            self.host.show_status(done, banner=True)
            self.focus_form()
            return
        self.page.select_case(target)
        self.focus_form()
        self.page.scroll_form_to_top()  # the next case is read from the top

    def _my_done_cases(self) -> frozenset[int]:
        """Cases the acting member has recorded a view on or declared an interest in."""
        user, meeting = self.people.acting(), self.page.meeting
        if user.member_id is None or meeting is None:
            return frozenset()
        try:
            return session.cases_done_by(self.db, meeting.id, user.member_id)
        except Exception:
            return frozenset()

    # ================================================================== undo, focus

    def undo(self, *_args: object) -> None:
        self._undo_redo(self.ops.undo, "Undo")

    def redo(self, *_args: object) -> None:
        self._undo_redo(self.ops.redo, "Redo")

    def _undo_redo(self, step, title: str) -> None:
        self.flush_edits()
        focus = QApplication.focusWidget()
        change = step(self.people.acting().name)
        if change is None:
            return
        self.host.show_status(f"{title}: {change.label}")
        self.keep_focus(focus)

    def focus_form(self) -> None:
        target = self.form.focus_target()
        if target.isEnabled() and target.isVisible():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.page.case_table.setFocus(Qt.FocusReason.OtherFocusReason)

    def keep_focus(self, widget: QWidget | None) -> None:
        """Give the focus back to ``widget`` if it can still take it, else to the form."""
        if (
            widget is not None
            and widget.isVisible()
            and widget.isEnabled()
            and widget.window() is self.page.window()
        ):
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.focus_form()

    def focus_tags(self) -> None:
        if self.case is not None:
            self.page.review_scroll.ensureWidgetVisible(self.form.tag_editor.edit)
            self.form.tag_editor.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)


def _names(names: list[str]) -> str:
    """'Ann', 'Ann and Bob', 'Ann, Bob and Cy'."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
