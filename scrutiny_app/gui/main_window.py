"""The main window: menus, and the panels and meetings on the left; the page of the selection.

Layout, menus and actions come from ``ui/main_window.ui``. The window owns navigation (the
panel tree, which page the right-hand side shows) and the menus; the pages and controllers do
the rest, and talk to each other through the window's
:class:`~scrutiny_app.gui.operations.Operations`:

- :class:`~scrutiny_app.gui.panel_page.PanelPage`: a panel, its meetings and recommendations;
- :class:`~scrutiny_app.gui.meeting_page.MeetingPage`: a meeting's header, cases and details;
- :class:`~scrutiny_app.gui.reviewer.Reviewer`: the review form of the case selected;
- :class:`~scrutiny_app.gui.people.People`: the attendance and who is using the app;
- :mod:`~scrutiny_app.gui.commands`: the File and Meeting menus' dialogs and background jobs.

Every change announces a :class:`~scrutiny_app.gui.operations.Changes`; :meth:`MainWindow.
_apply` hands it to each page, which redraws what it shows of it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QKeySequence, QPalette, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from scrutiny_app import __version__
from scrutiny_app.gui import background, commands, security, windows
from scrutiny_app.gui.dialogs import ShortcutsDialog, shortcut_text
from scrutiny_app.gui.meeting_page import MeetingPage, status_label
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.models import KEY_ROLE, SUBTITLE_ROLE, TwoLineDelegate, format_when
from scrutiny_app.gui.operations import Changes, Operations
from scrutiny_app.gui.panel_page import PanelPage
from scrutiny_app.gui.people import People, computer_user
from scrutiny_app.gui.presenter import PresenterWindow, presenter_state
from scrutiny_app.gui.review import VIEWS
from scrutiny_app.gui.reviewer import Reviewer
from scrutiny_app.gui.session_dialogs import AgreementDialog, SessionSummaryDialog
from scrutiny_app.gui.uiload import child, load_form
from scrutiny_app.services import cases as case_service
from scrutiny_app.services import panels, places
from scrutiny_app.services.agreement import meeting_agreement
from scrutiny_app.services.changes import POLL_MS, ChangeWatch
from scrutiny_app.services.panels import MeetingInfo, PanelInfo
from scrutiny_app.services.session import ReviewTemplate
from scrutiny_app.storage import Database

Key = tuple[str, int]  # ("panel", id) or ("meeting", id)
_KEEP: Any = object()  # "keep the current selection" in refresh()

STATUS_MESSAGE_MS = 12_000
NARROW = 1180  # below this window width the panels sidebar folds away (Ctrl+B shows it)

# The window's actions from the form: attribute name -> object name in main_window.ui.
ACTIONS = {
    "action_new_panel": "actionNewPanel",
    "action_new_meeting": "actionNewMeeting",
    "action_import_cases": "actionImportCases",
    "action_export_report": "actionExportReport",
    "action_export_tracker": "actionExportTracker",
    "action_quit": "actionQuit",
    "action_undo": "actionUndo",
    "action_redo": "actionRedo",
    "action_filter_cases": "actionFilterCases",
    "action_add_tag": "actionAddTag",
    "action_draw_sample": "actionDrawSample",
    "action_add_recommendation": "actionAddRecommendation",
    "action_switch_user": "actionSwitchUser",
    "action_attendance": "actionAttendance",
    "action_declare_interest": "actionDeclareInterest",
    "action_reveal_views": "actionRevealViews",
    "action_reveal_all": "actionRevealAllViews",
    "action_record_judgement": "actionRecordJudgement",
    "action_next_case": "actionNextCase",
    "action_previous_case": "actionPreviousCase",
    "action_presenter": "actionPresenterView",
    "action_agreement": "actionAgreement",
    "action_session_summary": "actionSessionSummary",
    "action_shortcuts": "actionShortcuts",
    "action_about": "actionAbout",
}


class MainWindow(QMainWindow):
    # The form's actions (bound by name in _bind_widgets).
    action_new_panel: QAction
    action_new_meeting: QAction
    action_import_cases: QAction
    action_export_report: QAction
    action_export_tracker: QAction
    action_quit: QAction
    action_undo: QAction
    action_redo: QAction
    action_filter_cases: QAction
    action_add_tag: QAction
    action_draw_sample: QAction
    action_add_recommendation: QAction
    action_switch_user: QAction
    action_attendance: QAction
    action_declare_interest: QAction
    action_reveal_views: QAction
    action_reveal_all: QAction
    action_record_judgement: QAction
    action_next_case: QAction
    action_previous_case: QAction
    action_presenter: QAction
    action_agreement: QAction
    action_session_summary: QAction
    action_shortcuts: QAction
    action_about: QAction

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        load_form("main_window.ui", self)
        self.panels: list[PanelInfo] = []
        self._key: Key | None = None
        self._loading = 0  # >0 while the code (not the user) changes the tree's selection
        self.busy = False  # a background job is running
        self.last_dir = str(Path.home())
        self.current_dialog: QDialog | None = None
        self._focus_before: QWidget | None = None
        self.presenter: PresenterWindow | None = None
        self._outcome_template: tuple[str, tuple[str, ...]] | None = None
        self._outcome_actions: list[QAction] = []

        self.ops = Operations(db, self)
        self.page = MeetingPage(db)
        self.people = People(self.ops, self)
        self.reviewer = Reviewer(self.ops, self.people, self.page, self)
        self._bind_widgets()
        self.panel_page = PanelPage(db, child(self, QWidget, "panelPage"))
        self.stack.addWidget(self.page)
        self.extra_actions = windows.install(self)  # wizard, sample options, lists, report, tracker
        self.locker = security.Locker(self, security.lock_minutes(db))
        self.extra_actions.update(security.install(self))
        self.plain_warning: QWidget | None = None
        if db.path is not None and not db.encrypted:  # said in the status bar, always on
            self.plain_warning = security.plain_warning_bar(self)
            self.statusBar().addPermanentWidget(self.plain_warning)
        self._setup_tree()
        self._setup_sidebar()
        self._setup_actions()
        self._setup_layout()
        self._connect()
        self.setWindowTitle(f"Scrutiny — {Path(db.display_name).name}")
        self.refresh(key=None)
        self._reopen()
        # Other seats' changes (another officer, members on a shared server, a second copy of
        # the app on this file): polled, and what this window shows is redrawn.
        self.watch = ChangeWatch(db)
        self.watch_timer = QTimer(self)
        self.watch_timer.setInterval(POLL_MS)
        self.watch_timer.timeout.connect(self._poll_changes)
        self.watch_timer.start()

    # ================================================================== setup

    def _bind_widgets(self) -> None:
        c = partial(child, self)
        self.main_splitter = c(QSplitter, "mainSplitter")
        self.tree = c(QTreeWidget, "panelTree")
        self.stack = c(QStackedWidget, "detailStack")
        self.empty_page = c(QWidget, "emptyPage")
        self.empty_label = c(QLabel, "emptyLabel")
        self.menu_outcome = c(QMenu, "menuOutcome")
        for attribute, name in ACTIONS.items():
            setattr(self, attribute, c(QAction, name))

    def _setup_tree(self) -> None:
        self.tree.setItemDelegate(TwoLineDelegate(self.tree))
        # The selection is a light tint (app.qss), so selected text stays dark.
        palette = self.tree.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#dce7f5"))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#10243e"))
        self.tree.setPalette(palette)
        self.tree.currentItemChanged.connect(self._tree_current_changed)

    def _setup_sidebar(self) -> None:
        self.main_splitter.setCollapsible(0, True)
        self.main_splitter.setCollapsible(1, False)
        self._sidebar_auto = False  # folded away by a narrow window (not by the user)
        self.action_sidebar = QAction("&Panels and meetings", self)
        self.action_sidebar.setObjectName("actionSidebar")
        self.action_sidebar.setCheckable(True)
        self.action_sidebar.setChecked(True)
        self.action_sidebar.setShortcut(QKeySequence("Ctrl+B"))
        self.action_sidebar.setToolTip("Show or hide the panels and meetings (Ctrl+B)")
        self.action_sidebar.triggered.connect(self.toggle_sidebar)
        child(self, QMenu, "menuView").addAction(self.action_sidebar)
        self.action_details = QAction("Case &details full height", self)
        self.action_details.setObjectName("actionDetailsFullHeight")
        self.action_details.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.action_details.setToolTip("The case details take the whole height (Ctrl+Shift+H)")
        self.action_details.triggered.connect(lambda: self.page.toggle_details_full_height())
        child(self, QMenu, "menuView").addAction(self.action_details)

    def _setup_actions(self) -> None:
        r, page, people = self.reviewer, self.page, self.people
        slots = {
            self.action_new_panel: partial(commands.new_panel, self),
            self.action_new_meeting: partial(commands.new_meeting, self),
            self.action_import_cases: partial(commands.import_cases, self),
            self.action_export_report: partial(commands.export_report, self),
            self.action_export_tracker: partial(commands.export_tracker, self),
            self.action_draw_sample: partial(commands.draw_sample, self),
            self.action_add_recommendation: partial(commands.add_recommendation, self),
            self.action_quit: self.close,
            self.action_undo: r.undo,
            self.action_redo: r.redo,
            self.action_filter_cases: page.focus_filter,
            self.action_add_tag: r.focus_tags,
            self.action_switch_user: people.ask_who,
            self.action_attendance: people.edit_attendance,
            self.action_declare_interest: r.declare_interest,
            self.action_reveal_views: r.reveal_views,
            self.action_reveal_all: self.reveal_all_views,
            self.action_record_judgement: r.record_judgement,
            self.action_next_case: partial(page.move_case, 1),
            self.action_previous_case: partial(page.move_case, -1),
            self.action_presenter: self.toggle_presenter,
            self.action_agreement: self.show_agreement,
            self.action_session_summary: self.show_session_summary,
            self.action_shortcuts: self.show_shortcuts,
            self.action_about: self.about,
        }
        for action, slot in slots.items():
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
        self.action_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        self.action_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.action_record_judgement.setShortcuts(
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        self.action_presenter.setCheckable(True)
        # Shortcuts must work with the focus anywhere in the window (not only the menu bar).
        for action in self._all_actions():
            self.addAction(action)

    def _setup_layout(self) -> None:
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([210, 1150])
        self.db_label = QLabel(f"Database: {self.db.display_name}")
        self.db_label.setObjectName("databaseLabel")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.db_label)

    def _connect(self) -> None:
        self.ops.changed.connect(self._apply)
        self.ops.historyChanged.connect(self._update_undo_actions)
        self.people.actingChanged.connect(self._acting_changed)
        self.reviewer.stateChanged.connect(self._update_actions)
        self.reviewer.stateChanged.connect(self._update_presenter)
        self.page.countsChanged.connect(self._counts_changed)
        self.page.agreementRequested.connect(self.show_agreement)
        self.page.statusMessage.connect(self.show_status)

    def _all_actions(self) -> list[QAction]:
        extra = [self.action_sidebar, self.action_details]
        return [*(getattr(self, attribute) for attribute in ACTIONS), *extra]

    # ================================================================== small screens

    def sidebar_shown(self) -> bool:
        return self.main_splitter.sizes()[0] > 0

    def show_sidebar(self, shown: bool) -> None:
        if shown == self.sidebar_shown():
            return
        total = sum(self.main_splitter.sizes())
        width = min(230, max(total // 4, 160)) if shown else 0
        self.main_splitter.setSizes([width, max(total - width, 0)])
        self.action_sidebar.setChecked(shown)

    def toggle_sidebar(self, *_args: object) -> None:
        shown = not self.sidebar_shown()
        self._sidebar_auto = False
        self.show_sidebar(shown)
        if shown:
            self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
        elif self.tree.hasFocus():
            self.reviewer.focus_form()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        narrow = event.size().width() < NARROW
        if narrow and self.sidebar_shown() and not self.tree.hasFocus():
            self._sidebar_auto = True
            self.show_sidebar(False)
        elif not narrow and self._sidebar_auto:
            self._sidebar_auto = False
            self.show_sidebar(True)

    # ================================================================== the host of the pages

    def show_status(self, message: str, *, banner: bool = False) -> None:
        """``message`` in the status bar; ``banner``: it matters, so in the form as well."""
        self.statusBar().showMessage(message, STATUS_MESSAGE_MS)
        if banner:
            self.reviewer.show_banner(html.escape(message))

    def open_dialog(self, dialog: QDialog) -> QDialog:
        """Open ``dialog`` window-modal without blocking; ``current_dialog`` until it closes.

        The focus goes back where it was when the dialog closes.
        """
        self.current_dialog = dialog
        self._focus_before = QApplication.focusWidget()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(partial(self._dialog_finished, dialog))
        dialog.open()
        return dialog

    def _dialog_finished(self, dialog: QDialog, _result: int) -> None:
        if self.current_dialog is dialog:
            self.current_dialog = None
        if self.current_dialog is None:
            self.activateWindow()
            before = self._focus_before
            self.reviewer.keep_focus(before if before and shiboken6.isValid(before) else None)

    def dialog_parent(self) -> QWidget:
        return self

    def set_busy(self, busy: bool) -> None:
        """A background job runs (or ended): no edits to the case meanwhile."""
        self.busy = busy
        self.reviewer.set_busy(busy)
        self._update_actions()

    # ================================================================== selection

    def selected_panel(self) -> PanelInfo | None:
        """The selected panel, or the panel of the selected meeting."""
        if self._key is None:
            return None
        kind, ident = self._key
        for p in self.panels:
            if (kind == "panel" and p.id == ident) or (
                kind == "meeting" and any(m.id == ident for m in p.meetings)
            ):
                return p
        return None

    def all_meetings(self) -> list[MeetingInfo]:
        return [m for p in self.panels for m in p.meetings]

    def selected_meeting(self) -> MeetingInfo | None:
        if self._key is None or self._key[0] != "meeting":
            return None
        return next((m for m in self.all_meetings() if m.id == self._key[1]), None)

    def select_panel(self, panel_id: int) -> bool:
        return self._select_key(("panel", panel_id))

    def select_meeting(self, meeting_id: int) -> bool:
        return self._select_key(("meeting", meeting_id))

    def _select_key(self, key: Key) -> bool:
        item = self._find_item(key)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        return self._key == key

    def _find_item(self, key: Key | None) -> QTreeWidgetItem | None:
        if key is None:
            return None
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            if tuple(top.data(0, KEY_ROLE)) == key:
                return top
            for j in range(top.childCount()):
                item = top.child(j)
                if tuple(item.data(0, KEY_ROLE)) == key:
                    return item
        return None

    @staticmethod
    def _item_key(item: QTreeWidgetItem | None) -> Key | None:
        if item is None:
            return None
        data = item.data(0, KEY_ROLE)
        return (str(data[0]), int(data[1])) if data else None

    def _tree_current_changed(
        self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None
    ) -> None:
        if self._loading:
            return
        key = self._item_key(current)
        if key == self._key:
            return
        self.reviewer.leave_case()
        self._show_key(key)

    # ================================================================== loading

    def refresh(self, *, key: Any = _KEEP, case_item_id: Any = _KEEP) -> None:
        """Reload everything from the database; re-select ``key`` and the case.

        By default the current meeting (or panel) and case stay selected. Text being typed is
        saved first. Changes made in this window announce what they changed instead (_apply).
        """
        self.reviewer.flush_edits()
        if key is _KEEP:
            key = self._key
        if case_item_id is _KEEP:
            case = self.page.selected_case()
            case_item_id = case.item_id if case else None
        if not self._reload_tree(key):
            return
        self._show_key(key if self._find_item(key) else None, case_item_id)

    def _reload_tree(self, key: Key | None) -> bool:
        try:
            self.panels = panels.list_panels(self.db)
        except Exception as exc:
            show_error(self, "Cannot read the database", exc)
            return False
        self._loading += 1
        try:
            self.tree.clear()
            for p in self.panels:
                top = QTreeWidgetItem([p.name])
                top.setData(0, KEY_ROLE, ("panel", p.id))
                subtitle = " · ".join(x for x in (p.template.name, p.force) if x)
                top.setData(0, SUBTITLE_ROLE, subtitle)
                top.setToolTip(0, f"{p.name}\n{subtitle}")
                self.tree.addTopLevelItem(top)
                for m in p.meetings:
                    title = format_when(m.date) + (f" · {m.theme}" if m.theme else "")
                    item = QTreeWidgetItem([title])
                    item.setData(0, KEY_ROLE, ("meeting", m.id))
                    self._set_meeting_subtitle(item, m.status, m.decided_count, m.case_count)
                    top.addChild(item)
            self.tree.expandAll()
            item = self._find_item(key)
            self.tree.setCurrentItem(item)
            if item is None:
                self.tree.clearSelection()
        finally:
            self._loading -= 1
        return True

    @staticmethod
    def _set_meeting_subtitle(item: QTreeWidgetItem, status: str, decided: int, total: int) -> None:
        sub = f"{status_label(status)} · {decided}/{total} decided"
        item.setData(0, SUBTITLE_ROLE, sub)
        item.setToolTip(0, f"{item.text(0)}\n{sub}")

    def _counts_changed(self, meeting_id: int, decided: int, total: int) -> None:
        """A decision changed a meeting's counts: the sidebar and the panel page say so."""
        for i, p in enumerate(self.panels):
            for m in p.meetings:
                if m.id == meeting_id:
                    counted = replace(m, decided_count=decided, case_count=total)
                    meetings = tuple(counted if x is m else x for x in p.meetings)
                    self.panels[i] = replace(p, meetings=meetings)
                    item = self._find_item(("meeting", meeting_id))
                    if item is not None:
                        self._set_meeting_subtitle(item, m.status, decided, total)
                    return

    def _show_key(self, key: Key | None, case_item_id: int | None = None) -> None:
        previous_meeting = self._key[1] if self._key and self._key[0] == "meeting" else None
        self._key = key
        if key is None or key[0] != "meeting" or key[1] != previous_meeting:
            self.ops.clear_history()
        if key is None:
            self._close_meeting()
            self.empty_label.setText(
                "Select a panel or a meeting on the left."
                if self.panels
                else "No panels yet. Create one with File ▸ New panel (Ctrl+Shift+N)."
            )
            self.stack.setCurrentWidget(self.empty_page)
        elif key[0] == "panel":
            self._close_meeting()
            panel = self.selected_panel()
            if panel is not None:
                self.panel_page.show(panel)
            self.stack.setCurrentWidget(self.panel_page.page)
        else:
            self.stack.setCurrentWidget(self.page)
            self._open_meeting(case_item_id)
        self._update_actions()
        self._update_presenter()

    def _close_meeting(self) -> None:
        self.page.clear()
        self.people.open_meeting(None)
        self.reviewer.show_case(None)

    def _open_meeting(self, case_item_id: int | None) -> None:
        """Read the selected meeting into the meeting page and show its case (or the first)."""
        meeting, panel = self.selected_meeting(), self.selected_panel()
        if meeting is None or panel is None:
            return
        try:
            self.people.open_meeting(meeting)
            self.page.load(meeting, panel, case_item_id)
        except Exception as exc:
            show_error(self, "Cannot open the meeting", exc)
            self._close_meeting()
            return
        template = self.page.template
        assert template is not None
        self.page.review.set_template(template)
        self.page.fit_review_pane()
        self.reviewer.show_completions()
        self._ensure_outcome_actions(template)
        self.reviewer.show_case(self.page.selected_case())
        self.people.maybe_ask_who()

    def _reopen(self) -> None:
        """Open where the user was last time, then restore text a crash left unsaved."""
        try:
            place = places.last_place(self.db, computer_user())
        except Exception:  # a nicety: start on the overview instead
            place = None
        opened = place is not None and self.select_meeting(place.meeting_id)
        if opened and place is not None and place.item_id is not None:
            self.page.select_case(place.item_id)
        self.reviewer.restore_drafts()

    # ================================================================== what changed

    def _apply(self, changes: Changes) -> None:
        """Redraw what ``changes`` touched, on the pages that show it."""
        meeting = self.selected_meeting()
        if changes.panels:
            case = self.page.selected_case()
            if self._reload_tree(self._key):
                panel = self.selected_panel()
                if self._key and self._key[0] == "panel" and panel is not None:
                    self.panel_page.show(panel)
                meeting = self.selected_meeting()
                if changes.meeting is None and meeting is not None:
                    self.page.meeting = self.people.meeting = meeting  # its status
                    self.page.fill_header()
        if meeting is not None and changes.meeting == meeting.id:
            case = self.page.selected_case()
            self.reviewer.leave_case()
            self._open_meeting(case.item_id if case else None)
        elif meeting is not None and changes.cases:
            for item_id in sorted(changes.cases):
                self._redraw("Cannot read the case", lambda i=item_id: self.page.update_row(i))
        if changes.agreement and meeting is not None:
            self._redraw("Cannot read the agreement", self.page.load_agreement)
            self.page.fill_progress()
        if changes.tags:
            self._redraw("Cannot read the tags", self.page.reload_tags)
            self.reviewer.show_completions()
        if changes.recommendations and self._key and self._key[0] == "panel":
            self._redraw("Cannot read the recommendations", self.panel_page.show_recommendations)
        current = self.reviewer.case
        if changes.select_case is not None and (
            current is None or current.item_id != changes.select_case
        ):
            self.page.select_case(changes.select_case)  # the form shows it, read afresh
        if self.reviewer.case is current:  # otherwise it was just drawn
            self.reviewer.apply(changes)
        self._update_actions()
        self._update_presenter()

    def _poll_changes(self) -> None:
        if self.db.locked or self.busy or self.current_dialog is not None:
            return  # after the dialog: the mark stays moved until it is read
        try:
            moved = self.watch.poll()
        except Exception:  # the server unreachable for a moment: try again at the next tick
            return
        meeting, shown = self.selected_meeting(), self.page.cases
        if not moved or meeting is None or shown is None:
            return
        self.watch_timer.stop()  # no second redraw inside this one (a box it shows)
        try:
            fresh = case_service.meeting_cases(self.db, meeting.id)
            # (The reading time is left out: this seat's own clock moves it all the time.)
            before = {r.item_id: replace(r, seconds_spent=0) for r in shown.rows}
            after = {r.item_id: replace(r, seconds_spent=0) for r in fresh.rows}
            if set(before) != set(after):  # the agenda itself changed: read it again
                self._apply(Changes(meeting=meeting.id))
                return
            # The rows that moved (and the counts, the agreement) redrawn. The form is redrawn
            # only when its case moved on (revealed, decided, another view in); what is being
            # typed stays.
            moved_rows = frozenset(i for i, row in after.items() if before[i] != row)
            current = self.reviewer.case
            form = current is not None and current.item_id in moved_rows
            self._apply(Changes(cases=moved_rows, form=form, agreement=True))
        except Exception as exc:
            self.show_status(f"Could not show the other seats' changes: {exc}")
        finally:
            self.watch_timer.start()

    def _acting_changed(self) -> None:
        self.reviewer.redraw()
        self._update_actions()

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
            action.triggered.connect(partial(self.reviewer.choose_outcome, outcome.code))
            self.addAction(action)
            self.menu_outcome.addAction(action)
            self._outcome_actions.append(action)

    # ================================================================== actions

    def _update_actions(self) -> None:
        idle = not self.busy
        meeting = self.selected_meeting() is not None
        panel = self.selected_panel() is not None
        rows = self.page.has_rows()
        case = self.reviewer.case is not None
        user = self.people.acting()
        views_stage = case and self.reviewer.stage == VIEWS
        self.action_new_panel.setEnabled(idle)
        self.action_new_meeting.setEnabled(idle and bool(self.panels))
        self.action_import_cases.setEnabled(idle and meeting)
        self.action_draw_sample.setEnabled(idle and meeting)
        self.action_export_report.setEnabled(idle and meeting)
        self.action_export_tracker.setEnabled(idle and bool(self.panels))
        self.action_add_recommendation.setEnabled(idle and panel)
        self.action_next_case.setEnabled(idle and meeting and rows)
        self.action_previous_case.setEnabled(idle and meeting and rows)
        self.action_record_judgement.setEnabled(idle and case)
        self.page.review.done_button.setEnabled(self.action_record_judgement.isEnabled())
        self.action_switch_user.setEnabled(idle and meeting)
        self.action_attendance.setEnabled(idle and meeting)
        self.action_declare_interest.setEnabled(idle and case and user.member_id is not None)
        self.action_reveal_views.setEnabled(idle and bool(views_stage) and user.can_reveal)
        self.action_reveal_all.setEnabled(idle and meeting and rows and user.can_reveal)
        self.action_filter_cases.setEnabled(meeting and rows)
        self.action_add_tag.setEnabled(idle and case)
        self.action_agreement.setEnabled(meeting and rows)
        self.action_session_summary.setEnabled(meeting and rows)
        for action in self._outcome_actions:
            action.setEnabled(idle and meeting and case)
        self.menu_outcome.setEnabled(idle and meeting and case)
        self.page.review.acting_button.setEnabled(idle and meeting)
        self._update_undo_actions()

    def _update_undo_actions(self) -> None:
        h = self.ops.history
        idle = not self.busy
        self.action_undo.setEnabled(idle and h.can_undo)
        self.action_redo.setEnabled(idle and h.can_redo)
        self.action_undo.setText(f"&Undo {h.undo_label}" if h.can_undo else "&Undo")
        self.action_redo.setText(f"&Redo {h.redo_label}" if h.can_redo else "&Redo")

    def _redraw(self, what: str, redraw: Callable[[], object]) -> None:
        """One part of a redraw: a failure is shown, and the rest is still redrawn."""
        try:
            redraw()
        except Exception as exc:
            show_error(self, what, exc)

    # ================================================================== the meeting's tools

    def reveal_all_views(self, *_args: object) -> None:
        if self.reviewer.reveal_all_views():
            self.show_agreement()

    def toggle_presenter(self, *_args: object) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.close()  # _presenter_closed: the action and the banner
            self.show_status("Presenter view closed")
            return
        if self.presenter is None:
            self.presenter = PresenterWindow(self)
            self.presenter.destroyed.connect(lambda *_: setattr(self, "presenter", None))
            self.presenter.closed.connect(self._presenter_closed)
        self.presenter.set_state(self.presenter_state())
        on_room = self.presenter.show_on_room_screen(self.screen())
        self.action_presenter.setChecked(True)
        self.activateWindow()  # the officer keeps typing here
        where = (
            f"on the second screen ({html.escape(self.presenter.screen().name())}), full screen"
            if on_room
            else "in front of this window: no second screen was found (F11: full screen)"
        )
        self.reviewer.show_banner(
            f"<b>Presenter view</b> {where}. It shows the case and the tally, never a "
            "member's name. F5 closes it.",
            key="presenter",
            anywhere=True,
        )
        self.show_status(f"Presenter view {'on the second screen' if on_room else 'opened'}")

    def _presenter_closed(self) -> None:
        self.action_presenter.setChecked(False)
        self.reviewer.clear_banner("presenter")

    def presenter_state(self):
        r, page = self.reviewer, self.page
        case = r.case
        stage = r.stage_for(case, r.views) if case is not None else ""
        return presenter_state(
            self.selected_panel(), self.selected_meeting(), page.cases, case, r.views,
            page.template, stage,
        )  # fmt: skip

    def _update_presenter(self) -> None:
        if self.presenter is not None and self.presenter.isVisible():
            self.presenter.set_state(self.presenter_state())

    def show_agreement(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        self.reviewer.flush_edits()
        try:
            agreement = meeting_agreement(self.db, meeting.id)
        except Exception as exc:
            show_error(self, "Agreement", exc)
            return
        self.page.agreement = agreement
        self.page.fill_progress()
        self.open_dialog(
            AgreementDialog(
                self,
                agreement,
                meeting_title=f"{meeting.panel_name} · {meeting.title}",
                on_open_case=self.page.select_case,
            )
        )

    def show_session_summary(self, *_args: object) -> None:
        meeting = self.selected_meeting()
        if meeting is None or self.page.cases is None:
            return
        self.reviewer.flush_edits()
        self.reviewer.clock.flush()
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
        self.open_dialog(
            SessionSummaryDialog(
                self,
                cases,
                meeting_title=f"{meeting.panel_name} · {meeting.title}",
                agreement=agreement if agreement.measured else None,
                paragraph=paragraph,
            )
        )

    # ================================================================== help

    def shortcut_rows(self) -> list[tuple[str, str]]:
        rows: list[tuple[str, str]] = []
        for action in [*self._all_actions(), *self.extra_actions.values()]:
            keys = ", ".join(shortcut_text(s) for s in action.shortcuts())
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…").strip(), keys))
        undo = [r for r in rows if r[0].startswith(("Undo", "Redo"))]
        rows = [r for r in rows if r not in undo] + [
            ("Undo the last saved change", shortcut_text(self.action_undo.shortcut())),
            ("Redo", ", ".join(shortcut_text(s) for s in self.action_redo.shortcuts())),
        ]
        for action in self._outcome_actions:
            label = action.text().replace("&", "").split(None, 1)[-1]
            rows.append((f"Outcome: {label}", shortcut_text(action.shortcut())))
        rows += [
            ("Move between fields", "Tab, Shift+Tab"),
            ("Answer a question: move between the answers", "Arrow keys"),
            ("Remove the selected tag", "Delete"),
            ("Presenter view: full screen on or off / leave", "F11, Esc"),
        ]
        return rows

    def show_shortcuts(self) -> None:
        self.open_dialog(ShortcutsDialog(self, self.shortcut_rows()))

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About Scrutiny",
            f"<h3>Scrutiny {__version__}</h3>"
            "<p>For independent police scrutiny panels: dip-sample closed case files, record "
            "the panel's judgements, export the panel report and track recommendations.</p>"
            "<p>Case-level material is <b>OFFICIAL-SENSITIVE</b>. Published reports are "
            "OFFICIAL.</p>"
            f"<p>Database: {html.escape(self.db.display_name)}</p>",
        )

    # ================================================================== closing

    def clear_plain_warning(self) -> None:
        if self.plain_warning is not None:
            self.statusBar().removeWidget(self.plain_warning)
            self.plain_warning.deleteLater()
            self.plain_warning = None

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locker.locked:  # everything was saved when it locked; the key is gone
            if self.presenter is not None:
                self.presenter.close()
            event.accept()
            return
        if background.active_jobs():
            answer = QMessageBox.question(
                self,
                "Quit",
                "An import or export is still running. Cancel it and quit?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
            background.cancel_all_and_wait()
        self.reviewer.flush_edits()  # nothing to ask: everything is saved as it is made
        self.reviewer.clock.flush()
        if self.presenter is not None:
            self.presenter.close()
        event.accept()
