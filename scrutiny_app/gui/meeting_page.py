"""The meeting page: the meeting's header, its sampled cases, the case being read, the form.

Built from ``ui/meeting_page.ui``. The page shows what is saved: the case list with each
case's state and a filter, the selected case laid out for reading and the meeting's progress
and agreement. The review form in it (:class:`~scrutiny_app.gui.review.ReviewForm`) belongs to
the :class:`~scrutiny_app.gui.reviewer.Reviewer`, which is told when the user picks another case
(:attr:`MeetingPage.caseSelected`).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from functools import partial

import shiboken6
from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from scrutiny_app.domain import geo
from scrutiny_app.domain.vocab import MeetingStatus
from scrutiny_app.gui.fit_check import ELIDED
from scrutiny_app.gui.models import (
    COLUMNS,
    SESSION_COLUMNS,
    STATE_FILTERS,
    CaseSortProxy,
    CaseTableModel,
    format_when,
    short_label,
)
from scrutiny_app.gui.people import computer_user
from scrutiny_app.gui.review import ReviewForm
from scrutiny_app.gui.session_dialogs import kappa_text
from scrutiny_app.gui.style import swatch
from scrutiny_app.gui.uiload import child, load_form
from scrutiny_app.services import cases as case_service
from scrutiny_app.services import panels, session, tags
from scrutiny_app.services.agreement import MeetingAgreement, meeting_agreement
from scrutiny_app.services.cases import CaseRow, MeetingCases
from scrutiny_app.services.panels import MeetingInfo, PanelInfo
from scrutiny_app.services.session import ReviewTemplate
from scrutiny_app.services.tags import TagInfo
from scrutiny_app.storage import Database

log = logging.getLogger(__name__)


def status_label(status: str) -> str:
    try:
        return MeetingStatus(status).value.replace("_", " ").capitalize()
    except ValueError:
        return status


def humanise(key: str) -> str:
    return key.replace("_", " ").capitalize()


class MeetingPage(QWidget):
    """The open meeting; see the module docstring."""

    caseSelected = Signal(object)  # CaseRow | None: the user moved to another case
    caseActivated = Signal()  # double click or Return on a case: go to the form
    countsChanged = Signal(int, int, int)  # meeting id, decided, sampled
    agreementRequested = Signal()
    statusMessage = Signal(str)

    def __init__(self, db: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        load_form("meeting_page.ui", self)
        self._bind_widgets()
        self.meeting: MeetingInfo | None = None
        self.panel: PanelInfo | None = None
        self.cases: MeetingCases | None = None
        self.population = 0
        self.template: ReviewTemplate | None = None
        self.panel_tags: list[TagInfo] = []
        self.agreement: MeetingAgreement | None = None
        self._loading = 0  # >0 while the code (not the user) moves the selection
        self._fitted_meeting: tuple[int, int] | None = None
        self._setup_table()
        self._setup_layout()

    # ================================================================== setup

    def _bind_widgets(self) -> None:
        c = partial(child, self)
        self.work_splitter = c(QSplitter, "workSplitter")
        self.left_splitter = c(QSplitter, "leftSplitter")
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
        self.review = ReviewForm(self.review_host)
        layout = self.review_host.layout()
        assert layout is not None
        layout.addWidget(self.review)

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
        self.case_table.verticalHeader().setDefaultSectionSize(fm.height() + 12)
        self.case_table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.case_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.case_table.selectionModel().currentRowChanged.connect(self._current_changed)
        # Return (or a double click) on a case goes to its review form.
        self.case_table.activated.connect(lambda _index: self.caseActivated.emit())
        for label, states in STATE_FILTERS:
            self.state_filter_combo.addItem(label, states)
        self.state_filter_combo.currentIndexChanged.connect(self._filter_changed)
        self.case_filter_edit.textChanged.connect(self._filter_changed)

    def _setup_layout(self) -> None:
        self.work_splitter.setStretchFactor(0, 11)
        self.work_splitter.setStretchFactor(1, 10)
        self.work_splitter.setSizes([610, 540])
        self.left_splitter.setStretchFactor(0, 1)
        self.left_splitter.setStretchFactor(1, 1)
        self.left_splitter.setSizes([300, 300])
        # The case details can take the whole height (the list folds away); the place of the
        # divider is kept per user in the database and restored next time.
        self.left_splitter.setCollapsible(0, True)
        self.left_splitter.setCollapsible(1, False)
        self._split_before: list[int] = []
        self._save_split = QTimer(self)
        self._save_split.setSingleShot(True)
        self._save_split.setInterval(400)
        self._save_split.timeout.connect(self._remember_split)
        self.left_splitter.splitterMoved.connect(lambda *_a: self._save_split.start())
        self._restore_split()
        self.review_scroll.setMinimumWidth(380)
        self.classification_badge.setAccessibleName("Classification: OFFICIAL-SENSITIVE")
        self.agreement_label.linkActivated.connect(lambda _link: self.agreementRequested.emit())
        # On a small screen the title elides (the full text in its tooltip) and the counts wrap.
        self.meeting_title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.meeting_title.setMinimumWidth(120)
        self.meeting_title.installEventFilter(self)
        # The tally on a line of its own, wrapping on a narrow window.
        bar = self.findChild(QHBoxLayout, "sessionBar")
        header = self.meeting_header.layout()
        if bar is not None and isinstance(header, QVBoxLayout):
            bar.removeWidget(self.meeting_counts)
            header.addWidget(self.meeting_counts)
        self.meeting_counts.setWordWrap(True)
        self.meeting_counts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.meeting_header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        page = self.layout()
        if isinstance(page, QVBoxLayout):
            page.setStretch(page.indexOf(self.work_splitter), 1)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The field that gets the focus in the review pane is scrolled into view (up and
        down only: the pane never scrolls sideways)."""
        if new is None or not shiboken6.isValid(self) or not self.review.isAncestorOf(new):
            return
        top = new.mapTo(self.review, QPoint(0, 0)).y()
        bottom = top + min(new.height(), self.review_scroll.viewport().height() - 48)
        bar = self.review_scroll.verticalScrollBar()
        seen = self.review_scroll.viewport().height()
        if top - 24 < bar.value():
            bar.setValue(top - 24)
        elif bottom + 24 > bar.value() + seen:
            bar.setValue(bottom + 24 - seen)

    def fit_review_pane(self) -> None:
        """The review pane is never narrower than the form (its outcome buttons in full)."""
        bar = self.review_scroll.verticalScrollBar().sizeHint().width()
        frame = 2 * self.review_scroll.frameWidth()
        need = self.review.minimumSizeHint().width() + bar + frame + 14  # the host's margins
        self.review_scroll.setMinimumWidth(max(need, 320))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.meeting_title and event.type() == QEvent.Type.Resize:
            self._elide_title()
        return super().eventFilter(watched, event)

    def set_title(self, text: str) -> None:
        self.meeting_title.setProperty("fullText", text)
        self.meeting_title.setToolTip(text)
        self.meeting_title.setAccessibleName(text)
        self._elide_title()

    def _elide_title(self) -> None:
        text = str(self.meeting_title.property("fullText") or "")
        fm = QFontMetrics(self.meeting_title.font())
        shown = fm.elidedText(text, Qt.TextElideMode.ElideRight, self.meeting_title.width())
        self.meeting_title.setText(shown)
        self.meeting_title.setProperty(ELIDED, shown != text)

    def _split_key(self) -> str:
        return f"layout:{computer_user()}:caseSplitter"

    def _remember_split(self) -> None:
        state = bytes(self.left_splitter.saveState().toBase64().data()).decode("ascii")
        try:
            self.db.set_setting(self._split_key(), state)
        except Exception:  # a nicety: never in the way of the session
            log.warning("cannot remember the divider", exc_info=True)

    def _restore_split(self) -> None:
        try:
            state = self.db.get_setting(self._split_key())
        except Exception:
            state = None
        if state:
            self.left_splitter.restoreState(QByteArray.fromBase64(state.encode("ascii")))

    def details_full_height(self) -> bool:
        return self.left_splitter.sizes()[0] == 0

    def toggle_details_full_height(self) -> None:
        """The case details take the whole height, or give the list its room back."""
        sizes = self.left_splitter.sizes()
        total = sum(sizes)
        if sizes[0] > 0:
            self._split_before = sizes
            self.left_splitter.setSizes([0, total])
        else:
            before = self._split_before if sum(self._split_before) else [total // 2] * 2
            self.left_splitter.setSizes(before)
        self._remember_split()

    def scroll_form_to_top(self) -> None:
        self.review_scroll.verticalScrollBar().setValue(0)

    # ================================================================== loading

    def load(self, meeting: MeetingInfo, panel: PanelInfo, case_item_id: int | None) -> None:
        """Read and show ``meeting``, with ``case_item_id`` (or the first case) selected.

        Selects silently: the caller shows the selected case in the form. Raises on a read
        error, leaving the page as it was.
        """
        cases = case_service.meeting_cases(self.db, meeting.id)
        population = panels.population_size(self.db, meeting.id)
        template = session.review_template(self.db, meeting.id)
        panel_tags = tags.list_tags(self.db, panel.id)
        self.meeting, self.panel = meeting, panel
        self.cases, self.population, self.template = cases, population, template
        self.panel_tags = panel_tags
        self.load_agreement()
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
                shown = self.case_model.case_at(row)
                # Pinned: a filter never hides the case the form shows (nor moves the form).
                self.case_proxy.pinned = shown.item_id if shown else None
        finally:
            self._loading -= 1
        has_rows = bool(cases.rows)
        if has_rows and self._fitted_meeting != (meeting.id, len(cases.rows)):
            self._fitted_meeting = (meeting.id, len(cases.rows))
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
        self.fill_header()

    def clear(self) -> None:
        self._loading += 1
        try:
            self.meeting = self.panel = None
            self.cases = self.template = self.agreement = None
            self.population = 0
            self.case_model.clear()
        finally:
            self._loading -= 1
        self.show_details(None)

    def load_agreement(self) -> None:
        try:
            self.agreement = meeting_agreement(self.db, self.meeting.id) if self.meeting else None
        except Exception:
            self.agreement = None

    def reload_tags(self) -> None:
        if self.panel is not None:
            self.panel_tags = tags.list_tags(self.db, self.panel.id)

    def update_row(self, item_id: int) -> CaseRow:
        """Re-read one case after a change: its row, the counts, the progress. Raises."""
        row = case_service.case_row(self.db, item_id)
        self.case_model.update_row(row)
        if self.cases is not None:
            self.cases = self.cases.with_row(row)
            self._fill_counts(self.cases)
            self.fill_progress()
            if self.meeting is not None:
                self.countsChanged.emit(
                    self.meeting.id, self.cases.decided_count, len(self.cases.rows)
                )
        return row

    def row(self, item_id: int) -> CaseRow | None:
        return self.cases.row(item_id) if self.cases is not None else None

    # ================================================================== selection

    def selected_case(self) -> CaseRow | None:
        index = self.case_table.currentIndex()
        if not index.isValid():
            return None
        return self.case_model.case_at(self.case_proxy.mapToSource(index).row())

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

    def next_case(self, wanted: Callable[[CaseRow], bool]) -> int | None:
        """The first case after the selected one in the list (then from the top) that is
        ``wanted``, other than the selected one."""
        count = self.case_proxy.rowCount()
        current = self.case_table.currentIndex()
        start = current.row() if current.isValid() else -1
        selected = self.selected_case()
        order = list(range(start + 1, count)) + list(range(0, max(start, 0)))
        for proxy_row in order:
            source = self.case_proxy.mapToSource(self.case_proxy.index(proxy_row, 0))
            row = self.case_model.case_at(source.row())
            if (
                row is not None
                and (selected is None or row.item_id != selected.item_id)
                and wanted(row)
            ):
                return row.item_id
        return None

    def has_rows(self) -> bool:
        return self.case_model.rowCount() > 0

    def focus_filter(self) -> None:
        self.case_filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.case_filter_edit.selectAll()

    def _current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if self._loading:
            return
        case = self.selected_case()
        if case is not None:
            self.case_proxy.pinned = case.item_id
        self.caseSelected.emit(case)
        if self.case_proxy.filtering:
            QTimer.singleShot(0, self._refilter)

    def _first_visible_item_id(self) -> int:
        source = self.case_proxy.mapToSource(self.case_proxy.index(0, 0))
        case = self.case_model.case_at(source.row())
        return case.item_id if case else -1

    # ================================================================== filter and columns

    def _refilter(self) -> None:
        self._loading += 1
        try:
            self.case_proxy.refilter()
        finally:
            self._loading -= 1

    def _filter_changed(self, *_args: object) -> None:
        selected = self.selected_case()
        states = self.state_filter_combo.currentData()
        self._loading += 1
        try:
            self.case_proxy.set_filter(states, self.case_filter_edit.text())
        finally:
            self._loading -= 1
        if selected is not None:
            self._loading += 1
            try:
                self.select_case(selected.item_id)
            finally:
                self._loading -= 1
        if self.case_proxy.filtering:
            count = self.case_proxy.rowCount()
            self.statusMessage.emit(f"{count} of {self.case_model.rowCount()} cases shown")

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
            if column.key == "judgement" and self.cases is not None:
                # Room for every outcome of the scheme, so judging never makes it elide.
                bold = QFont(table_font)
                bold.setBold(True)
                widest = cap = max(
                    [widest]
                    + [
                        QFontMetrics(bold).horizontalAdvance(short_label(o.label)) + 22
                        for o in self.cases.template.outcomes
                    ]
                )
            for row in range(min(rows, 200)):
                index = self.case_model.index(row, col)
                text = index.data(Qt.ItemDataRole.DisplayRole) or ""
                font = index.data(Qt.ItemDataRole.FontRole) or table_font
                extra = 22 if index.data(Qt.ItemDataRole.DecorationRole) is not None else 0
                widest = max(widest, QFontMetrics(font).horizontalAdvance(text) + extra)
            header.resizeSection(col, min(widest, cap) + pad)

    # ================================================================== header

    def fill_header(self) -> None:
        meeting, panel, cases = self.meeting, self.panel, self.cases
        if meeting is None or panel is None or cases is None:
            return
        self.set_title(f"{panel.name} · {meeting.date.day} {meeting.date:%B %Y}")
        parts = [
            f"Theme: {meeting.theme}" if meeting.theme else "No theme set",
            f"Status: {status_label(meeting.status)}",
            f"Population: {self.population:,} cases",
            f"Sample: {len(cases.rows)} cases, {cases.decided_count} decided",
        ]
        self.meeting_subtitle.setText("   ·   ".join(parts))
        self._fill_counts(cases)
        self.fill_progress()

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

    def fill_progress(self) -> None:
        """The progress and the agreement in the header."""
        cases = self.cases
        if cases is not None and cases.rows:
            self.progress_label.setText(f"<b>{cases.progress_text}</b>")
            self.progress_label.setToolTip(
                f"{cases.decided_count} decided, {cases.carried_over_count} of them carried "
                f"over; {len(cases.rows) - cases.decided_count} still to decide"
            )
        else:
            self.progress_label.setText("")
        ag = self.agreement
        if ag is not None and ag.measured:
            pct = f"{ag.percent_agreement:.0f}%"
            n = len(ag.measured)
            if ag.kappa_reported:
                figure = (
                    f"κ <b>{kappa_text(ag)}</b> ({html.escape(ag.interpretation)}, {n} cases), "
                    f"{pct}"
                )
            else:  # kappa on a handful of cases would mislead: the percentage only
                figure = f"<b>{pct}</b> of pairs agreed ({n} case{'s' if n != 1 else ''})"
            self.agreement_label.setText(
                f"Agreement: {figure} &nbsp;<a href='agreement'>details</a>"
            )
            self.agreement_label.setToolTip(f"{ag.summary}\n{ag.caveat}")
        else:
            self.agreement_label.setText("")
            self.agreement_label.setToolTip("")
        self.agreement_label.setVisible(bool(ag is not None and ag.measured))

    # ================================================================== the case being read

    def show_details(self, case: CaseRow | None) -> None:
        self.case_details.setHtml(self._case_html(case) if case else "")

    def _case_html(self, case: CaseRow) -> str:
        tpl = self.template
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
        location = geo.location_text(case.fields.get("latitude"), case.fields.get("longitude"))
        if location:  # a place to look up, not two bare numbers
            keys = [k for k in keys if k not in ("latitude", "longitude")]
            rows.append(("Location", location))
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
        total = len(self.cases.rows) if self.cases else position
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
