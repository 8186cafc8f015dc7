"""The main window: panels and meetings on the left, the selected meeting's cases on the right.

Layout, menus and actions come from ``ui/main_window.ui``. Everything this window does goes
through the services; it keeps the selection (meeting and case) across every refresh.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QFontMetrics, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
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
from scrutiny_app.domain.vocab import AccessMode, Consensus, MeetingStatus
from scrutiny_app.gui import background
from scrutiny_app.gui.dialogs import (
    AddRecommendationDialog,
    DrawSampleDialog,
    NewMeetingDialog,
    NewPanelDialog,
    ShortcutsDialog,
    shortcut_text,
)
from scrutiny_app.gui.messages import ask_save_discard_cancel, show_error
from scrutiny_app.gui.models import (
    COLUMNS,
    KEY_ROLE,
    SUBTITLE_ROLE,
    CaseSortProxy,
    CaseTableModel,
    TwoLineDelegate,
    format_when,
    short_label,
)
from scrutiny_app.gui.style import outcome_button_style, swatch
from scrutiny_app.gui.uiload import child, load_form
from scrutiny_app.services import (
    cases as case_service,
)
from scrutiny_app.services import (
    importer,
    judgements,
    panels,
    recommendations,
    sampling,
    templates,
)
from scrutiny_app.services.cases import CaseRow, MeetingCases
from scrutiny_app.services.panels import MeetingInfo, PanelInfo
from scrutiny_app.services.templates import TemplateInfo
from scrutiny_app.storage import Database

Key = tuple[str, int]  # ("panel", id) or ("meeting", id)
_KEEP: Any = object()  # "keep the current selection" in refresh()

CONSENSUS_LABELS = {
    Consensus.UNANIMOUS: "Unanimous",
    Consensus.MAJORITY: "Majority",
    Consensus.NONE: "No consensus",
}
STATUS_MESSAGE_MS = 12_000


def status_label(status: str) -> str:
    try:
        return MeetingStatus(status).value.replace("_", " ").capitalize()
    except ValueError:
        return status


def humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


class MainWindow(QMainWindow):
    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        load_form("main_window.ui", self)
        self._bind_widgets()

        self._panels: list[PanelInfo] = []
        self._key: Key | None = None
        self._cases: MeetingCases | None = None
        self._population = 0
        self._editing: CaseRow | None = None  # the case the judgement editor shows
        self._outcome: str | None = None  # the outcome chosen in the editor
        self._dirty = False  # the editor has changes not yet recorded
        self._loading = 0  # >0 while the code (not the user) changes widgets
        self._busy = False  # a background job is running
        self._outcome_template: tuple[str, tuple[str, ...]] | None = None
        self._outcome_buttons: dict[str, QPushButton] = {}
        self._outcome_actions: list[QAction] = []
        self._field_labels: dict[str, dict[str, str]] = {}
        self._last_dir = str(Path.home())
        self.current_dialog: QDialog | None = None

        self._setup_tree()
        self._setup_table()
        self._setup_judgement()
        self._setup_actions()
        self._setup_layout()
        self.setWindowTitle(f"Scrutiny — {Path(db.display_name).name}")
        self.refresh(key=None)

    # ================================================================== setup

    def _bind_widgets(self) -> None:
        c = partial(child, self)
        self.main_splitter = c(QSplitter, "mainSplitter")
        self.work_splitter = c(QSplitter, "workSplitter")
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
        self.meeting_title = c(QLabel, "meetingTitle")
        self.meeting_subtitle = c(QLabel, "meetingSubtitle")
        self.meeting_counts = c(QLabel, "meetingCounts")
        self.classification_badge = c(QLabel, "classificationBadge")
        self.case_table = c(QTableView, "caseTable")
        self.empty_cases_label = c(QLabel, "emptyCasesLabel")
        self.case_details = c(QTextBrowser, "caseDetails")
        self.case_details_box = c(QGroupBox, "caseDetailsBox")
        self.judgement_box = c(QGroupBox, "judgementBox")
        self.judgement_case = c(QLabel, "judgementCase")
        self.outcome_box = c(QWidget, "outcomeButtons")
        self.consensus_combo = c(QComboBox, "consensusCombo")
        self.record_button = c(QPushButton, "recordButton")
        self.observations_edit = c(QPlainTextEdit, "observationsEdit")
        self.good_practice_edit = c(QPlainTextEdit, "goodPracticeEdit")
        self.individual_learning_edit = c(QPlainTextEdit, "individualLearningEdit")
        self.organisational_learning_edit = c(QPlainTextEdit, "organisationalLearningEdit")
        self.menu_outcome = c(QMenu, "menuOutcome")
        # actions
        self.action_new_panel = c(QAction, "actionNewPanel")
        self.action_new_meeting = c(QAction, "actionNewMeeting")
        self.action_import_cases = c(QAction, "actionImportCases")
        self.action_export_report = c(QAction, "actionExportReport")
        self.action_export_tracker = c(QAction, "actionExportTracker")
        self.action_quit = c(QAction, "actionQuit")
        self.action_draw_sample = c(QAction, "actionDrawSample")
        self.action_add_recommendation = c(QAction, "actionAddRecommendation")
        self.action_record_judgement = c(QAction, "actionRecordJudgement")
        self.action_next_case = c(QAction, "actionNextCase")
        self.action_previous_case = c(QAction, "actionPreviousCase")
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
        fm = QFontMetrics(self.case_table.font())
        self._fitted_meeting: tuple[int, int] | None = None
        self.case_table.verticalHeader().setDefaultSectionSize(fm.height() + 12)
        self.case_table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.case_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.case_table.selectionModel().currentRowChanged.connect(self._case_current_changed)
        self.case_table.doubleClicked.connect(lambda _index: self.observations_edit.setFocus())

    def _setup_judgement(self) -> None:
        self.outcome_group = QButtonGroup(self)
        self.outcome_group.setExclusive(True)
        for value, label in CONSENSUS_LABELS.items():
            self.consensus_combo.addItem(label, value.value)
        self.consensus_combo.currentIndexChanged.connect(self._editor_changed)
        for edit in self._text_edits().values():
            edit.textChanged.connect(self._editor_changed)
        self.record_button.setObjectName("recordButton")
        self.record_button.clicked.connect(self.action_record_judgement.trigger)

    def _setup_actions(self) -> None:
        a = self
        a.action_new_panel.triggered.connect(self.new_panel)
        a.action_new_meeting.triggered.connect(self.new_meeting)
        a.action_import_cases.triggered.connect(self.import_cases)
        a.action_export_report.triggered.connect(self.export_report)
        a.action_export_tracker.triggered.connect(self.export_tracker)
        a.action_quit.triggered.connect(self.close)
        a.action_draw_sample.triggered.connect(self.draw_sample)
        a.action_add_recommendation.triggered.connect(self.add_recommendation)
        a.action_record_judgement.setShortcuts(
            [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")]
        )
        a.action_record_judgement.triggered.connect(self.record_judgement)
        a.action_next_case.triggered.connect(partial(self.move_case, 1))
        a.action_previous_case.triggered.connect(partial(self.move_case, -1))
        a.action_shortcuts.triggered.connect(self.show_shortcuts)
        a.action_about.triggered.connect(self.about)
        # Shortcuts must work with the focus anywhere in the window (not only the menu bar).
        for action in self._all_actions():
            self.addAction(action)

    def _setup_layout(self) -> None:
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([230, 1100])
        self.work_splitter.setStretchFactor(0, 1)
        self.work_splitter.setStretchFactor(1, 0)
        self.work_splitter.setSizes([330, 290])
        case_pane = self.case_details_box.parentWidget()
        layout = case_pane.layout() if case_pane is not None else None
        if isinstance(layout, QHBoxLayout):
            layout.setStretch(0, 3)
            layout.setStretch(1, 7)
        self.db_label = QLabel(f"Database: {self.db.display_name}")
        self.db_label.setObjectName("databaseLabel")
        self.db_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statusBar().addPermanentWidget(self.db_label)
        self.classification_badge.setAccessibleName("Classification: OFFICIAL-SENSITIVE")

    def _all_actions(self) -> list[QAction]:
        return [
            self.action_new_panel,
            self.action_new_meeting,
            self.action_import_cases,
            self.action_export_report,
            self.action_export_tracker,
            self.action_quit,
            self.action_draw_sample,
            self.action_add_recommendation,
            self.action_record_judgement,
            self.action_next_case,
            self.action_previous_case,
            self.action_shortcuts,
            self.action_about,
        ]

    def _text_edits(self) -> dict[str, QPlainTextEdit]:
        return {
            "observations": self.observations_edit,
            "good_practice": self.good_practice_edit,
            "individual_learning": self.individual_learning_edit,
            "organisational_learning": self.organisational_learning_edit,
        }

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
        self.case_table.setCurrentIndex(
            self.case_proxy.mapFromSource(self.case_model.index(row, 0))
        )
        return self.selected_case() is not None and self.selected_case().item_id == item_id

    def outcome_button(self, code: str) -> QPushButton | None:
        return self._outcome_buttons.get(code)

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
        answer = self._ask_about_unsaved("before leaving this meeting")
        if answer == "cancel":
            self._loading += 1
            try:
                self.tree.setCurrentItem(previous)
            finally:
                self._loading -= 1
            return
        if answer == "saved":
            self.refresh(key=key, case_item_id=None)
        else:
            self._show_key(key)

    def _case_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._loading:
            return
        case = self.selected_case()
        if self._editing is not None and case is not None and case.item_id == self._editing.item_id:
            return
        answer = self._ask_about_unsaved("before moving to another case")
        if answer == "cancel":
            self._loading += 1
            try:
                self.case_table.setCurrentIndex(previous)
            finally:
                self._loading -= 1
            return
        if answer == "saved":
            self.refresh(case_item_id=case.item_id if case else None)
        else:
            self._show_case(case)
            self._update_actions()

    # ================================================================== refresh

    def refresh(self, *, key: Any = _KEEP, case_item_id: Any = _KEEP) -> None:
        """Reload panels, meetings and the open meeting; re-select ``key`` and the case.

        By default the current meeting (or panel) and case stay selected. Unsaved edits in the
        judgement editor survive when the same case stays selected.
        """
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
                sub = f"{status_label(m.status)} · {m.decided_count}/{m.case_count} decided"
                item = QTreeWidgetItem([title])
                item.setData(0, KEY_ROLE, ("meeting", m.id))
                item.setData(0, SUBTITLE_ROLE, sub)
                item.setToolTip(0, f"{title}\n{sub}")
                top.addChild(item)
        self.tree.expandAll()

    def _show_key(self, key: Key | None, case_item_id: int | None = None) -> None:
        self._key = key
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

    def _clear_meeting(self) -> None:
        self._loading += 1
        try:
            self._cases = None
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
        except Exception as exc:
            show_error(self, "Cannot open the meeting", exc)
            self._clear_meeting()
            return
        keep_edits = (
            self._dirty
            and self._editing is not None
            and case_item_id == self._editing.item_id
            and self._cases is not None
            and self._cases.template.key == cases.template.key
        )
        self._cases, self._population = cases, population
        self._ensure_outcome_buttons(cases.template)
        self._loading += 1
        try:
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
        self._show_case(self.selected_case(), keep_edits=keep_edits)

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

    # ================================================================== judgement editor

    def _ensure_outcome_buttons(self, template: TemplateInfo) -> None:
        signature = (template.key, tuple(o.code for o in template.outcomes))
        if signature == self._outcome_template:
            return
        self._outcome_template = signature
        for button in self._outcome_buttons.values():
            self.outcome_group.removeButton(button)
            button.deleteLater()
        self._outcome_buttons.clear()
        for action in self._outcome_actions:
            self.removeAction(action)
            self.menu_outcome.removeAction(action)
            action.deleteLater()
        self._outcome_actions.clear()
        layout = self.outcome_box.layout()
        assert isinstance(layout, QVBoxLayout)
        for i, outcome in enumerate(template.outcomes):
            key = str(i + 1) if i < 9 else ""
            button = QPushButton(f"{key}   {outcome.label}" if key else outcome.label)
            button.setObjectName(f"outcome_{outcome.code}")
            button.setProperty("outcomeCode", outcome.code)
            button.setCheckable(True)
            button.setStyleSheet(outcome_button_style(outcome.colour))
            button.setToolTip(f"{outcome.label} (key {key})" if key else outcome.label)
            button.setAccessibleName(f"Outcome: {outcome.label}")
            button.clicked.connect(partial(self.choose_outcome, outcome.code))
            self.outcome_group.addButton(button)
            layout.addWidget(button)
            self._outcome_buttons[outcome.code] = button
            if key:
                action = QAction(f"&{key}  {outcome.label}", self)
                action.setShortcut(QKeySequence(key))
                action.setObjectName(f"actionOutcome_{outcome.code}")
                action.triggered.connect(partial(self.choose_outcome, outcome.code))
                self.addAction(action)
                self.menu_outcome.addAction(action)
                self._outcome_actions.append(action)

    def choose_outcome(self, code: str, *_args: object) -> None:
        """Pick ``code`` in the editor (a button click or its number key)."""
        if self._editing is None or self._cases is None:
            return
        outcome = self._cases.template.outcome(code)
        if outcome is None:
            return
        button = self._outcome_buttons.get(code)
        if button is not None and not button.isChecked():
            button.setChecked(True)
        self._outcome = code
        # "No consensus" outcomes are not agreed by definition: show it, as the service records.
        self._loading += 1
        try:
            if outcome.is_carry_over:
                self._set_consensus(Consensus.NONE)
                self.consensus_combo.setEnabled(False)
            else:
                if not self.consensus_combo.isEnabled():
                    self._set_consensus(Consensus.UNANIMOUS)
                self.consensus_combo.setEnabled(True)
        finally:
            self._loading -= 1
        self._editor_changed()

    def _set_consensus(self, value: str) -> None:
        index = self.consensus_combo.findData(str(value))
        self.consensus_combo.setCurrentIndex(max(index, 0))

    def _clear_outcome_buttons(self) -> None:
        self.outcome_group.setExclusive(False)
        for button in self._outcome_buttons.values():
            button.setChecked(False)
        self.outcome_group.setExclusive(True)

    def _editor_changed(self, *_args: object) -> None:
        if self._loading or self._editing is None:
            return
        self._dirty = True
        self._update_judgement_title()
        self._update_actions()

    def _show_case(self, case: CaseRow | None, *, keep_edits: bool = False) -> None:
        """Show ``case`` in the details pane and the judgement editor."""
        self._editing = case
        self.case_details.setHtml(self._case_html(case) if case else "")
        if not keep_edits:
            self._loading += 1
            try:
                self._clear_outcome_buttons()
                self._outcome = case.outcome_code if case else None
                if case is not None and case.outcome_code in self._outcome_buttons:
                    self._outcome_buttons[case.outcome_code].setChecked(True)
                self._set_consensus(case.consensus if case and case.consensus else "unanimous")
                for name, edit in self._text_edits().items():
                    edit.setPlainText(getattr(case, name) if case else "")
            finally:
                self._loading -= 1
            self._dirty = False
        enabled = case is not None
        for widget in (self.outcome_box, *self._text_edits().values()):
            widget.setEnabled(enabled)
        chosen = (
            self._cases.template.outcome(self._outcome)
            if enabled and self._outcome and self._cases is not None
            else None
        )
        self.consensus_combo.setEnabled(enabled and not (chosen and chosen.is_carry_over))
        self._update_judgement_title()
        self._update_actions()

    def _update_judgement_title(self) -> None:
        case = self._editing
        if case is None:
            self.judgement_case.setText("Select a case in the table to record the judgement.")
            self.judgement_box.setTitle("Panel judgement")
            return
        self.judgement_box.setTitle(f"Panel judgement — {case.reference}")
        if self._dirty:
            state = "<span style='color:#9a5b00'><b>Not yet recorded</b></span>"
        elif case.decided:
            state = f"Recorded: <b>{html.escape(case.outcome_label)}</b>"
        else:
            state = "Not judged yet"
        keys = len(self._outcome_actions)
        hint = f"Press 1–{keys} to choose, Ctrl+Enter to record." if keys else ""
        self.judgement_case.setText(f"{state}<br><span style='color:#5b6472'>{hint}</span>")

    def _field_label(self, template_key: str, key: str) -> str:
        if template_key not in self._field_labels:
            spec = templates.builtin_specs().get(template_key, {})
            self._field_labels[template_key] = {
                f["key"]: f["label"] for f in spec.get("fields", [])
            }
        return self._field_labels[template_key].get(key) or humanise(key)

    def _case_html(self, case: CaseRow) -> str:
        tkey = self._cases.template.key if self._cases else ""
        rows: list[tuple[str, str]] = [
            ("Reference", case.reference),
            ("Date", format_when(case.occurred_at)),
            ("Area", case.area),
            ("Age band", case.age_band),
            ("Gender", case.gender),
            ("Self-defined ethnicity", case.self_defined_ethnicity),
            ("Officer-defined ethnicity", case.officer_defined_ethnicity),
        ]
        self._field_label(tkey, "")  # loads the labels for this template
        order = list(self._field_labels.get(tkey, {}))
        keys = [k for k in order if k in case.fields] + [k for k in case.fields if k not in order]
        rows += [(self._field_label(tkey, k), str(case.fields[k])) for k in keys]
        rows.append(("In sample as", humanise(case.selection)))
        body = "".join(
            f"<tr><td class='k' width='42%'>{html.escape(k)}</td>"
            f"<td>{html.escape(v) if v else '—'}</td></tr>"
            for k, v in rows
        )
        return (
            "<style>td{padding:2px 8px 2px 0; vertical-align:top;} td.k{color:#5b6472;}</style>"
            f"<table cellspacing='0' width='100%'>{body}</table>"
        )

    def _ask_about_unsaved(self, when: str) -> str:
        """If the editor has unrecorded changes, ask; 'none', 'saved', 'discarded' or 'cancel'."""
        if not self._dirty or self._editing is None:
            return "none"
        answer = ask_save_discard_cancel(
            self,
            "Unrecorded judgement",
            f"The judgement on {self._editing.reference} has not been recorded.\n\n"
            f"Record it {when}?",
        )
        if answer == "save":
            return "saved" if self._record_current() else "cancel"
        if answer == "discard":
            self._dirty = False
            return "discarded"
        return "cancel"

    def _record_current(self) -> bool:
        case = self._editing
        if case is None:
            return False
        if self._outcome is None:
            QMessageBox.warning(
                self,
                "Record judgement",
                f"Choose an outcome for {case.reference} first (keys 1–{len(self._outcome_actions)}).",
            )
            return False
        texts = {name: edit.toPlainText().strip() for name, edit in self._text_edits().items()}
        try:
            judgements.record_judgement(
                self.db,
                case.item_id,
                self._outcome,
                consensus=self.consensus_combo.currentData() or Consensus.UNANIMOUS.value,
                **texts,
            )
        except Exception as exc:
            show_error(self, "Record judgement", exc)
            return False
        self._dirty = False
        label = self._cases.template.label(self._outcome) if self._cases else self._outcome
        self.show_status(f"Recorded {label} for {case.reference}")
        return True

    # ================================================================== actions

    def _update_actions(self) -> None:
        idle = not self._busy
        meeting = self.selected_meeting() is not None
        panel = self.selected_panel() is not None
        rows = self.case_model.rowCount() > 0
        case = self._editing is not None
        self.action_new_panel.setEnabled(idle)
        self.action_new_meeting.setEnabled(idle and bool(self._panels))
        self.action_import_cases.setEnabled(idle and meeting)
        self.action_draw_sample.setEnabled(idle and meeting)
        self.action_export_report.setEnabled(idle and meeting)
        self.action_export_tracker.setEnabled(idle and bool(self._panels))
        self.action_add_recommendation.setEnabled(idle and panel)
        self.action_next_case.setEnabled(idle and meeting and rows)
        self.action_previous_case.setEnabled(idle and meeting and rows)
        self.action_record_judgement.setEnabled(
            idle and case and self._dirty and self._outcome is not None
        )
        self.record_button.setEnabled(self.action_record_judgement.isEnabled())
        for action in self._outcome_actions:
            action.setEnabled(idle and meeting and case)
        self.menu_outcome.setEnabled(idle and meeting and case)

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

    def _settle_edits(self, purpose: str) -> bool:
        """Before an action that reloads the view or reads the judgements: deal with edits."""
        answer = self._ask_about_unsaved(purpose)
        if answer == "cancel":
            return False
        if answer == "saved":
            self.refresh()
        elif answer == "discarded":
            self._show_case(self._editing)
        return True

    # ------------------------------------------------------------------ File

    def new_panel(self) -> None:
        if not self._settle_edits("first"):
            return
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
            )
            self.refresh(key=("panel", panel_id), case_item_id=None)
            self.show_status(f"Panel created: {v.name}")
            return panel_id

        self._open_dialog(NewPanelDialog(self, available, submit))

    def new_meeting(self) -> None:
        if not self._panels or not self._settle_edits("first"):
            return
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
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Import cases: the force's extract",
            self._last_dir,
            "CSV files (*.csv);;All files (*)",
        )
        if not path:
            return
        self._last_dir = str(Path(path).parent)
        meeting_id = meeting.id
        name = Path(path).name

        def work(progress: Any, cancel: Any) -> Any:
            return importer.import_stop_search(
                self.db, meeting_id, path, progress=progress, cancel=cancel
            )

        def done(result: Any) -> None:
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
        try:
            from scrutiny_app.services.report import build_report
        except ImportError:
            QMessageBox.warning(
                self, "Export report", "Report export is not available in this version."
            )
            return
        if not self._settle_edits("before the report is exported"):
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
        try:
            from scrutiny_app.services.tracker import export_tracker
        except ImportError:
            QMessageBox.warning(
                self,
                "Export recommendation tracker",
                "Tracker export is not available in this version.",
            )
            return
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

    def record_judgement(self) -> None:
        case = self._editing
        if case is not None and self._record_current():
            self.refresh(case_item_id=case.item_id)

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
        for action in self._all_actions():
            keys = ", ".join(shortcut_text(s) for s in action.shortcuts())
            if keys:
                rows.append((action.text().replace("&", "").rstrip("…").strip(), keys))
        for action in self._outcome_actions:
            label = action.text().replace("&", "").split(None, 1)[-1]
            rows.append((f"Outcome: {label}", shortcut_text(action.shortcut())))
        rows.append(("Move between fields", "Tab, Shift+Tab"))
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
        if self._ask_about_unsaved("before quitting") == "cancel":
            event.ignore()
            return
        event.accept()
