"""Panel templates: the built-in JSON files in resources/templates and their database copies.

A database holds its own copy of every template it uses, so it stays readable on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrutiny_app.paths import resource
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import CaseField, OutcomeCode, PanelTemplate, ReviewQuestion

BUILTIN_KEYS = ("oocd", "complaints", "stop_search", "use_of_force", "hate_crime")


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str
    colour: str
    is_concern: bool
    is_carry_over: bool


@dataclass(frozen=True)
class TemplateInfo:
    id: int
    key: str
    name: str
    case_prefix: str
    outcomes: tuple[Outcome, ...]

    def label(self, code: str | None) -> str:
        for o in self.outcomes:
            if o.code == code:
                return o.label
        return code or ""

    def outcome(self, code: str) -> Outcome | None:
        return next((o for o in self.outcomes if o.code == code), None)


@cache
def builtin_specs() -> dict[str, dict[str, Any]]:
    """The built-in templates as parsed JSON, keyed by template key."""
    folder = resource("templates")
    specs = {}
    for key in BUILTIN_KEYS:
        specs[key] = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
    return specs


def load_spec(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _add_template(session: Session, spec: dict[str, Any], *, builtin: bool) -> PanelTemplate:
    tpl = PanelTemplate(
        key=spec["key"],
        name=spec["name"],
        version=int(spec.get("version", 1)),
        description=spec.get("description", ""),
        builtin=builtin,
        case_prefix=spec.get("case_prefix", "CASE"),
    )
    tpl.outcomes = [
        OutcomeCode(
            code=o["code"],
            label=o["label"],
            colour=o.get("colour", "#888888"),
            position=i,
            is_concern=bool(o.get("is_concern")),
            is_carry_over=bool(o.get("is_carry_over")),
            description=o.get("description", ""),
        )
        for i, o in enumerate(spec["outcomes"])
    ]
    tpl.questions = [
        ReviewQuestion(
            key=q["key"],
            text=q["text"],
            group=q.get("group", ""),
            answers=q["answers"],
            position=i,
            report=dict(q.get("report") or {}),
        )
        for i, q in enumerate(spec.get("questions", []))
    ]
    tpl.fields = [
        CaseField(
            key=f["key"],
            label=f["label"],
            kind=f.get("kind", "text"),
            choices=f.get("choices", []),
            personal=bool(f.get("personal")),
            position=i,
        )
        for i, f in enumerate(spec.get("fields", []))
    ]
    session.add(tpl)
    return tpl


def ensure_builtin_templates(db: Database) -> None:
    """Copy any built-in template the database does not hold yet (a read when none is
    missing: no write lock, and a read-only file still lists them)."""
    with db.session() as s:
        if set(builtin_specs()) <= set(s.scalars(select(PanelTemplate.key))):
            return
    with db.transaction() as s:
        have = set(s.scalars(select(PanelTemplate.key)))
        for key, spec in builtin_specs().items():
            if key not in have:
                _add_template(s, spec, builtin=True)


def template_info(tpl: PanelTemplate) -> TemplateInfo:
    return TemplateInfo(
        id=tpl.id,
        key=tpl.key,
        name=tpl.name,
        case_prefix=tpl.case_prefix,
        outcomes=tuple(
            Outcome(o.code, o.label, o.colour, o.is_concern, o.is_carry_over) for o in tpl.outcomes
        ),
    )


def list_templates(db: Database) -> list[TemplateInfo]:
    ensure_builtin_templates(db)
    with db.session() as s:
        return [
            template_info(t) for t in s.scalars(select(PanelTemplate).order_by(PanelTemplate.id))
        ]
