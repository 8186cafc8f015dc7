"""Import the force's case extract into a meeting's population.

This is the walking-skeleton importer: it reads the public data.police.uk stop-and-search CSV
(every year's variant), checks each row, and writes the batch and its cases in one transaction
(all or nothing) with Core inserts. Other formats and column mappings build on it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, select

from scrutiny_app.domain.ethnicity import broad_group
from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.services.progress import CancelToken, ProgressFn, no_progress
from scrutiny_app.services.pseudonym import database_key, pseudonym
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Case, ImportBatch, Meeting, new_uuid, utcnow

POLICE_UK_STOP_SEARCH = "police.uk stop and search"

# data.police.uk column -> Case column (common fields) or template field (in Case.fields).
STOP_SEARCH_COLUMNS: dict[str, tuple[str, str]] = {
    "Type": ("field", "type"),
    "Date": ("column", "occurred_at"),
    "Part of a policing operation": ("field", "part_of_operation"),
    "Policing operation": ("field", "policing_operation"),
    "Latitude": ("field", "latitude"),
    "Longitude": ("field", "longitude"),
    "Gender": ("column", "gender"),
    "Age range": ("column", "age_band"),
    "Self-defined ethnicity": ("column", "self_defined_ethnicity"),
    "Officer-defined ethnicity": ("column", "officer_defined_ethnicity"),
    "Legislation": ("field", "legislation"),
    "Object of search": ("field", "object_of_search"),
    "Outcome": ("field", "outcome"),
    "Outcome linked to object of search": ("field", "outcome_linked"),
    "Removal of more than just outer clothing": ("field", "removal_of_clothing"),
}
MAX_PROBLEMS_SHOWN = 20
CHUNK = 5_000


@dataclass
class ImportResult:
    batch_id: int | None
    file_name: str
    sha256: str
    rows_read: int
    rows_imported: int
    duplicate_of: int | None = None  # the batch that already holds this file
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.duplicate_of is not None:
            return (
                f"{self.file_name} was already imported (batch {self.duplicate_of}); "
                "nothing was changed."
            )
        return f"Imported {self.rows_imported} of {self.rows_read} rows from {self.file_name}."


class ImportRejected(UserError):
    """The file has problems; nothing was written. ``problems`` lists each with row and column."""

    def __init__(self, file_name: str, problems: list[InputProblem]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{file_name}: {len(problems)} problem(s); nothing was imported.\n{shown}{tail}"
        )


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_stop_search_csv(path: Path) -> pd.DataFrame:
    """Read a data.police.uk stop-and-search CSV as text, blank cells as ''."""
    name = path.name
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", on_bad_lines="error"
        )
    except UnicodeDecodeError as exc:
        raise InputProblem(
            f"not UTF-8 text (byte {exc.start}); save it as CSV UTF-8", file=name
        ) from None
    except pd.errors.EmptyDataError:
        raise InputProblem("the file is empty", file=name) from None
    except pd.errors.ParserError as exc:
        raise InputProblem(f"not a readable CSV: {exc}", file=name) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in STOP_SEARCH_COLUMNS if c not in frame.columns]
    if missing:
        raise InputProblem(
            "not a data.police.uk stop-and-search file: missing column(s) "
            + ", ".join(repr(c) for c in missing),
            file=name,
            row=1,
        )
    return frame


def _check_rows(frame: pd.DataFrame, name: str) -> tuple[pd.Series, list[InputProblem]]:
    """Parse the dates; every unparseable or blank one is a problem at its file line."""
    dates = pd.to_datetime(frame["Date"], utc=True, errors="coerce", format="ISO8601")
    problems = [
        InputProblem(
            "blank date"
            if not frame["Date"].iat[i].strip()
            else f"not a date: {frame['Date'].iat[i]!r}",
            file=name,
            row=i + 2,  # line 1 is the header
            column="Date",
        )
        for i in dates[dates.isna()].index
    ]
    return dates, problems


def import_stop_search(
    db: Database,
    meeting_id: int,
    path: str | Path,
    *,
    actor: str = "",
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Import a data.police.uk stop-and-search CSV into ``meeting_id``'s population.

    The whole file goes in, or nothing does (a problem or a cancel leaves the database as it was).
    A file already imported into the same panel is detected and nothing is changed.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"No such file: {path}")
    digest = sha256_of(path)
    with db.session() as s:
        meeting = get_meeting(s, meeting_id)
        panel = meeting.panel
        if panel.template.key != "stop_search":
            raise UserError(
                f"{path.name} is a stop-and-search file, but {panel.name!r} uses the "
                f"{panel.template.name!r} template. Import it into a stop and search panel."
            )
        dup = s.scalar(
            select(ImportBatch).where(
                ImportBatch.panel_id == panel.id, ImportBatch.sha256 == digest
            )
        )
        if dup is not None:
            return ImportResult(None, path.name, digest, dup.rows_read, 0, duplicate_of=dup.id)
        panel_id, prefix = panel.id, panel.code or panel.template.case_prefix

    progress(0, 0, f"Reading {path.name}")
    frame = read_stop_search_csv(path)
    dates, problems = _check_rows(frame, path.name)
    if problems:
        raise ImportRejected(path.name, problems)

    total = len(frame)
    tag = digest[:6].upper()
    field_cols = [(c, k) for c, (where, k) in STOP_SEARCH_COLUMNS.items() if where == "field"]
    columns = {c: frame[c].tolist() for c in STOP_SEARCH_COLUMNS}
    now = utcnow()
    with db.transaction() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting is not None
        batch = ImportBatch(
            panel_id=panel_id,
            meeting_id=meeting_id,
            file_name=path.name,
            sha256=digest,
            file_format=POLICE_UK_STOP_SEARCH,
            rows_read=total,
            rows_imported=total,
            rows_rejected=0,
            mapping={c: f"{w}:{k}" for c, (w, k) in STOP_SEARCH_COLUMNS.items()},
            imported_by=actor,
        )
        s.add(batch)
        s.flush()
        for start in range(0, total, CHUNK):
            if cancel is not None:
                cancel.check()
            rows: list[dict[str, Any]] = []
            for i in range(start, min(start + CHUNK, total)):
                rows.append(
                    {
                        "uuid": new_uuid(),
                        "created_at": now,
                        "updated_at": now,
                        "panel_id": panel_id,
                        "import_batch_id": batch.id,
                        "source_row": i + 1,
                        "reference": f"{prefix}-{tag}-{i + 1:05d}",
                        "occurred_at": dates.iat[i].to_pydatetime(),
                        "area": "",
                        "gender": columns["Gender"][i],
                        "age_band": columns["Age range"][i],
                        "self_defined_ethnicity": columns["Self-defined ethnicity"][i],
                        "ethnicity_group": broad_group(columns["Self-defined ethnicity"][i]),
                        "officer_defined_ethnicity": columns["Officer-defined ethnicity"][i],
                        "fields": {k: columns[c][i] for c, k in field_cols if columns[c][i]},
                    }
                )
            s.execute(insert(Case), rows)
            progress(min(start + CHUNK, total), total, f"Imported {min(start + CHUNK, total)} rows")
        audit.record(s, actor, "import", batch, file=path.name, sha256=digest, rows=total)
        return ImportResult(batch.id, path.name, digest, total, total)


COMMON_COLUMNS = (
    "occurred_at",
    "area",
    "age_band",
    "gender",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
)


def import_records(
    db: Database,
    meeting_id: int,
    records: list[dict[str, Any]],
    *,
    source_name: str,
    actor: str = "",
) -> ImportResult:
    """Import already-parsed records (common fields + template fields) into a meeting's population.

    Pseudonymisation follows the panel's access mode: unless the panel has full access, the
    template's personal fields are dropped and the reference is a keyed pseudonym of the force's
    reference (``force_reference``), so a re-import maps to the same pseudonyms.
    """
    import json

    digest = hashlib.sha256(
        json.dumps(records, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()
    key = database_key(db)
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        panel = meeting.panel
        template_fields = {f.key: f for f in panel.template.fields}
        keep_personal = panel.access_mode == "full"
        prefix = panel.code or panel.template.case_prefix
        batch = ImportBatch(
            panel_id=panel.id,
            meeting_id=meeting.id,
            file_name=source_name,
            sha256=digest,
            file_format="records",
            rows_read=len(records),
            rows_imported=len(records),
            mapping={"pseudonymised": not keep_personal},
            imported_by=actor,
        )
        s.add(batch)
        s.flush()
        for i, rec in enumerate(records, start=1):
            force_ref = str(rec.get("force_reference") or f"{source_name}:{i}")
            fields = {
                k: v
                for k, v in rec.items()
                if k in template_fields
                and v not in (None, "")
                and (keep_personal or not template_fields[k].personal)
            }
            s.add(
                Case(
                    panel_id=panel.id,
                    import_batch_id=batch.id,
                    source_row=i,
                    reference=force_ref if keep_personal else pseudonym(key, prefix, force_ref),
                    fields=fields,
                    ethnicity_group=broad_group(str(rec.get("self_defined_ethnicity") or "")),
                    **{c: rec[c] for c in COMMON_COLUMNS if rec.get(c) is not None},
                )
            )
        s.flush()
        audit.record(s, actor, "import", batch, source=source_name, rows=len(records))
        return ImportResult(batch.id, source_name, digest, len(records), len(records))
