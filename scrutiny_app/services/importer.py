"""Import the force's case extract into a meeting's population.

``plan_import`` looks at a file without writing anything: its format, the mapping it will use,
what each column becomes (kept, pseudonymised, dropped as personal, extra, ignored) and the
first rows. ``import_file`` then reads it in chunks, checks every row and writes the batch and
its cases in ONE transaction: a file with problems is refused whole (each problem with file,
row and column) unless ``skip_invalid`` is given, and a cancel leaves the database as it was.

Reading is in :mod:`scrutiny_app.importing.reader`, the per-row work in
:mod:`scrutiny_app.importing.rows`; this module holds the database side.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from scrutiny_app.domain.ethnicity import broad_group
from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.importing import mapping as mapping_mod
from scrutiny_app.importing import pipeline, police_uk, reader
from scrutiny_app.importing import values as value_rules
from scrutiny_app.importing.rows import CASE_COLUMNS, FieldSpec, RowContext, uuid7_factory
from scrutiny_app.importing.sort_keys import Ranks, SortKeyBuilder
from scrutiny_app.services import audit, logins
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.services.progress import CancelToken, ProgressFn, no_progress
from scrutiny_app.services.pseudonym import database_key, pseudonym
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.engine import StorageError
from scrutiny_app.storage.models import (
    BatchMember,
    BatchSortRanks,
    Case,
    ColumnMapping,
    ImportBatch,
    Meeting,
    MeetingBatch,
    Panel,
)

MAX_PROBLEMS_SHOWN = 20
PREVIEW_ROWS = 10
FORCE_EXTRACT = "force extract"


@dataclass(frozen=True)
class ColumnPlan:
    column: str
    target: str
    treatment: str  # kept | pseudonymised | dropped (personal) | extra field | ignored


@dataclass
class ImportPlan:
    """What an import would do, computed without writing anything."""

    file_name: str
    sha256: str
    kind: str  # csv | xlsx
    encoding: str
    delimiter: str
    header_line: int
    file_format: str  # data.police.uk stop and search | force extract
    mapping: dict[str, str]
    mapping_source: str  # e.g. "data.police.uk format", "saved mapping 'Monthly OOCD'"
    columns: list[ColumnPlan]
    preview: pd.DataFrame
    mapping_problems: list[str]
    duplicate_of: int | None  # an earlier batch holding this very file

    @property
    def ready(self) -> bool:
        return not self.mapping_problems

    @property
    def dropped(self) -> list[str]:
        return [c.column for c in self.columns if c.treatment.startswith("dropped")]


@dataclass
class ImportResult:
    batch_id: int | None
    file_name: str
    sha256: str
    rows_read: int
    rows_imported: int
    duplicate_of: int | None = None  # the batch that already holds this file
    problems: list[InputProblem] = field(default_factory=list)  # rows skipped
    linked: int = 0  # with duplicate_of: its cases, now this meeting's population too
    # What the value maps changed: (file column, value in the file, value stored, rows)
    tidied: list[tuple[str, str, str, int]] = field(default_factory=list)
    # The distinct values seen per mapped column (at most 200 each) with their rows, and the
    # value map the import used for each: for the wizard's value maps page
    distinct: dict[str, dict[str, int]] = field(default_factory=dict)
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    already_held: int = 0  # rows whose case the panel already holds (same reference)

    @property
    def rows_rejected(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def summary(self) -> str:
        if self.duplicate_of is not None and self.linked:
            return (
                f"{self.file_name} was imported before (batch {self.duplicate_of}): its "
                f"{self.linked:,} cases are now this meeting's population too (not stored twice)."
            )
        if self.duplicate_of is not None:
            return (
                f"{self.file_name} was already imported for this meeting (batch "
                f"{self.duplicate_of}); nothing was changed."
            )
        parts = [f"Imported {self.rows_imported} of {self.rows_read} rows from {self.file_name}."]
        if self.problems:
            parts.append(f"{self.rows_rejected} row(s) with problems were skipped.")
        if self.already_held:
            parts.append(
                f"{self.already_held} row(s) were cases already held: they are this meeting's "
                "population too, not stored twice."
            )
        if self.tidied:
            rows = sum(n for *_x, n in self.tidied)
            parts.append(f"{rows} value(s) tidied by the value maps.")
        if self.warnings:
            parts.append(f"{len(self.warnings)} warning(s).")
        return " ".join(parts)


class ImportRejected(UserError):
    """The file has problems; nothing was written. ``problems`` lists each with row and column."""

    def __init__(self, file_name: str, problems: list[InputProblem], rows_read: int = 0) -> None:
        self.problems = problems
        self.rows_read = rows_read
        shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{file_name}: {len(problems)} problem(s); nothing was imported. "
            f"Fix the file, or import the valid rows only.\n{shown}{tail}"
        )


class NeedsMapping(UserError):
    """The file is not in a known format and no saved mapping fits its columns."""

    def __init__(self, file_name: str, columns: list[str], suggested: dict[str, str]) -> None:
        self.columns = columns
        self.suggested = suggested
        super().__init__(
            f"{file_name} is not in the data.police.uk format and this panel has no saved mapping "
            f"for its columns ({', '.join(columns)}). Map the columns in the import wizard, or "
            "give a mapping (a JSON object: file column -> target). Suggested:\n"
            + json.dumps(suggested, indent=2, ensure_ascii=False)
        )


# --------------------------------------------------------------------------- planning


@dataclass
class _PanelView:
    id: int
    name: str
    template_key: str
    template_name: str
    prefix: str
    keep_personal: bool
    fields: dict[str, FieldSpec]
    labels: dict[str, str]


def _panel_view(s: Session, meeting_id: int) -> tuple[Meeting, _PanelView]:
    meeting = get_meeting(s, meeting_id)
    panel: Panel = meeting.panel
    fields = {
        f.key: FieldSpec(f.key, f.kind, tuple(f.choices or ()), f.personal)
        for f in panel.template.fields
    }
    view = _PanelView(
        id=panel.id,
        name=panel.name,
        template_key=panel.template.key,
        template_name=panel.template.name,
        prefix=panel.code or panel.template.case_prefix,
        keep_personal=panel.access_mode == "full",
        fields=fields,
        labels={f.key: f.label for f in panel.template.fields},
    )
    return meeting, view


def _known_columns(s: Session, panel_id: int) -> list[str]:
    known = list(police_uk.COLUMNS)
    for m in s.scalars(select(ColumnMapping).where(ColumnMapping.panel_id == panel_id)):
        known += list(m.mapping)
    return known


def _saved_value_maps(s: Session, panel_id: int, source: str) -> dict[str, dict[str, str]]:
    """The value maps saved with the mapping ``source`` names ("saved mapping 'X'")."""
    if not source.startswith("saved mapping "):
        return {}
    name = source.removeprefix("saved mapping ").strip("'\"")
    saved = s.scalar(
        select(ColumnMapping).where(ColumnMapping.panel_id == panel_id, ColumnMapping.name == name)
    )
    return {k: dict(v) for k, v in (saved.value_maps or {}).items()} if saved else {}


def _choose_mapping(
    s: Session,
    panel: _PanelView,
    columns: list[str],
    mapping: dict[str, str] | None,
    mapping_name: str | None,
    samples: Any = None,
) -> tuple[str, dict[str, str], str]:
    """(file format, mapping, where the mapping came from). The saved mapping's value maps:
    :func:`_saved_value_maps`. ``samples`` (column -> first values) let the suggestion see
    which columns hold personal data."""
    if police_uk.matches(columns) and mapping is None and mapping_name is None:
        by_lower = {c.lower(): c for c in columns}
        fixed = {by_lower[c.lower()]: t for c, t in police_uk.MAPPING.items()}
        fixed |= {c: f"extra:{c}" for c in columns if c not in fixed}
        return police_uk.FORMAT, fixed, "data.police.uk format (no mapping needed)"
    if mapping is not None:
        return FORCE_EXTRACT, dict(mapping), "mapping given"
    if mapping_name is not None:
        saved = s.scalar(
            select(ColumnMapping).where(
                ColumnMapping.panel_id == panel.id, ColumnMapping.name == mapping_name
            )
        )
        if saved is None:
            names = s.scalars(
                select(ColumnMapping.name).where(ColumnMapping.panel_id == panel.id)
            ).all()
            raise UserError(
                f"{panel.name!r} has no saved mapping {mapping_name!r} "
                f"(saved: {', '.join(names) or 'none'})."
            )
        return FORCE_EXTRACT, _fit(saved.mapping, columns, panel), f"saved mapping {saved.name!r}"
    signature = mapping_mod.header_signature(columns)
    saved = s.scalar(
        select(ColumnMapping)
        .where(ColumnMapping.panel_id == panel.id, ColumnMapping.header_signature == signature)
        .order_by(ColumnMapping.updated_at.desc())
    )
    if saved is not None:
        return FORCE_EXTRACT, _fit(saved.mapping, columns, panel), f"saved mapping {saved.name!r}"
    suggested = mapping_mod.suggest(
        columns, panel.labels, keep_unknown=panel.keep_personal, samples=samples,
        personal_fields=_personal_fields(panel),
    )  # fmt: skip
    return FORCE_EXTRACT, suggested, "suggested from the column names (check it)"


def _personal_fields(panel: _PanelView) -> list[str]:
    return [k for k, spec in panel.fields.items() if spec.personal]


def _fit(saved: dict[str, str], columns: list[str], panel: _PanelView) -> dict[str, str]:
    """A saved mapping applied to this header (case- and space-insensitive column names); a
    column it does not name is ignored, or kept as an extra field in a full-access panel if
    its header does not look personal."""
    by_norm = {mapping_mod.norm(c): t for c, t in saved.items()}
    return {
        c: by_norm.get(mapping_mod.norm(c))
        or (
            f"extra:{c}"
            if panel.keep_personal and not mapping_mod.personal_reason(c)
            else mapping_mod.IGNORE
        )
        for c in columns
    }


def _treatment(target: str, panel: _PanelView) -> str:
    t = mapping_mod.Target.parse(target)
    if t.kind == mapping_mod.IGNORE:
        return "ignored"
    if t.kind == "extra":
        return "extra field"
    if t.kind == "column" and t.name == "reference":
        return "kept" if panel.keep_personal else "pseudonymised"
    if t.kind == "field" and t.name in panel.fields and panel.fields[t.name].personal:
        return "kept (full access)" if panel.keep_personal else "dropped (personal)"
    return "kept"


def _mapping_problems(fmt: str, mapping: dict[str, str], columns: list[str], panel: _PanelView):
    problems = mapping_mod.validate(mapping, columns, panel.fields)
    if fmt == police_uk.FORMAT:
        if panel.template_key != "stop_search":
            problems.insert(
                0,
                f"this is a stop-and-search file, but {panel.name!r} uses the "
                f"{panel.template_name!r} template. Import it into a stop and search panel.",
            )
    elif "column:reference" not in mapping.values():
        problems.append("the mapping must say which column holds the force's reference")
    return problems


def _batch_with_file(s: Session, panel_id: int, sha256: str) -> ImportBatch | None:
    """An earlier batch of this panel holding the very same file, if any."""
    return s.scalar(
        select(ImportBatch).where(ImportBatch.panel_id == panel_id, ImportBatch.sha256 == sha256)
    )


def _extract_path(path: str | Path) -> Path:
    """The extract's path, refused in one line when it is a folder or no file."""
    path = Path(path)
    if path.is_dir():
        raise UserError(
            f"{path} is a folder, not a file: choose the extract (CSV or XLSX) inside it"
        )
    if not path.is_file():
        raise UserError(f"No such file: {path}")
    return path


def plan_import(
    db: Database,
    meeting_id: int,
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    mapping_name: str | None = None,
) -> ImportPlan:
    """Inspect ``path`` for an import into ``meeting_id``; writes nothing."""
    path = _extract_path(path)
    with db.session() as s:
        _meeting, panel = _panel_view(s, meeting_id)
        known = _known_columns(s, panel.id)
        table = reader.read_table_head(path, known, rows=PREVIEW_ROWS)
        info = table.info
        fmt, chosen, source = _choose_mapping(
            s, panel, info.columns, mapping, mapping_name, samples=table.frame
        )
        dup = _batch_with_file(s, panel.id, info.sha256)
    return ImportPlan(
        file_name=path.name,
        sha256=info.sha256,
        kind=info.kind,
        encoding=info.encoding,
        delimiter=info.delimiter,
        header_line=info.header_line,
        file_format=fmt,
        mapping=chosen,
        mapping_source=source,
        columns=[ColumnPlan(c, chosen[c], _treatment(chosen[c], panel)) for c in info.columns],
        preview=table.frame,
        mapping_problems=_mapping_problems(fmt, chosen, info.columns, panel),
        duplicate_of=dup.id if dup is not None else None,
    )


# --------------------------------------------------------------------------- mappings


def mapping_targets(db: Database, meeting_id: int) -> list[tuple[str, str]]:
    """Every target a column of this meeting's panel can map to, as (target, label)."""
    with db.session() as s:
        _meeting, panel = _panel_view(s, meeting_id)
    targets = [(f"column:{c}", mapping_mod.COMMON_LABELS[c]) for c in mapping_mod.COMMON_COLUMNS]
    for key, spec in panel.fields.items():
        note = " (personal)" if spec.personal else ""
        targets.append((f"field:{key}", panel.labels[key] + note))
    return targets


def save_mapping(
    db: Database, panel_id: int, name: str, mapping: dict[str, str], *, actor: str = ""
) -> int:
    """Save (or replace) a panel's named column mapping; returns its id."""
    if not name.strip():
        raise UserError("A saved mapping needs a name.")
    with db.transaction() as s:
        panel = s.get(Panel, panel_id)
        if panel is None:
            raise UserError(f"No panel with id {panel_id}.")
        fields = [f.key for f in panel.template.fields]
        problems = mapping_mod.validate(mapping, list(mapping), fields)
        if problems:
            raise UserError("The mapping cannot be saved: " + "; ".join(problems))
        row = s.scalar(
            select(ColumnMapping).where(
                ColumnMapping.panel_id == panel_id, ColumnMapping.name == name.strip()
            )
        )
        if row is None:
            row = ColumnMapping(panel_id=panel_id, name=name.strip())
            s.add(row)
        row.mapping = dict(mapping)
        row.header_signature = mapping_mod.header_signature(mapping)
        s.flush()
        audit.record(s, actor, "save", row, name=row.name, columns=len(mapping))
        return row.id


def list_mappings(db: Database, panel_id: int) -> dict[str, dict[str, str]]:
    with db.session() as s:
        rows = s.scalars(
            select(ColumnMapping)
            .where(ColumnMapping.panel_id == panel_id)
            .order_by(ColumnMapping.name)
        )
        return {m.name: dict(m.mapping) for m in rows}


# --------------------------------------------------------------------------- importing


def _insert_sql(panel_id: int, batch_id: int, paramstyle: str) -> str:
    """The cases INSERT with the values every row of the batch shares written in (two
    integers of ours): fewer parameters to bind per row. Placeholders in the driver's style
    (``?`` for sqlite3, ``%s`` for psycopg)."""
    shared = {
        "panel_id": str(int(panel_id)),
        "import_batch_id": str(int(batch_id)),
    }
    marks = {"qmark": "?", "format": "%s", "pyformat": "%s"}
    if paramstyle not in marks:
        raise StorageError(f"The import does not support the {paramstyle!r} parameter style.")
    mark = marks[paramstyle]
    values = ", ".join(shared.get(c, mark) for c in CASE_COLUMNS)
    return f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({values})"


def _row_writer(
    cursor: Any, dialect: Any, panel_id: int, batch_id: int, file_name: str = ""
) -> Callable[[Iterable[tuple[Any, ...]]], None]:
    """What writes a chunk of case rows (uuid, then the columns after the two shared ones)
    on this connection: PostgreSQL's COPY (psycopg), else one ``executemany`` of the INSERT."""
    if dialect.name != "postgresql":
        insert_sql = _insert_sql(panel_id, batch_id, dialect.paramstyle)
        return lambda rows: cursor.executemany(insert_sql, rows)
    statement = f"COPY cases ({', '.join(CASE_COLUMNS)}) FROM STDIN"
    import psycopg

    def copy_rows(rows: Iterable[tuple[Any, ...]]) -> None:
        source_rows: list[Any] = []
        keep = source_rows.append
        try:
            with cursor.copy(statement) as copy:
                write = copy.write_row
                for row in rows:
                    keep(row[1])
                    write((row[0], panel_id, batch_id, *row[1:]))
        except psycopg.errors.StringDataRightTruncation as exc:
            # SQLite keeps a text of any length; the server holds each column to its size.
            found = re.search(r"line (\d+), column (\w+)", exc.diag.context or "")
            where = ""
            if found and 0 < int(found[1]) <= len(source_rows):
                where = f"row {source_rows[int(found[1]) - 1]}, {found[2]}: "
            raise UserError(
                f"{file_name}: {where}a value is longer than the shared database allows "
                f"({exc.diag.message_primary}). Nothing was imported: shorten it in the file."
            ) from exc

    return copy_rows


def _check_parents(s: Session, panel_id: int, meeting_id: int) -> None:
    """The panel and meeting still exist, now that this transaction holds the write lock:
    the cases are inserted without per-row foreign key checks."""
    if s.get(Panel, panel_id) is None or s.get(Meeting, meeting_id) is None:
        raise UserError("The meeting was deleted while its cases were being imported.")


def _existing_references(s: Session, panel_id: int, refs: list[str]) -> dict[str, int]:
    """The references the panel already holds, with their case ids."""
    found: dict[str, int] = {}
    for start in range(0, len(refs), 900):
        part = refs[start : start + 900]
        found |= dict(
            s.execute(
                select(Case.reference, Case.id).where(
                    Case.panel_id == panel_id, Case.reference.in_(part)
                )
            ).all()
        )
    return found


def _link_again(
    db: Database,
    meeting_id: int,
    batch_id: int,
    file_name: str,
    sha256: str,
    actor: str,
    dry_run: bool,
) -> ImportResult:
    """The same file imported again: its batch becomes (part of) this meeting's population
    too; nothing is stored twice. Already this meeting's: nothing changes."""
    with db.transaction() as s:
        batch = s.get(ImportBatch, batch_id)
        assert batch is not None
        linked = s.get(MeetingBatch, (meeting_id, batch_id)) is not None
        n = 0
        if not linked:
            n = (
                s.scalar(select(func.count(Case.id)).where(Case.import_batch_id == batch_id)) or 0
            ) + (s.scalar(select(func.count()).where(BatchMember.import_batch_id == batch_id)) or 0)
            if not dry_run:
                s.add(MeetingBatch(meeting_id=meeting_id, import_batch_id=batch_id))
                s.flush()
                audit.record(s, actor, "link_import", batch, meeting=meeting_id, file=file_name)
        return ImportResult(
            None, file_name, sha256, batch.rows_read, 0, duplicate_of=batch_id, linked=n
        )


def import_file(
    db: Database,
    meeting_id: int,
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    mapping_name: str | None = None,
    value_maps: dict[str, dict[str, str]] | None = None,
    save_mapping_as: str | None = None,
    skip_invalid: bool = False,
    actor: str = "",
    progress: ProgressFn = no_progress,
    cancel: CancelToken | None = None,
    chunk_rows: int = 100_000,
    dry_run: bool = False,
    worker: bool | None = None,
) -> ImportResult:
    """Import ``path`` into the meeting's population (see the module docstring).

    ``dry_run`` reads and checks everything and writes nothing: the result then says what an
    import would do (rows that would be imported, problems, warnings, the distinct values of
    each column and how the value maps would tidy them). ``value_maps`` (file column ->
    {value: value to store}) are laid over the saved mapping's and the standard tidying
    (:mod:`scrutiny_app.importing.values`). ``worker`` reads in a
    second process (None: for big CSV files; see :mod:`scrutiny_app.importing.pipeline`).
    """
    logins.require_officer(db, "import cases")
    path = _extract_path(path)
    progress(0, 0, f"Checking {path.name}")
    reading = _start_worker() if not dry_run and pipeline.wants_worker(path, worker) else None
    try:
        return _import(
            db, meeting_id, path, mapping=mapping, mapping_name=mapping_name,
            value_maps=value_maps, save_mapping_as=save_mapping_as, skip_invalid=skip_invalid, actor=actor,
            progress=progress, cancel=cancel, chunk_rows=chunk_rows, dry_run=dry_run,
            reading=reading,
        )  # fmt: skip
    except UserError as exc:
        if not dry_run:  # a refused extract is on the record: which file, and why
            audit.record_refusal(
                db, actor, "import_batches", "import_refused", path, str(exc), meeting=meeting_id
            )
        raise
    finally:
        if reading is not None:
            reading.close()


def _start_worker() -> pipeline.Worker | None:
    """The reading process; None (read here, only slower) if it cannot be started."""
    try:
        return pipeline.Worker()
    except Exception:  # e.g. no way to start a process in this environment
        return None


def _import(
    db: Database,
    meeting_id: int,
    path: Path,
    *,
    mapping: dict[str, str] | None,
    mapping_name: str | None,
    value_maps: dict[str, dict[str, str]] | None,
    save_mapping_as: str | None,
    skip_invalid: bool,
    actor: str,
    progress: ProgressFn,
    cancel: CancelToken | None,
    chunk_rows: int,
    dry_run: bool,
    reading: pipeline.Worker | None,
) -> ImportResult:
    with db.session() as s:
        meeting, panel = _panel_view(s, meeting_id)
        known = _known_columns(s, panel.id)
        info, chunks = reader.iter_tables(path, known, chunk_rows=chunk_rows)
        fmt, chosen, source = _choose_mapping(s, panel, info.columns, mapping, mapping_name)
        given_values = _saved_value_maps(s, panel.id, source)
        dup = _batch_with_file(s, panel.id, info.sha256)
    for column, vmap in (value_maps or {}).items():
        given_values.setdefault(column, {}).update(vmap)
    if dup is not None:
        return _link_again(db, meeting.id, dup.id, path.name, info.sha256, actor, dry_run)
    problems = _mapping_problems(fmt, chosen, info.columns, panel)
    if problems:
        raise UserError(f"{path.name}: " + "; ".join(problems))
    if source.startswith("suggested"):
        raise NeedsMapping(path.name, info.columns, chosen)
    ctx = RowContext(
        file_name=path.name,
        header_line=info.header_line,
        mapping=chosen,
        fields=panel.fields,
        keep_personal=panel.keep_personal,
        reference_prefix=panel.prefix,
        pseudonym_key=database_key(db),
        police_uk=fmt == police_uk.FORMAT,
        file_tag=info.sha256[:6].upper(),
        sort_keys=None if dry_run else SortKeyBuilder(),
        value_maps={c: m for c, m in given_values.items() if c in chosen},
    )
    new_uuids = uuid7_factory()
    rows_read = imported = held = 0
    all_problems: list[InputProblem] = []
    # Every case row points at this panel and the batch made just below: the per-row foreign
    # key checks are skipped (see Database.bulk_transaction).
    with db.bulk_transaction() as s:
        batch = ImportBatch(
            panel_id=panel.id,
            meeting_id=meeting.id,
            file_name=path.name,
            sha256=info.sha256,
            file_format=fmt,
            mapping=chosen,
            imported_by=actor,
        )
        s.add(batch)
        s.flush()
        s.add(MeetingBatch(meeting_id=meeting.id, import_batch_id=batch.id))
        panel_id, batch_id = panel.id, batch.id
        _check_parents(s, panel.id, meeting.id)
        raw = s.connection().connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        write_rows = _row_writer(cursor, db.engine.dialect, panel_id, batch_id, path.name)
        checked = pipeline.built_chunks(info, chunks, ctx, chunk_rows, worker=reading)
        with closing(  # type: ignore[type-var]  # a generator: it has close()
            checked
        ):  # a cancel or an error ends the reading (import_file ends the worker)
            for chunk in checked:
                if cancel is not None:
                    cancel.check()
                rows_read += chunk.rows_read
                built = chunk.built
                all_problems += chunk.problems
                columns = built.column_values()
                if not ctx.police_uk and len(built):
                    references = columns[1]
                    existing = _existing_references(s, panel.id, references)
                    if existing:
                        keep = [r not in existing for r in references]
                        held += keep.count(False)
                        if not dry_run and (skip_invalid or not all_problems):
                            # Held already: this file's meeting counts them too.
                            s.add_all(
                                BatchMember(
                                    import_batch_id=batch_id,
                                    case_id=existing[r],
                                    source_row=row,
                                )
                                for r, row, k in zip(references, columns[0], keep, strict=True)
                                if not k
                            )
                        columns = [list(compress(c, keep)) for c in columns]
                n = len(columns[0]) if columns else 0
                if dry_run:
                    imported += n
                elif n and (skip_invalid or not all_problems):
                    write_rows(zip(new_uuids(n), *columns, strict=True))
                    imported += n
                progress(*_progress(info, chunk.last_row, rows_read))
        cursor.close()
        if rows_read == 0:
            raise InputProblem(
                f"the file has a header row (line {info.header_line}) but no cases under it: "
                "nothing was imported",
                file=path.name,
            )
        all_problems.sort(key=lambda p: (p.row or 0, p.column or ""))
        tidied = sorted((c, raw, clean, n) for (c, raw, clean), n in ctx.tidied.items())
        if dry_run:
            s.rollback()
            return ImportResult(
                None, path.name, info.sha256, rows_read, imported, problems=all_problems,
                warnings=ctx.warning_lines(), already_held=held, tidied=tidied,
                distinct={c: dict(n.most_common()) for c, n in ctx.distinct.items()},
                value_maps=_maps_used(ctx, chosen, panel),
            )  # fmt: skip
        if all_problems and not skip_invalid:
            raise ImportRejected(path.name, all_problems, rows_read)
        batch.rows_read = rows_read
        batch.rows_imported = imported
        batch.rows_rejected = len({p.row for p in all_problems})
        used: dict[str, dict[str, list[Any]]] = {}
        for column, raw, clean, n in tidied:
            used.setdefault(column, {})[raw] = [clean, n]
        batch.value_maps = used
        if ctx.ranks and imported and not held:
            _save_ranks(s, batch_id, imported, ctx.ranks)
        if save_mapping_as and fmt != police_uk.FORMAT:
            existing_map = s.scalar(
                select(ColumnMapping).where(
                    ColumnMapping.panel_id == panel.id, ColumnMapping.name == save_mapping_as
                )
            )
            if existing_map is None:
                existing_map = ColumnMapping(panel_id=panel.id, name=save_mapping_as)
                s.add(existing_map)
            existing_map.mapping = chosen
            existing_map.value_maps = {c: m for c, m in given_values.items() if m}
            existing_map.header_signature = mapping_mod.header_signature(info.columns)
        audit.record(
            s, actor, "import", batch, file=path.name, sha256=info.sha256, rows=imported,
            rejected=batch.rows_rejected,
            kept_personal=mapping_mod.personal_columns(
                chosen, info.columns, ctx.distinct, personal_fields=_personal_fields(panel)
            ),
        )  # fmt: skip
        progress(100, 100, f"Imported {imported:,} rows")
        return ImportResult(
            batch.id,
            path.name,
            info.sha256,
            rows_read,
            imported,
            problems=all_problems,
            warnings=ctx.warning_lines(),
            already_held=held,
            tidied=tidied,
        )


def _maps_used(
    ctx: RowContext, chosen: dict[str, str], panel: _PanelView
) -> dict[str, dict[str, str]]:
    """The value map each column would use over all its distinct values (for the wizard)."""
    out: dict[str, dict[str, str]] = {}
    for column, seen in ctx.distinct.items():
        target = chosen.get(column, "")
        vocabulary: tuple[str, ...] = ()
        if target.startswith("field:") and target[6:] in panel.fields:
            vocabulary = tuple(panel.fields[target[6:]].choices or ())
        vmap = value_rules.combined(
            target, list(seen), vocabulary, ctx.value_maps.get(column),
            scheme=ctx.schemes.get(column),
        )  # fmt: skip
        if vmap:
            out[column] = vmap
    return out


def _save_ranks(s: Session, batch_id: int, rows: int, ranks: dict[str, Ranks]) -> None:
    """Store the batch's sort ranks (see scrutiny_app.importing.sort_keys).

    The batch's cases were inserted in one go in this transaction, so their ids run on from
    the first; ranks that do not fit (a row count that differs) are not stored.
    """
    first = s.scalar(
        select(Case.id)
        .where(Case.import_batch_id == batch_id)
        .order_by(Case.source_row, Case.id)
        .limit(1)
    )
    last = s.scalar(
        select(Case.id)
        .where(Case.import_batch_id == batch_id)
        .order_by(Case.source_row.desc(), Case.id.desc())
        .limit(1)
    )
    if first is None or last is None or last - first + 1 != rows:
        return
    values = [
        {
            "import_batch_id": batch_id,
            "key": key,
            "first_case_id": first,
            "rows": rows,
            "dtype": r.dtype,
            "ranks": r.data,
        }
        for key, r in ranks.items()
        if len(r.data) == rows * np.dtype(r.dtype).itemsize
    ]
    if values:
        s.execute(insert(BatchSortRanks), values)


def _progress(info: reader.SourceInfo, last_row: int, rows_read: int) -> tuple[int, int, str]:
    """(percent, 100, message) after a chunk: against the file's line count when known."""
    if info.lines > info.header_line:
        expected = info.lines - info.header_line
        percent = max(0, min(99, (last_row - info.header_line) * 100 // expected))
        return percent, 100, f"{rows_read:,} of {expected:,} rows read"
    return 0, 0, f"{rows_read:,} rows read"


def check_file(db: Database, meeting_id: int, path: str | Path, **kw: Any) -> ImportResult:
    """What importing ``path`` would do, writing nothing (the wizard's check step)."""
    return import_file(db, meeting_id, path, dry_run=True, **kw)


def import_stop_search(db: Database, meeting_id: int, path: str | Path, **kw: Any) -> ImportResult:
    """Import a data.police.uk stop-and-search CSV (recognised by its header; no mapping)."""
    return import_file(db, meeting_id, path, **kw)


# --------------------------------------------------------------------------- records (demo)

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
    logins.require_officer(db, "import cases")
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
        s.add(MeetingBatch(meeting_id=meeting_id, import_batch_id=batch.id))
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
