"""Reproducible random dip-samples: simple or stratified, with filters, exclusions, hand-picked
additions and the previous meeting's carried-over cases.

The draw depends only on the seed, the settings and the population's order, never on the
machine or the Python version: it uses Floyd's algorithm over ``random.Random(seed).random()``,
the one stream Python promises to keep the same for a given seed. The population is ordered by
each case's source file (its SHA-256) and row, which is the same wherever the file is imported.
Strata are drawn with their own seeds derived from the seed and the stratum's name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from scrutiny_app.domain.vocab import SampleMethod, Selection
from scrutiny_app.domain.when import day_bounds
from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services import population as populations
from scrutiny_app.services.case_list import stored_ranks
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import (
    Case,
    ImportBatch,
    Meeting,
    MeetingCase,
    PanelJudgement,
    Sample,
)

# Case columns a sample may be stratified or filtered by; anything else is a template field.
CASE_COLUMNS = {
    "gender": Case.gender,
    "age_band": Case.age_band,
    "area": Case.area,
    "ethnicity_group": Case.ethnicity_group,
    "self_defined_ethnicity": Case.self_defined_ethnicity,
    "officer_defined_ethnicity": Case.officer_defined_ethnicity,
}
NOT_RECORDED = "(not recorded)"
ALLOCATIONS = ("proportional", "equal")


@dataclass(frozen=True)
class SampleSpec:
    """How to draw. Everything here is recorded with the sample."""

    size: int
    seed: int | None = None
    stratify_by: str | None = None  # a CASE_COLUMNS key or a template field key
    allocation: str = "proportional"  # or "equal"
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    where: dict[str, list[str]] = field(default_factory=dict)  # column/field -> allowed values
    exclude_recent_meetings: int = 0  # leave out cases reviewed at the panel's last N meetings
    purposive: tuple[str, ...] = ()  # references the panel picked by hand
    carry_over: bool = True  # add the previous meeting's no-consensus cases


@dataclass(frozen=True)
class Drawn:
    case_id: int
    reference: str
    selection: str
    stratum: str = ""
    carried_from: int | None = None  # MeetingCase id of the earlier meeting


@dataclass(frozen=True)
class SampleResult:
    sample_id: int | None  # None for a preview
    seed: int
    population_size: int
    size: int  # cases drawn at random
    references: tuple[str, ...]  # every case added, random first
    method_statement: str
    strata: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (population, drawn)
    drawn: tuple[Drawn, ...] = ()


def new_seed() -> int:
    """A fresh five-digit seed: short enough to read out and write in a report."""
    return 10_000 + secrets.randbelow(90_000)


def floyd_sample(population_size: int, size: int, seed: int) -> list[int]:
    """``size`` distinct indexes in ``range(population_size)``, ascending (Floyd's algorithm)."""
    if size > population_size:
        raise ValueError("sample larger than population")
    rng = random.Random(seed)
    chosen: set[int] = set()
    for j in range(population_size - size, population_size):
        t = int(rng.random() * (j + 1))
        chosen.add(j if t in chosen else t)
    return sorted(chosen)


def stratum_seed(seed: int, stratum: str) -> int:
    digest = hashlib.sha256(f"{seed}\x1f{stratum}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def allocate(sizes: dict[str, int], total: int, method: str = "proportional") -> dict[str, int]:
    """How many to draw from each stratum (in the given order).

    Proportional: largest remainder (Hamilton), so each stratum is within one case of its exact
    share. Equal: the same number from each, the remainder to the largest strata. Either way no
    stratum gives more than it has; what it cannot give goes to the others.
    """
    if method not in ALLOCATIONS:
        raise UserError(f"Unknown allocation {method!r}: use proportional or equal.")
    population = sum(sizes.values())
    if total > population:
        raise UserError(f"Cannot draw {total} cases from a population of {population}.")
    names = list(sizes)
    if population == 0:
        return dict.fromkeys(names, 0)
    if method == "proportional":
        exact = {s: total * sizes[s] / population for s in names}
        out = {s: int(exact[s]) for s in names}
        by_remainder = sorted(
            names, key=lambda s: (-(exact[s] - out[s]), -sizes[s], names.index(s))
        )
        for s in by_remainder[: total - sum(out.values())]:
            out[s] += 1
        return out
    # Equal: fill every stratum up to a common level, as far as each can go.
    level = 0
    while sum(min(n, level) for n in sizes.values()) < total:
        level += 1
    out = {s: min(sizes[s], max(level - 1, 0)) for s in names}
    left = total - sum(out.values())
    for s in sorted(
        (s for s in names if sizes[s] >= level), key=lambda s: (-sizes[s], names.index(s))
    ):
        if not left:
            break
        out[s] += 1
        left -= 1
    return out


# --------------------------------------------------------------------------- population


def _value_expr(key: str):
    if key in CASE_COLUMNS:
        return CASE_COLUMNS[key]
    return Case.fields[key].as_string()


def _population_query(s: Session, meeting: Meeting, spec: SampleSpec):
    query = (
        select(Case.id, Case.reference)
        .join(ImportBatch, Case.import_batch_id == ImportBatch.id)
        .where(populations.condition(s, meeting.id))
        .order_by(ImportBatch.sha256, Case.source_row)
    )
    if spec.stratify_by:
        query = query.add_columns(_value_expr(spec.stratify_by).label("stratum"))
    # UK days (the date rule, domain.when): a date with no time and a timestamp alike.
    if spec.date_from:
        start, _ = day_bounds(spec.date_from, spec.date_from)
        query = query.where(Case.occurred_at >= start)
    if spec.date_to:
        _, end = day_bounds(spec.date_to, spec.date_to)
        query = query.where(Case.occurred_at < end)
    for key, values in spec.where.items():
        query = query.where(_value_expr(key).in_(list(values)))
    return query


def _recently_reviewed(s: Session, meeting: Meeting, n: int) -> set[int]:
    if n <= 0:
        return set()
    earlier = s.scalars(
        select(Meeting.id)
        .where(Meeting.panel_id == meeting.panel_id, Meeting.date < meeting.date)
        .order_by(Meeting.date.desc())
        .limit(n)
    ).all()
    if not earlier:
        return set()
    return set(s.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id.in_(earlier))))


def _previous_meeting(s: Session, meeting: Meeting) -> Meeting | None:
    return s.scalar(
        select(Meeting)
        .where(
            Meeting.panel_id == meeting.panel_id,
            Meeting.id != meeting.id,
            Meeting.date <= meeting.date,
        )
        .order_by(Meeting.date.desc(), Meeting.id.desc())
        .limit(1)
    )


def _carried_over(s: Session, meeting: Meeting) -> list[Drawn]:
    previous = _previous_meeting(s, meeting)
    if previous is None:
        return []
    rows = s.execute(
        select(MeetingCase.id, Case.id, Case.reference)
        .join(PanelJudgement, PanelJudgement.meeting_case_id == MeetingCase.id)
        .join(Case, Case.id == MeetingCase.case_id)
        .where(MeetingCase.meeting_id == previous.id, PanelJudgement.carried_over.is_(True))
        .order_by(MeetingCase.position)
    ).all()
    return [Drawn(cid, ref, Selection.CARRIED_OVER, carried_from=item) for item, cid, ref in rows]


def _purposive(s: Session, meeting: Meeting, references: Sequence[str]) -> list[Drawn]:
    picked = []
    for ref in references:
        case = s.scalar(
            select(Case).where(Case.panel_id == meeting.panel_id, Case.reference == ref.strip())
        )
        if case is None:
            raise UserError(f"No case {ref!r} in this panel's imported cases.")
        picked.append(Drawn(case.id, case.reference, Selection.PURPOSIVE))
    return picked


def _fast_simple_draw(
    s: Session, meeting: Meeting, size: int, seed: int
) -> tuple[int, list[Drawn]] | None:
    """Simple random draw without reading the population: index -> (batch, row) arithmetic.

    Works when every batch of the meeting holds rows 1..n with no gaps (nothing skipped), which
    is the usual case; returns None otherwise.
    """
    batches = populations.linked_batches(s, meeting.id)
    if not batches or any(b.rows_imported != b.rows_read for b in batches):
        return None  # rows skipped, or cases held from another file: the full path
    total = sum(b.rows_imported for b in batches)
    if size > total:
        raise UserError(f"Cannot draw {size} cases from a population of {total}.")
    wanted: dict[int, list[int]] = {}
    for index in floyd_sample(total, size, seed):
        for b in batches:
            if index < b.rows_imported:
                wanted.setdefault(b.id, []).append(index + 1)
                break
            index -= b.rows_imported
    drawn = []
    for b in batches:
        rows = wanted.get(b.id)
        if not rows:
            continue
        found = s.execute(
            select(Case.id, Case.reference, Case.source_row)
            .where(Case.import_batch_id == b.id, Case.source_row.in_(rows))
            .order_by(Case.source_row)
        ).all()
        if len(found) != len(rows):
            return None  # rows were removed since: fall back to the full path
        drawn += [Drawn(cid, ref, Selection.RANDOM) for cid, ref, _ in found]
    return total, drawn


def _fast_stratified_draw(
    s: Session, meeting: Meeting, spec: SampleSpec, seed: int
) -> tuple[int, list[Drawn], dict[str, tuple[int, int]]] | None:
    """The stratified draw without reading the population, from the sort ranks stored at
    import (BatchSortRanks): cases with one rank share a value, so one case per rank names
    the strata and the ranks give each stratum's members in file order. The same draw as the
    full path (tested); None when the meeting's population is not one batch with ranks."""
    key = spec.stratify_by or ""
    # Stored under the name of what _value_expr reads: a case column, else the field.
    found = stored_ranks(s, meeting.id, key if key in CASE_COLUMNS else f"field:{key}")
    if found is None:
        return None
    first_id, ranks = found
    distinct, first_at = np.unique(ranks, return_index=True)
    if len(distinct) > 10_000:
        return None
    ids = (first_at + first_id).tolist()
    values: dict[int, Any] = {}
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        values |= dict(s.execute(select(Case.id, _value_expr(key)).where(Case.id.in_(part))).all())
    if len(values) != len(ids):
        return None
    ranks_of: dict[str, list[int]] = {}
    for rank, case_id in zip(distinct.tolist(), ids, strict=True):
        name = (values[case_id] or "").strip() or NOT_RECORDED
        ranks_of.setdefault(name, []).append(rank)
    if spec.size > len(ranks):
        raise UserError(f"Cannot draw {spec.size} cases from a population of {len(ranks)}.")
    names = sorted(ranks_of)
    members = {n: np.flatnonzero(np.isin(ranks, ranks_of[n])) for n in names}
    quota = allocate({n: len(members[n]) for n in names}, spec.size, spec.allocation)
    picked: list[tuple[str, int]] = []
    spread = {}
    for name in names:
        picks = floyd_sample(len(members[name]), quota[name], stratum_seed(seed, name))
        picked += [(name, int(members[name][i]) + first_id) for i in picks]
        spread[name] = (len(members[name]), quota[name])
    references: dict[int, str] = {}
    chosen = [case_id for _, case_id in picked]
    for start in range(0, len(chosen), 900):
        part = chosen[start : start + 900]
        references |= dict(
            s.execute(select(Case.id, Case.reference).where(Case.id.in_(part))).all()
        )
    drawn = [Drawn(cid, references[cid], Selection.RANDOM, name) for name, cid in picked]
    return len(ranks), drawn, spread


def _draw(s: Session, meeting: Meeting, spec: SampleSpec, seed: int):
    """(population size, random draws, strata spread, excluded count)."""
    excluded = _recently_reviewed(s, meeting, spec.exclude_recent_meetings)
    simple = (
        not (spec.stratify_by or spec.date_from or spec.date_to or spec.where or excluded)
        and not spec.purposive
    )
    if simple:
        fast = _fast_simple_draw(s, meeting, spec.size, seed)
        if fast is not None:
            return fast[0], fast[1], {}, 0
    if spec.stratify_by and not (
        spec.date_from or spec.date_to or spec.where or excluded or spec.purposive
    ):
        stratified = _fast_stratified_draw(s, meeting, spec, seed)
        if stratified is not None:
            return (*stratified, 0)
    query = _population_query(s, meeting, spec)
    rows = s.execute(query).all()
    picked_by_hand = {r.strip() for r in spec.purposive}
    before = len(rows)
    rows = [r for r in rows if r.id not in excluded and r.reference not in picked_by_hand]
    n_excluded = before - len(rows)
    if not rows:
        raise UserError(
            f"Meeting {meeting.id} has no cases to sample from"
            + (
                " with these filters."
                if before or spec.where
                else ": import the force's extract first."
            )
        )
    if spec.size > len(rows):
        raise UserError(f"Cannot draw {spec.size} cases from a population of {len(rows)}.")
    if not spec.stratify_by:
        return (
            len(rows),
            [
                Drawn(rows[i].id, rows[i].reference, Selection.RANDOM)
                for i in floyd_sample(len(rows), spec.size, seed)
            ],
            {},
            n_excluded,
        )
    strata: dict[str, list[Any]] = {}
    for r in rows:
        strata.setdefault((r.stratum or "").strip() or NOT_RECORDED, []).append(r)
    names = sorted(strata)
    quota = allocate({n: len(strata[n]) for n in names}, spec.size, spec.allocation)
    drawn, spread = [], {}
    for name in names:
        members = strata[name]
        picks = floyd_sample(len(members), quota[name], stratum_seed(seed, name))
        drawn += [Drawn(members[i].id, members[i].reference, Selection.RANDOM, name) for i in picks]
        spread[name] = (len(members), quota[name])
    return len(rows), drawn, spread, n_excluded


# --------------------------------------------------------------------------- statement


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def method_statement(
    spec: SampleSpec,
    *,
    seed: int,
    population: int,
    drawn: int,
    files: Sequence[str],
    spread: dict[str, tuple[int, int]],
    excluded: int,
    purposive: int,
    carried: int,
    carried_from: dt.date | None,
) -> str:
    """One paragraph for the report, saying how the cases were chosen."""
    source = f" imported from {', '.join(files)}" if files else ""
    filters = []
    if spec.date_from or spec.date_to:
        a = _day(spec.date_from) if spec.date_from else "the start"
        b = _day(spec.date_to) if spec.date_to else "the end"
        filters.append(f"dated {a} to {b}")
    for key, values in spec.where.items():
        filters.append(f"{key.replace('_', ' ')} {' or '.join(values)}")
    where = f" ({'; '.join(filters)})" if filters else ""
    was = "case was" if drawn == 1 else "cases were"
    text = f"{drawn} {was} drawn at random from a population of {population}{source}{where}"
    if excluded:
        text += f", leaving out {_plural(excluded, 'case')} reviewed at the last " + (
            "meeting"
            if spec.exclude_recent_meetings == 1
            else f"{spec.exclude_recent_meetings} meetings"
        )
    if spec.stratify_by:
        parts = ", ".join(f"{name} {got} of {size}" for name, (size, got) in spread.items())
        text += (
            f", stratified by {spec.stratify_by.replace('_', ' ')} with {spec.allocation} "
            f"allocation ({parts})"
        )
    else:
        text += ", by simple random sampling without replacement"
    text += f" (seed {seed}). The same population, settings and seed always give the same sample."
    if purposive:
        text += f" {_plural(purposive, 'case was', 'cases were')} added by the panel (purposive)."
    if carried:
        when = f" from the meeting of {_day(carried_from)}" if carried_from else ""
        text += (
            f" {_plural(carried, 'no-consensus case was', 'no-consensus cases were')} "
            f"carried over{when}."
        )
    return text


# --------------------------------------------------------------------------- entry points


def _prepare(s: Session, meeting_id: int, spec: SampleSpec, seed: int) -> dict[str, Any]:
    meeting = get_meeting(s, meeting_id)
    if spec.size < 0 or (spec.size == 0 and not spec.purposive):
        raise UserError("The sample size must be at least 1.")
    extra = _purposive(s, meeting, spec.purposive)
    carried = _carried_over(s, meeting) if spec.carry_over else []
    on_agenda = set(
        s.scalars(select(MeetingCase.case_id).where(MeetingCase.meeting_id == meeting.id))
    )
    carried = [c for c in carried if c.case_id not in on_agenda]
    if spec.size:
        population, drawn, spread, excluded = _draw(s, meeting, spec, seed)
    else:
        population, drawn, spread, excluded = 0, [], {}, 0
    chosen = {d.case_id for d in drawn}
    extra = [d for d in extra if d.case_id not in chosen]
    carried = [d for d in carried if d.case_id not in chosen | {e.case_id for e in extra}]
    files = sorted(b.file_name for b in populations.linked_batches(s, meeting.id))
    previous = _previous_meeting(s, meeting) if carried else None
    statement = method_statement(
        spec,
        seed=seed,
        population=population,
        drawn=len(drawn),
        files=files,
        spread=spread,
        excluded=excluded,
        purposive=len(extra),
        carried=len(carried),
        carried_from=previous.date if previous else None,
    )
    return {
        "meeting": meeting,
        "population": population,
        "drawn": drawn,
        "extra": extra,
        "carried": carried,
        "spread": spread,
        "files": files,
        "statement": statement,
    }


def preview_sample(db: Database, meeting_id: int, spec: SampleSpec) -> SampleResult:
    """What ``draw_sample`` would add, without writing anything (for the sample dialog)."""
    seed = spec.seed if spec.seed is not None else new_seed()
    with db.session() as s:
        p = _prepare(s, meeting_id, spec, seed)
    everything = p["drawn"] + p["extra"] + p["carried"]
    return SampleResult(
        None, seed, p["population"], len(p["drawn"]), tuple(d.reference for d in everything),
        p["statement"], p["spread"], tuple(everything),
    )  # fmt: skip


def draw_sample(
    db: Database,
    meeting_id: int,
    size: int | None = None,
    *,
    seed: int | None = None,
    replace: bool = False,
    actor: str = "",
    spec: SampleSpec | None = None,
) -> SampleResult:
    """Draw the meeting's sample and put it on the agenda; returns what was drawn.

    Either ``size`` (a simple random sample) or a full ``spec``. A meeting has one sample;
    ``replace=True`` draws again while no case has a judgement yet.
    """
    if spec is None:
        if size is None:
            raise TypeError("draw_sample needs a size or a spec")
        spec = SampleSpec(size=size, seed=seed)
    seed = spec.seed if spec.seed is not None else new_seed()
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        existing = s.scalars(select(Sample).where(Sample.meeting_id == meeting.id)).all()
        if existing:
            if not replace:
                raise UserError(
                    f"Meeting {meeting.id} already has a sample (seed {existing[-1].seed}). "
                    "Draw again only to replace it."
                )
            judged = s.scalar(
                select(PanelJudgement.id)
                .join(MeetingCase, PanelJudgement.meeting_case_id == MeetingCase.id)
                .where(MeetingCase.meeting_id == meeting.id)
                .limit(1)
            )
            if judged is not None:
                raise UserError(
                    "This meeting's cases already have judgements: the sample is fixed."
                )
            s.execute(
                delete(MeetingCase).where(
                    and_(MeetingCase.meeting_id == meeting.id, MeetingCase.sample_id.is_not(None))
                )
            )
            for old in existing:
                s.delete(old)
            s.flush()
        p = _prepare(s, meeting.id, spec, seed)
        criteria = {k: (str(v) if isinstance(v, dt.date) else v) for k, v in asdict(spec).items()}
        criteria |= {"files": p["files"], "seed": seed}
        method = SampleMethod.STRATIFIED if spec.stratify_by else SampleMethod.SIMPLE_RANDOM
        sample = Sample(
            meeting_id=meeting.id,
            method=method,
            seed=seed,
            criteria=criteria,
            population_size=p["population"],
            target_size=spec.size,
            drawn_size=len(p["drawn"]),
            drawn_by=actor,
            method_statement=p["statement"],
        )
        s.add(sample)
        s.flush()
        start = (
            s.scalar(
                select(func.max(MeetingCase.position)).where(MeetingCase.meeting_id == meeting.id)
            )
            or -1
        ) + 1
        everything: list[Drawn] = p["drawn"] + p["extra"] + p["carried"]
        for pos, d in enumerate(everything, start=start):
            s.add(
                MeetingCase(
                    meeting_id=meeting.id,
                    case_id=d.case_id,
                    sample_id=sample.id,
                    position=pos,
                    selection=d.selection,
                    carried_from_id=d.carried_from,
                )
            )
        audit.record(
            s, actor, "sample", sample, seed=seed, size=spec.size, population=p["population"],
            method=method,
        )  # fmt: skip
        return SampleResult(
            sample.id, seed, p["population"], len(p["drawn"]),
            tuple(d.reference for d in everything), p["statement"], p["spread"], tuple(everything),
        )  # fmt: skip
