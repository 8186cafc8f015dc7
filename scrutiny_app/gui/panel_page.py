"""The panel page: what the panel is, how it reviews, its meetings and its recommendations."""

from __future__ import annotations

import html
from functools import partial

from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QWidget

from scrutiny_app.domain.vocab import AccessMode
from scrutiny_app.gui.messages import show_error
from scrutiny_app.gui.models import format_when
from scrutiny_app.gui.style import swatch
from scrutiny_app.gui.uiload import child
from scrutiny_app.services import recommendations
from scrutiny_app.services.panels import PanelInfo
from scrutiny_app.storage import Database


class PanelPage:
    """Fills the panel page of ``ui/main_window.ui`` (``page``) from the services."""

    def __init__(self, db: Database, page: QWidget) -> None:
        self.db = db
        self.page = page
        c = partial(child, page)
        self.title = c(QLabel, "panelTitle")
        self.subtitle = c(QLabel, "panelSubtitle")
        self.template_value = c(QLabel, "panelTemplateValue")
        self.force_value = c(QLabel, "panelForceValue")
        self.code_value = c(QLabel, "panelCodeValue")
        self.access_value = c(QLabel, "panelAccessValue")
        self.outcomes_value = c(QLabel, "panelOutcomesValue")
        self.meetings_value = c(QLabel, "panelMeetingsValue")
        self.recommendations_title = c(QLabel, "recommendationsTitle")
        self.recommendation_list = c(QTreeWidget, "recommendationList")
        self.panel: PanelInfo | None = None

    def show(self, panel: PanelInfo) -> None:
        self.panel = panel
        self.title.setText(panel.name)
        facts = [
            panel.force,
            f"{len(panel.meetings)} meeting" + ("" if len(panel.meetings) == 1 else "s"),
        ]
        self.subtitle.setText(" · ".join(f for f in facts if f))
        self.template_value.setText(panel.template.name)
        self.force_value.setText(panel.force or "—")
        self.code_value.setText(panel.code)
        if panel.access_mode == AccessMode.FULL:
            access = "Full access: members see the case files as the force holds them"
        else:
            access = "Pseudonymised: members see a case reference, not names or addresses"
        self.access_value.setText(access)
        self.outcomes_value.setText(
            " &nbsp; ".join(
                f"{swatch(o.colour)} {html.escape(o.label)}" for o in panel.template.outcomes
            )
        )
        n = len(panel.meetings)
        decided = sum(m.decided_count for m in panel.meetings)
        total = sum(m.case_count for m in panel.meetings)
        self.meetings_value.setText(
            f"{n} meeting{'s' if n != 1 else ''}; {decided} of {total} sampled cases decided"
        )
        self.show_recommendations()

    def show_recommendations(self) -> None:
        panel = self.panel
        if panel is None:
            return
        self.recommendation_list.clear()
        try:
            rows = recommendations.list_recommendations(self.db, panel_id=panel.id)
        except Exception as exc:
            show_error(self.page, "Cannot read the recommendations", exc)
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
        self.recommendations_title.setText(
            f"Recommendations ({len(rows)})"
            if rows
            else "Recommendations: none yet (Meeting ▸ Add recommendation, Ctrl+R)"
        )
