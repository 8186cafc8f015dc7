"""The main window: panels and meetings on the left, the selected meeting's session on the right.

Layout, menus and actions come from ``ui/main_window.ui``. Everything this window does goes
through the services; it keeps the selection (meeting and case) across every refresh.

The meeting page is the case review screen of a panel session: the case list with each case's
state and a filter, the selected case laid out for reading, and the review form generated from
the panel's template (:mod:`scrutiny_app.gui.review`). Every change is saved as it is made:
buttons at once, text on a short pause in typing and when the box loses the focus, so a crash
loses at most the text being typed. Each save is one step of the Edit menu's undo history.
"""

from __future__ import annotations

import getpass
import html
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QElapsedTimer, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
    QPalette,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app import __version__
from scrutiny_app.domain.vocab import AccessMode, MeetingStatus
from scrutiny_app.gui import background, windows
from scrutiny_app.gui.dialogs import (
    AddRecommendationDialog,
    DrawSampleDialog,
    NewMeetingDialog,
    NewPanelDialog,
    ShortcutsDialog,
    shortcut_text,
)
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.models import (
    COLUMNS,
    KEY_ROLE,
    SESSION_COLUMNS,
    STATE_FILTERS,
    SUBTITLE_ROLE,
    CaseSortProxy,
    CaseTableModel,
    TwoLineDelegate,
    format_when,
    short_label,
)
from scrutiny_app.gui.presenter import PresenterWindow
from scrutiny_app.gui.review import VIEWS, ReviewForm
from scrutiny_app.gui.session_dialogs import (
    kappa_text,
)
from scrutiny_app.gui.session_mixin import SessionMixin
from scrutiny_app.gui.style import swatch
from scrutiny_app.gui.uiload import child, load_form
from scrutiny_app.services import (
    cases as case_service,
)
from scrutiny_app.services import (
    panels,
    recommendations,
    sampling,
    session,
    tags,
    templates,
)
from scrutiny_app.services.agreement import MeetingAgreement, meeting_agreement
from scrutiny_app.services.cases import CaseRow, MeetingCases
from scrutiny_app.services.history import History
from scrutiny_app.services.panels import AttendeeInfo, MeetingInfo, PanelInfo
from scrutiny_app.services.session import CaseViews, ReviewTemplate, SessionUser
from scrutiny_app.storage import Database

Key = tuple[str, int]  # ("panel", id) or ("meeting", id)
_KEEP: Any = object()  # "keep the current selection" in refresh()

STATUS_MESSAGE_MS = 12_000
SAVE_DELAY_MS = 700  # text is saved this long after the last keystroke (and on leaving the box)
CLOCK_FLUSH_MS = 60_000  # time spent on the case is written at least this often


def status_label(status: str) -> str:
    try:
        return MeetingStatus(status).value.replace("_", " ").capitalize()
    except ValueError:
        return status


def _computer_user() -> str:
    try:
        return getpass.getuser() or "This computer"
    except Exception:
        return "This computer"


_NEEDS_MAPPING = object()


class MainWindow(SessionMixin, QMainWindow):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        load_form("main_window.ui", self)
        self._bind_widgets()
        self.extra_actions = windows.install(self)  # wizard, sample options, lists, report, tracker

        self._panels: list[PanelInfo] = []
        self._key: Key | None = None
        self._cases: MeetingCases | None = None
        self._population = 0
        self._editing: CaseRow | None = None  # the case the review form shows
        self._views: CaseViews | None = None  # its members' views, as the acting user sees them
        self._template: ReviewTemplate | None = None
        self._attendance: tuple[AttendeeInfo, ...] = ()
        self._actors: dict[int, SessionUser] = {}  # meeting id -> who is using the app
        self._asked_who: set[int] = set()
        self._fallback_user = SessionUser(None, _computer_user(), "officer")
        self._agreement: MeetingAgreement | None = None
        self.history = History()
        self._pending: dict[str, str] = {}  # field key -> text typed, not yet saved
        self._pending_item: int | None = None
        self._loading = 0  # >0 while the code (not the user) changes widgets
        self._busy = False  # a background job is running
        self._outcome_template: tuple[str, tuple[str, ...]] | None = None
        self._outcome_actions: list[QAction] = []
        self._last_dir = str(Path.home())
        self.current_dialog: QDialog | None = None
        self.presenter: PresenterWindow | None = None
        self._clock = QElapsedTimer()
        self._clock_item: int | None = None
        self._clock_banked_ms = 0

        self._setup_tree()
        self._setup_table()
        self._setup_review()
        self._setup_actions()
        self._setup_layout()
        self._setup_clock()
        self.setWindowTitle(f"Scrutiny — {Path(db.display_name).name}")
        self.refresh(key=None)

    # ================================================================== setup

    def _bind_widgets(self) -> None:
        c = partial(child, self)
        self.main_splitter = c(QSplitter, "mainSplitter")
        self.work_splitter = c(QSplitter, "workSplitter")
        self.left_splitter = c(QSplitter, "leftSplitter")
        self.tree = c(QTreeWidget, "panelTree")
        self.stack = c(QStackedWidget, "detailStack")
        self.empty_page = c(QWidget, "emptyPage")
        self.empty_label = c(QLabel, "emptyLabel")
        self.panel_page = c(QWidget, "panelPage")
        self.meeting_page = c(QWidget, "meetingPage")
        # panel summary
        self.panel_title = c(QLabel, "panelTitle")
        self.panel_subtitle = c(QLabel, "panelSubtitle")
        self.panel_template_value = c(QLabel, "panelTemplateValue")
        self.panel_force_value = c(QLabel, "panelForceValue")
        self.panel_code_value = c(QLabel, "panelCodeValue")
        self.panel_access_value = c(QLabel, "panelAccessValue")
        self.panel_outcomes_value = c(QLabel, "panelOutcomesValue")
        self.panel_meetings_value = c(QLabel, "panelMeetingsValue")
        self.recommendation_list = c(QTreeWidget, "recommendationList")
        self.panel_card = c(QFrame, "panelCard")
        # meeting
        self.meeting_header = c(QFrame, "meetingHeader")
        self.meeting_title = c(QLabel, "meetingTitle")
        self.meeting_subtitle = c(QLabel, "meetingSubtitle")
        self.meeting_counts = c(QLabel, "meetingCounts")
        self.classification_badge = c(QLabel, "classificationBadge")
        self.progress_label = c(QLabel, "progressLabel")
        self.agreement_label = c(QLabel, "agreementLabel")
        self.case_filter_edit = c(QLineEdit, "caseFilterEdit")
        self.state_filter_combo = c(QComboBox, "stateFilterCombo")
        self.case_table = c(QTableView, "caseTable")
        self.empty_cases_label = c(QLabel, "emptyCasesLabel")
        self.case_details = c(QTextBrowser, "caseDetails")
        self.case_details_box = c(QGroupBox, "caseDetailsBox")
        self.review_scroll = c(QScrollArea, "reviewScroll")
        self.review_host = c(QWidget, "reviewHost")
        self.menu_outcome = c(QMenu, "menuOutcome")
        # actions
        self.action_new_panel = c(QAction, "actionNewPanel")
        self.action_new_meeting = c(QAction, "actionNewMeeting")
        self.action_import_cases = c(QAction, "actionImportCases")
        self.action_export_report = c(QAction, "actionExportReport")
        self.action_export_tracker = c(QAction, "actionExportTracker")
        self.action_quit = c(QAction, "actionQuit")
        self.action_undo = c(QAction, "actionUndo")
        self.action_redo = c(QAction, "actionRedo")
        self.action_filter_cases = c(QAction, "actionFilterCases")
        self.action_add_tag = c(QAction, "actionAddTag")
        self.action_draw_sample = c(QAction, "actionDrawSample")
        self.action_add_recommendation = c(QAction, "actionAddRecommendation")
        self.action_switch_user = c(QAction, "actionSwitchUser")
        self.action_attendance = c(QAction, "actionAttendance")
        self.action_declare_interest = c(QAction, "actionDeclareInterest")
        self.action_reveal_views = c(QAction, "actionRevealViews")
        self.action_reveal_all = c(QAction, "actionRevealAllViews")
        self.action_record_judgement = c(QAction, "actionRecordJudgement")
        self.action_next_case = c(QAction, "actionNextCase")
        self.action_previous_case = c(QAction, "actionPreviousCase")
        self.action_presenter = c(QAction, "actionPresenterView")
        self.action_agreement = c(QAction, "actionAgreement")
        self.action_session_summary = c(QAction, "actionSessionSummary")
        self.action_shortcuts = c(QAction, "actionShortcuts")
        self.action_about = c(QAction, "actionAbout")

    def _setup_tree(self) -> None:
        self.tree.setItemDelegate(TwoLineDelegate(self.tree))
        # The selection is a light tint (app.qss), so selected text stays dark.
        palette = self.tree.palette()
        palette.setColor(QPalette.ColorRole.Highlight, QColor("#dce7f5"))
        palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#10243e"))
        self.tree.setPalette(palette)
        self.tree.currentItemChanged.connect(self._tree_current_changed)

    def _setup_table(self) -> None:
        self.case_model = CaseTableModel(self)
        self.case_proxy = CaseSortProxy(self)
        self.case_proxy.setSourceModel(self.case_model)
        self.case_table.setModel(self.case_proxy)
        self.case_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        header = self.case_table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        for i, column in enumerate(COLUMNS):
            self.case_table.setColumnHidden(i, column.key not in SESSION_COLUMNS)
        # The summary last, where it takes the width left (and elides) instead of scrolling.
        summary = next(i for i, c in enumerate(COLUMNS) if c.key == "summary")
        header.moveSection(header.visualIndex(summary), len(COLUMNS) - 1)
        fm = QFontMetrics(self.case_table.font())
        self._fitted_meeting: tuple[int, int] | None = None
        self.case_table.verticalHeader().setDefaultSectionSize(fm.height() + 12)
        self.case_table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.case_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.case_table.selectionModel().currentRowChanged.connect(self._case_current_changed)
        self.case_table.doubleClicked.connect(lambda _index: self._focus_form())
        for label, states in STATE_FILTERS:
            self.state_filter_combo.addItem(label, states)
        self.state_filter_combo.currentIndexChanged.connect(self._filter_changed)
        self.case_filter_edit.textChanged.connect(self._filter_changed)

    def _setup_review(self) -> None:
        self.review = ReviewForm(self.review_host)
        layout = self.review_host.layout()
        assert layout is not None
        layout.addWidget(self.review)
        r = self.review
        # The names the walking-skeleton tests and older code use.
        self.judgement_box = r.box
        self.judgement_case = r.status_label
        self.consensus_combo = r.consensus_combo
        self.record_button = r.done_button
        self.observations_edit = r.text_edits["decision:observations"]
        self.good_practice_edit = r.text_edits["decision:good_practice"]
        self.individual_learning_edit = r.text_edits["decision:individual_learning"]
        self.organisational_learning_edit = r.text_edits["decision:organisational_learning"]
        self.dissent_edit = r.text_edits["decision:dissent"]
        self.note_edit = r.text_edits["view:note"]
        r.outcomeChosen.connect(self._outcome_clicked)
        r.textEdited.connect(self._text_edited)
        r.textLeft.connect(self._text_left)
        r.answerChosen.connect(self._answer_chosen)
        r.consensusChosen.connect(self._consensus_chosen)
        r.internalChosen.connect(self._internal_chosen)
        r.tagAdded.connect(self.add_tag)
        r.tagRemoved.connect(self.remove_tag)
        r.revealRequested.connect(self.reveal_views)
        r.declareRequested.connect(self.declare_interest)
        r.doneRequested.connect(self.action_record_judgement.trigger)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.flush_edits)

    def _setup_actions(self) -> None:
        a = self
        a.action_new_panel.triggered.connect(self.new_panel)
        a.action_new_meeting.triggered.connect(self.new_meeting)
        a.action_import_cases.triggered.connect(self.import_cases)
        a.action_export_report.triggered.connect(self.export_report)
        a.action_export_tracker.triggered.connect(self.export_tracker)
        a.action_quit.triggered.connect(self.close)
        a.action_undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        a.action_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        a.action_undo.triggered.connect(self.undo)
        a.action_redo.triggered.connect(self.redo)
        a.action_filter_cases.triggered.connect(self._focus_filter)
        a.action_add_tag.triggered.connect(self._focus_tags)
        a.action_draw_sample.triggered.connect(self.draw_sample)
        a.action_add_recommendation.triggered.connect(self.add_recommendation)
        a.action_switch_user.triggered.connect(self.ask_who)
        a.action_attendance.triggered.connect(self.edit_attendance)
        a.action_declare_interest.triggered.connect(self.declare_interest)
        a.action_reveal_views.triggered.connect(self.reveal_views)
        a.action_reveal_all.triggered.connect(self.reveal_all_views)
        a.action_record_judgement.setShortcuts(
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        a.action_record_judgement.triggered.connect(self.record_judgement)
        a.action_next_case.triggered.connect(partial(self.move_case, 1))
        a.action_previous_case.triggered.connect(partial(self.move_case, -1))
        a.action_presenter.setCheckable(True)
        a.action_presenter.triggered.connect(self.toggle_presenter)
        a.action_agreement.triggered.connect(self.show_agreement)
        a.action_session_summary.triggered.connect(self.show_session_summary)
        a.action_shortcuts.triggered.connect(self.show_shortcuts)
        a.action_about.triggered.connect(self.about)
        # Shortcuts must work with the focus anywhere in the window (not only the menu bar).
        for action in self._all_actions():
            self.addAction(action)

    def _setup_layout(self) -> None:
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([210, 1150])
        self.work_splitter.setStretchFactor(0, 11)
        self.work_splitter.setStretchFactor(1, 10)
        self.work_splitter.setSizes([610, 540])
        self.left_splitter.setStretchFactor(0, 1)
        self.left_splitter.setStretchFactor(1, 1)
        self.left_splitter.setSizes([300, 300])
        self.review_scroll.setMinimumWidth(380)
        self.db_label = QLabel(f"Database: {self.db.display_name}")
        self.db_label.setObjectName("databaseLabel")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.db_label)
        self.classification_badge.setAccessibleName("Classification: OFFICIAL-SENSITIVE")
        self.agreement_label.linkActivated.connect(lambda _link: self.show_agreement())
        self.meeting_header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        page = self.meeting_page.layout()
        if isinstance(page, QVBoxLayout):
            page.setStretch(page.indexOf(self.work_splitter), 1)
        self.acting_button = self.review.acting_button
        self.acting_button.clicked.connect(self.ask_who)

    def _setup_clock(self) -> None:
        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(CLOCK_FLUSH_MS)
        self._clock_timer.timeout.connect(self._flush_clock)
        self._clock_timer.start()
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._app_state_changed)

    def _all_actions(self) -> list[QAction]:
        return [
            self.action_new_panel,
            self.action_new_meeting,
            self.action_import_cases,
            self.action_export_report,
            self.action_export_tracker,
            self.action_quit,
            self.action_undo,
            self.action_redo,
            self.action_filter_cases,
            self.action_add_tag,
            self.action_draw_sample,
            self.action_add_recommendation,
            self.action_switch_user,
            self.action_attendance,
            self.action_declare_interest,
            self.action_reveal_views,
            self.action_reveal_all,
            self.action_record_judgement,
            self.action_next_case,
            self.action_previous_case,
            self.action_presenter,
            self.action_agreement,
            self.action_session_summary,
            self.action_shortcuts,
            self.action_about,
        ]

    # ================================================================== selection

    def selected_panel(self) -> PanelInfo | None:
        """The selected panel, or the panel of the selected meeting."""
        if self._key is None:
            return None
        kind, ident = self._key
        for p in self._panels:
            if (kind == "panel" and p.id == ident) or (
                kind == "meeting" and any(m.id == ident for m in p.meetings)
            ):
                return p
        return None

    def all_meetings(self) -> list[MeetingInfo]:
        return [m for p in self._panels for m in p.meetings]

    def selected_meeting(self) -> MeetingInfo | None:
        if self._key is None or self._key[0] != "meeting":
            return None
        for p in self._panels:
            for m in p.meetings:
                if m.id == self._key[1]:
                    return m
        return None

    def selected_case(self) -> CaseRow | None:
        index = self.case_table.currentIndex()
        if not index.isValid():
            return None
        return self.case_model.case_at(self.case_proxy.mapToSource(index).row())

    def select_panel(self, panel_id: int) -> bool:
        return self._select_key(("panel", panel_id))

    def select_meeting(self, meeting_id: int) -> bool:
        return self._select_key(("meeting", meeting_id))

    def select_case(self, item_id: int) -> bool:
        row = self.case_model.row_of(item_id)
        if row < 0:
            return False
        index = self.case_proxy.mapFromSource(self.case_model.index(row, 0))
        if not index.isValid():  # filtered out: pin it so it shows
            self.case_proxy.pinned = item_id
            self.case_proxy.refilter()
            index = self.case_proxy.mapFromSource(self.case_model.index(row, 0))
        self.case_table.setCurrentIndex(index)
        self.case_table.scrollTo(index)
        current = self.selected_case()
        return current is not None and current.item_id == item_id

    def outcome_button(self, code: str) -> QPushButton | None:
        """The outcome button of the stage the review form shows."""
        return self.review.outcome_buttons().buttons.get(code)

    @property
    def outcome_box(self) -> QWidget:
        return self.review.outcome_buttons()

    def acting(self) -> SessionUser:
        """Who is using the app at the selected meeting."""
        meeting = self.selected_meeting()
        if meeting is not None and meeting.id in self._actors:
            return self._actors[meeting.id]
        return self._fallback_user

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
        self, current: QTreeWidgetItem | None, previous: QTreeWidgetItem | None
    ) -> None:
        if self._loading:
            return
        key = self._item_key(current)
        if key == self._key:
            return
        self._leave_case()
        self._show_key(key)

    def _case_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._loading:
            return
        case = self.selected_case()
        if self._editing is not None and case is not None and case.item_id == self._editing.item_id:
            return
        self._leave_case()
        self._show_case(case)
        self._update_actions()
        if self.case_proxy.filtering:
            QTimer.singleShot(0, self._refilter)

    def _leave_case(self) -> None:
        """Before another case (or meeting) is shown: save what was typed, bank the time."""
        self.flush_edits()
        self.history.seal()
        self._flush_clock()

    def _refilter(self) -> None:
        self._loading += 1
        try:
            self.case_proxy.refilter()
        finally:
            self._loading -= 1

    def _filter_changed(self, *_args: object) -> None:
        states = self.state_filter_combo.currentData()
        self._loading += 1
        try:
            self.case_proxy.set_filter(states, self.case_filter_edit.text())
        finally:
            self._loading -= 1
        if self._editing is not None:
            self.select_case(self._editing.item_id)
        count = self.case_proxy.rowCount()
        if self.case_proxy.filtering:
            self.show_status(f"{count} of {self.case_model.rowCount()} cases shown")

    def _column_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        for i, column in enumerate(COLUMNS):
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(not self.case_table.isColumnHidden(i))
            action.toggled.connect(partial(self._toggle_column, i))
        menu.popup(self.case_table.horizontalHeader().mapToGlobal(pos))

    def _toggle_column(self, index: int, shown: bool) -> None:
        self.case_table.setColumnHidden(index, not shown)

    # ================================================================== refresh

    def refresh(self, *, key: Any = _KEEP, case_item_id: Any = _KEEP) -> None:
        """Reload panels, meetings and the open meeting; re-select ``key`` and the case.

        By default the current meeting (or panel) and case stay selected. Text being typed is
        saved first.
        """
        self.flush_edits()
        if key is _KEEP:
            key = self._key
        if case_item_id is _KEEP:
            case = self.selected_case()
            case_item_id = case.item_id if case else None
        try:
            self._panels = panels.list_panels(self.db)
        except Exception as exc:
            show_error(self, "Cannot read the database", exc)
            return
        self._loading += 1
        try:
            self._fill_tree()
            item = self._find_item(key)
            self.tree.setCurrentItem(item)
            if item is None:
                self.tree.clearSelection()
                key = None
        finally:
            self._loading -= 1
        self._show_key(key, case_item_id)

    def _fill_tree(self) -> None:
        self.tree.clear()
        for p in self._panels:
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

    @staticmethod
    def _set_meeting_subtitle(item: QTreeWidgetItem, status: str, decided: int, total: int) -> None:
        sub = f"{status_label(status)} · {decided}/{total} decided"
        item.setData(0, SUBTITLE_ROLE, sub)
        item.setToolTip(0, f"{item.text(0)}\n{sub}")

    def _show_key(self, key: Key | None, case_item_id: int | None = None) -> None:
        previous_meeting = self._key[1] if self._key and self._key[0] == "meeting" else None
        self._key = key
        if key is None or key[0] != "meeting" or key[1] != previous_meeting:
            self.history.clear()
        if key is None:
            self._clear_meeting()
            self.empty_label.setText(
                "Select a panel or a meeting on the left."
                if self._panels
                else "No panels yet. Create one with File ▸ New panel (Ctrl+Shift+N)."
            )
            self.stack.setCurrentWidget(self.empty_page)
        elif key[0] == "panel":
            self._clear_meeting()
            panel = self.selected_panel()
            if panel is not None:
                self._fill_panel_page(panel)
            self.stack.setCurrentWidget(self.panel_page)
        else:
            self.stack.setCurrentWidget(self.meeting_page)
            self._load_meeting(key[1], case_item_id)
        self._update_actions()
        self._update_presenter()

    def _clear_meeting(self) -> None:
        self._loading += 1
        try:
            self._cases = None
            self._agreement = None
            self.case_model.clear()
        finally:
            self._loading -= 1
        self._show_case(None)

    # ================================================================== panel page

    def _fill_panel_page(self, panel: PanelInfo) -> None:
        self.panel_title.setText(panel.name)
        facts = [
            panel.force,
            f"{len(panel.meetings)} meeting" + ("" if len(panel.meetings) == 1 else "s"),
        ]
        self.panel_subtitle.setText(" · ".join(f for f in facts if f))
        self.panel_template_value.setText(panel.template.name)
        self.panel_force_value.setText(panel.force or "—")
        self.panel_code_value.setText(panel.code)
        if panel.access_mode == AccessMode.FULL:
            access = "Full access: members see the case files as the force holds them"
        else:
            access = "Pseudonymised: members see a case reference, not names or addresses"
        self.panel_access_value.setText(access)
        self.panel_outcomes_value.setText(
            " &nbsp; ".join(
                f"{swatch(o.colour)} {html.escape(o.label)}" for o in panel.template.outcomes
            )
        )
        n = len(panel.meetings)
        decided = sum(m.decided_count for m in panel.meetings)
        total = sum(m.case_count for m in panel.meetings)
        self.panel_meetings_value.setText(
            f"{n} meeting{'s' if n != 1 else ''}; {decided} of {total} sampled cases decided"
        )
        self.recommendation_list.clear()
        try:
            rows = recommendations.list_recommendations(self.db, panel_id=panel.id)
        except Exception as exc:
            show_error(self, "Cannot read the recommendations", exc)
            rows = []
        for r in rows:
            status = r.status_label + (" — overdue" if r.overdue else "")
            item = QTreeWidgetItem(
                [r.reference, status, format_when(r.response_due), r.addressed_to, r.text]
            )
            item.setToolTip(4, r.text)
            self.recommendation_list.addTopLevelItem(item)
        header = self.recommendation_list.header()
        header.setStretchLastSection(True)
        for i, width in enumerate((170, 200, 110, 220)):
            header.resizeSection(i, width)
        self.recommendation_list.setVisible(bool(rows))
        title = child(self, QLabel, "recommendationsTitle")
        title.setText(
            f"Recommendations ({len(rows)})"
            if rows
            else "Recommendations: none yet (Meeting ▸ Add recommendation, Ctrl+R)"
        )

    # ================================================================== meeting page

    def _load_meeting(self, meeting_id: int, case_item_id: int | None) -> None:
        meeting = self.selected_meeting()
        panel = self.selected_panel()
        try:
            cases = case_service.meeting_cases(self.db, meeting_id)
            population = panels.population_size(self.db, meeting_id)
            template = session.review_template(self.db, meeting_id)
            attendance = panels.meeting_attendance(self.db, meeting_id)
            panel_tags = tags.list_tags(self.db, panel.id) if panel else []
        except Exception as exc:
            show_error(self, "Cannot open the meeting", exc)
            self._clear_meeting()
            return
        self._cases, self._population = cases, population
        self._template, self._attendance = template, attendance
        self._check_actor(meeting_id)
        self.review.set_template(template)
        self.review.tag_editor.set_completions([t.name for t in panel_tags])
        self._ensure_outcome_actions(template)
        self._load_agreement(meeting_id)
        self._loading += 1
        try:
            self.case_proxy.pinned = case_item_id
            self.case_model.set_rows(cases.rows, cases.template)
            row = self.case_model.row_of(case_item_id) if case_item_id is not None else -1
            if row < 0 and cases.rows:
                row = self.case_model.row_of(self._first_visible_item_id())
            if row >= 0:
                index = self.case_proxy.mapFromSource(self.case_model.index(row, 0))
                self.case_table.setCurrentIndex(index)
                self.case_table.scrollTo(index)
        finally:
            self._loading -= 1
        has_rows = bool(cases.rows)
        if has_rows and self._fitted_meeting != (meeting_id, len(cases.rows)):
            self._fitted_meeting = (meeting_id, len(cases.rows))
            self.fit_columns()
        self.case_table.setVisible(has_rows)
        for w in (self.case_filter_edit, self.state_filter_combo):
            w.setVisible(has_rows)
        self.empty_cases_label.setVisible(not has_rows)
        if population and not has_rows:
            self.empty_cases_label.setText(
                f"{population:,} cases imported. Draw the sample the panel will review "
                "(Meeting ▸ Draw sample, Ctrl+D)."
            )
        elif not has_rows:
            self.empty_cases_label.setText(
                "No cases yet. Import the force's extract (File ▸ Import cases, Ctrl+I), "
                "then draw a sample (Meeting ▸ Draw sample, Ctrl+D)."
            )
        if panel is not None and meeting is not None:
            self._fill_header(panel, meeting, cases, population)
        self._show_case(self.selected_case())
        if meeting is not None:
            self._maybe_ask_who(meeting)

    def fit_columns(self) -> None:
        """Size each column to its contents, within a per-column cap; the last one stretches."""
        table_font = self.case_table.font()
        header_font = self.case_table.horizontalHeader().font()
        header_font.setBold(True)
        header_fm = QFontMetrics(header_font)
        avg = QFontMetrics(table_font).averageCharWidth()
        header = self.case_table.horizontalHeader()
        rows = self.case_model.rowCount()
        pad = 22  # the item padding (app.qss) and the style's text margins
        for col, column in enumerate(COLUMNS[:-1]):
            widest = header_fm.horizontalAdvance(column.title) + 10
            cap = max(column.max_chars * avg, header_fm.horizontalAdvance(column.title) + 10)
            if column.key == "judgement" and self._cases is not None:
                # Room for every outcome of the scheme, so judging never makes it elide.
                bold = QFont(table_font)
                bold.setBold(True)
                widest = cap = max(
                    [widest]
                    + [
                        QFontMetrics(bold).horizontalAdvance(short_label(o.label)) + 22
                        for o in self._cases.template.outcomes
                    ]
                )
            for row in range(min(rows, 200)):
                index = self.case_model.index(row, col)
                text = index.data(Qt.ItemDataRole.DisplayRole) or ""
                font = index.data(Qt.ItemDataRole.FontRole) or table_font
                extra = 22 if index.data(Qt.ItemDataRole.DecorationRole) is not None else 0
                widest = max(widest, QFontMetrics(font).horizontalAdvance(text) + extra)
            header.resizeSection(col, min(widest, cap) + pad)

    def _first_visible_item_id(self) -> int:
        source = self.case_proxy.mapToSource(self.case_proxy.index(0, 0))
        case = self.case_model.case_at(source.row())
        return case.item_id if case else -1

    def _fill_header(
        self, panel: PanelInfo, meeting: MeetingInfo, cases: MeetingCases, population: int
    ) -> None:
        self.meeting_title.setText(f"{panel.name} · {meeting.date.day} {meeting.date:%B %Y}")
        parts = [
            f"Theme: {meeting.theme}" if meeting.theme else "No theme set",
            f"Status: {status_label(meeting.status)}",
            f"Population: {population:,} cases",
            f"Sample: {len(cases.rows)} cases, {cases.decided_count} decided",
        ]
        self.meeting_subtitle.setText("   ·   ".join(parts))
        self._fill_counts(cases)
        self._fill_session_header()

    def _fill_counts(self, cases: MeetingCases) -> None:
        counts = cases.counts()
        if cases.rows:
            self.meeting_counts.setText(
                " &nbsp;&nbsp; ".join(
                    f'<span title="{html.escape(c.outcome.label)}">{swatch(c.outcome.colour)} '
                    f"{html.escape(short_label(c.outcome.label))} <b>{c.count}</b></span>"
                    for c in counts
                )
            )
            self.meeting_counts.setToolTip(
                "\n".join(f"{c.outcome.label}: {c.count} ({c.percent:.0f}%)" for c in counts)
            )
        else:
            self.meeting_counts.setText("")
            self.meeting_counts.setToolTip("")
        self.meeting_counts.setVisible(bool(cases.rows))

    def _fill_session_header(self) -> None:
        cases = self._cases
        user = self.acting()
        self.acting_button.setText(f"Using the app: {user.label}  ▾")
        self.acting_button.setToolTip(
            "Who is using the app: views and decisions are saved under this name. "
            "Click (or Ctrl+U) to change."
        )
        self.acting_button.setAccessibleName(f"Using the app: {user.label}. Change (Ctrl+U)")
        if cases is not None and cases.rows:
            self.progress_label.setText(f"<b>{cases.progress_text}</b>")
            self.progress_label.setToolTip(
                f"{cases.decided_count} decided, {cases.carried_over_count} of them carried "
                f"over; {len(cases.rows) - cases.decided_count} still to decide"
            )
        else:
            self.progress_label.setText("")
        ag = self._agreement
        if ag is not None and ag.measured:
            self.agreement_label.setText(
                f"Agreement: κ <b>{kappa_text(ag)}</b> ({html.escape(ag.interpretation)}), "
                f"{ag.percent_agreement:.0f}% &nbsp;<a href='agreement'>details</a>"
            )
            self.agreement_label.setToolTip(ag.summary)
        else:
            self.agreement_label.setText("")
            self.agreement_label.setToolTip("")
        self.agreement_label.setVisible(bool(ag is not None and ag.measured))

    def _load_agreement(self, meeting_id: int) -> None:
        try:
            self._agreement = meeting_agreement(self.db, meeting_id)
        except Exception:
            self._agreement = None

    # ================================================================== actions

    def _update_actions(self) -> None:
        idle = not self._busy
        meeting = self.selected_meeting() is not None
        panel = self.selected_panel() is not None
        rows = self.case_model.rowCount() > 0
        case = self._editing is not None
        user = self.acting()
        views_stage = case and self.review.stage == VIEWS
        self.action_new_panel.setEnabled(idle)
        self.action_new_meeting.setEnabled(idle and bool(self._panels))
        self.action_import_cases.setEnabled(idle and meeting)
        self.action_draw_sample.setEnabled(idle and meeting)
        self.action_export_report.setEnabled(idle and meeting)
        self.action_export_tracker.setEnabled(idle and bool(self._panels))
        self.action_add_recommendation.setEnabled(idle and panel)
        self.action_next_case.setEnabled(idle and meeting and rows)
        self.action_previous_case.setEnabled(idle and meeting and rows)
        self.action_record_judgement.setEnabled(idle and case)
        self.record_button.setEnabled(self.action_record_judgement.isEnabled())
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
        self.acting_button.setEnabled(idle and meeting)
        self._update_undo_actions()

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_MESSAGE_MS)

    def _open_dialog(self, dialog: QDialog) -> QDialog:
        """Open ``dialog`` window-modal without blocking; ``current_dialog`` until it closes."""
        self.current_dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(partial(self._dialog_finished, dialog))
        dialog.open()
        return dialog

    def _dialog_finished(self, dialog: QDialog, _result: int) -> None:
        if self.current_dialog is dialog:
            self.current_dialog = None

    # ------------------------------------------------------------------ File

    def new_panel(self) -> None:
        self.flush_edits()
        try:
            available = templates.list_templates(self.db)
        except Exception as exc:
            show_error(self, "New panel", exc)
            return

        def submit(v: Any) -> int:
            panel_id = panels.create_panel(
                self.db,
                v.template_key,
                v.name,
                force=v.force,
                code=v.code,
                access_mode=v.access_mode,
                actor=self.acting().name,
            )
            self.refresh(key=("panel", panel_id), case_item_id=None)
            self.show_status(f"Panel created: {v.name}")
            return panel_id

        self._open_dialog(NewPanelDialog(self, available, submit))

    def new_meeting(self) -> None:
        if not self._panels:
            return
        self.flush_edits()
        current = self.selected_panel()

        def submit(v: Any) -> int:
            meeting_id = panels.create_meeting(self.db, v.panel_id, v.date, v.theme)
            self.refresh(key=("meeting", meeting_id), case_item_id=None)
            self.show_status(
                f"Meeting created: {v.date:%d %b %Y}" + (f", {v.theme}" if v.theme else "")
            )
            return meeting_id

        dialog = NewMeetingDialog(
            self,
            [(p.id, p.name) for p in self._panels],
            current.id if current else None,
            submit,
        )
        self._open_dialog(dialog)

    def import_cases(self) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        # Loaded when first used: the import machinery brings pandas, which the window's
        # start does not need (issue 11, item 8).
        from scrutiny_app.gui.import_wizard import FILE_FILTER  # the wizard's own choices
        from scrutiny_app.services import importer

        path, _ = QFileDialog.getOpenFileName(
            self, "Import cases: the force's extract", self._last_dir, FILE_FILTER
        )
        if not path:
            return
        self._last_dir = str(Path(path).parent)
        meeting_id = meeting.id
        name = Path(path).name

        def work(progress: Any, cancel: Any) -> Any:
            try:
                return importer.import_stop_search(
                    self.db, meeting_id, path, progress=progress, cancel=cancel
                )
            except importer.NeedsMapping:
                return _NEEDS_MAPPING  # not data.police.uk: the wizard maps its columns
            except importer.ImportRejected as exc:
                return exc  # rows with problems: the wizard lists them and can skip them

        def done(result: Any) -> None:
            if result is _NEEDS_MAPPING:
                windows.open_import_wizard(self, path)
                return
            if isinstance(result, importer.ImportRejected):
                self.show_status(
                    f"{name}: {len(result.problems)} problem(s), nothing was imported. The "
                    "import wizard lists each one and can import the valid rows."
                )
                windows.open_import_wizard(self, path)
                return
            self.refresh()
            self.show_status(result.summary)
            if getattr(result, "duplicate_of", None) is not None:
                QMessageBox.information(self, "Import cases", result.summary)

        self._start_job(
            work,
            done,
            title="Import cases",
            label=f"Importing {name}…",
            error_title="Import failed",
            cancelled="Import cancelled: nothing was imported.",
        )

    def export_report(self) -> None:
        meeting, panel = self.selected_meeting(), self.selected_panel()
        if meeting is None or panel is None:
            return
        from scrutiny_app.services.report.pdf import build_report

        if not self.flush_edits():  # what was typed could not be saved: said already
            return
        suggested = Path(self._last_dir) / f"{panel.code}-{meeting.date:%Y-%m-%d}-panel-report.pdf"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export report (PDF)", str(suggested), "PDF documents (*.pdf)"
        )
        if not path:
            return
        out = Path(path) if Path(path).suffix.lower() == ".pdf" else Path(f"{path}.pdf")
        self._last_dir = str(out.parent)
        meeting_id = meeting.id

        def work(progress: Any, cancel: Any) -> Any:
            return build_report(self.db, meeting_id, out, progress=progress, cancel=cancel)

        self._start_job(
            work,
            lambda result: self.show_status(f"Report saved: {result or out}"),
            title="Export report",
            label=f"Writing {out.name}…",
            error_title="Export report",
            cancelled="Report export cancelled.",
        )

    def export_tracker(self) -> None:
        from scrutiny_app.services.tracker.export import export_tracker

        panel = self.selected_panel()
        stem = f"{panel.code}-recommendation-tracker" if panel else "recommendation-tracker"
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export recommendation tracker",
            str(Path(self._last_dir) / f"{stem}.xlsx"),
            "Excel workbooks (*.xlsx)",
        )
        if not path:
            return
        out = Path(path) if Path(path).suffix.lower() == ".xlsx" else Path(f"{path}.xlsx")
        self._last_dir = str(out.parent)
        panel_id = panel.id if panel else None
        which = f"{panel.name}" if panel else "all panels"

        def work(progress: Any, cancel: Any) -> Any:
            return export_tracker(self.db, out, panel_id=panel_id)

        self._start_job(
            work,
            lambda result: self.show_status(f"Tracker for {which} saved: {result or out}"),
            title="Export recommendation tracker",
            label=f"Writing {out.name}…",
            error_title="Export recommendation tracker",
            cancellable=False,
        )

    def _start_job(
        self,
        work: Callable[[Any, Any], Any],
        done: Callable[[Any], None],
        *,
        title: str,
        label: str,
        error_title: str,
        cancelled: str = "Cancelled.",
        cancellable: bool = True,
    ) -> background.Job:
        self._busy = True
        self._update_actions()

        def finish() -> None:
            self._busy = False
            self._update_actions()

        return background.run_in_background(
            work,
            done,
            lambda exc: show_error(self, error_title, exc),
            parent=self,
            title=title,
            label=label,
            cancellable=cancellable,
            on_cancelled=lambda: self.show_status(cancelled),
            on_finally=finish,
        )

    # ------------------------------------------------------------------ Meeting

    def draw_sample(self) -> None:
        meeting = self.selected_meeting()
        if meeting is None:
            return
        meeting_id = meeting.id

        def submit(v: Any) -> Any:
            result = sampling.draw_sample(
                self.db, meeting_id, v.size, seed=v.seed, replace=v.replace
            )
            self.refresh(case_item_id=None)
            self.show_status(
                f"Sample drawn: seed {result.seed} "
                f"({result.size} of {result.population_size:,} cases)"
            )
            return result

        dialog = DrawSampleDialog(
            self,
            population=self._population,
            has_sample=bool(self._cases and self._cases.rows),
            meeting_title=f"{meeting.panel_name} · {meeting.title}",
            on_submit=submit,
        )
        self._open_dialog(dialog)

    def add_recommendation(self) -> None:
        panel = self.selected_panel()
        if panel is None:
            return
        meeting = self.selected_meeting()
        case = self._editing if meeting is not None else None
        context = f"<b>{html.escape(panel.name)}</b>"
        if meeting is not None:
            context += f"<br>Raised at the meeting of {html.escape(meeting.title)}"
        meeting_id = meeting.id if meeting else None
        case_id = case.case_id if case else None

        def submit(v: Any) -> Any:
            row = recommendations.add_recommendation(
                self.db,
                panel.id,
                v.text,
                meeting_id=meeting_id,
                addressed_to=v.addressed_to,
                priority=v.priority,
                response_due=v.response_due,
                case_ids=(case_id,) if v.link_case and case_id is not None else (),
            )
            self.refresh()
            self.show_status(f"Recommendation {row.reference} added")
            return row

        dialog = AddRecommendationDialog(
            self,
            context=context,
            case_reference=case.reference if case else None,
            on_submit=submit,
        )
        self._open_dialog(dialog)

    def move_case(self, step: int, *_args: object) -> None:
        count = self.case_proxy.rowCount()
        if count == 0:
            return
        current = self.case_table.currentIndex()
        row = current.row() if current.isValid() else (-1 if step > 0 else count)
        target = min(max(row + step, 0), count - 1)
        if target != row:
            index = self.case_proxy.index(target, 0)
            self.case_table.setCurrentIndex(index)
            self.case_table.scrollTo(index)

    # ------------------------------------------------------------------ Help

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
        self._open_dialog(ShortcutsDialog(self, self.shortcut_rows()))

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

    def closeEvent(self, event: QCloseEvent) -> None:
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
        self.flush_edits()  # nothing to ask: everything is saved as it is made
        self._flush_clock()
        if self.presenter is not None:
            self.presenter.close()
        event.accept()
