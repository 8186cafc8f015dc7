"""Reproducible random dip-samples.

The draw depends only on the seed and the population's size and order, never on the machine or
the Python version: it uses Floyd's algorithm over ``random.Random(seed).random()``, the one
stream Python promises to keep the same for a given seed. The population is ordered by each
case's source file (its SHA-256) and row, which is the same wherever the file is imported.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select

from scrutiny_app.domain.vocab import SampleMethod, Selection
from scrutiny_app.errors import UserError
from scrutiny_app.services import audit
from scrutiny_app.services.panels import get_meeting
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Case, ImportBatch, MeetingCase, PanelJudgement, Sample


@dataclass(frozen=True)
class SampleResult:
    sample_id: int
    seed: int
    population_size: int
    size: int
    references: tuple[str, ...]
    method_statement: str


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


def method_statement(size: int, population: int, seed: int, files: list[str]) -> str:
    source = f" imported from {', '.join(files)}" if files else ""
    cases = "case was" if size == 1 else "cases were"
    return (
        f"{size} {cases} drawn at random from a population of {population}{source}, "
        f"by simple random sampling without replacement (seed {seed}). "
        "The same population and seed always give the same sample."
    )


def draw_sample(
    db: Database,
    meeting_id: int,
    size: int,
    *,
    seed: int | None = None,
    replace: bool = False,
    actor: str = "",
) -> SampleResult:
    """Draw ``size`` cases at random from the meeting's imported population."""
    if size < 1:
        raise UserError("The sample size must be at least 1.")
    seed = new_seed() if seed is None else int(seed)
    with db.transaction() as s:
        meeting = get_meeting(s, meeting_id)
        rows = s.execute(
            select(Case.id, Case.reference, ImportBatch.file_name)
            .join(ImportBatch, Case.import_batch_id == ImportBatch.id)
            .where(ImportBatch.meeting_id == meeting.id)
            .order_by(ImportBatch.sha256, Case.source_row)
        ).all()
        if not rows:
            raise UserError(
                f"Meeting {meeting.id} has no imported cases to sample from: import the force's "
                "extract first."
            )
        if size > len(rows):
            raise UserError(f"Cannot draw {size} cases from a population of {len(rows)}.")
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
                    MeetingCase.meeting_id == meeting.id,
                    MeetingCase.selection == Selection.RANDOM,
                )
            )
            for old in existing:
                s.delete(old)
        picks = [rows[i] for i in floyd_sample(len(rows), size, seed)]
        files = sorted({r.file_name for r in rows})
        statement = method_statement(size, len(rows), seed, files)
        sample = Sample(
            meeting_id=meeting.id,
            method=SampleMethod.SIMPLE_RANDOM,
            seed=seed,
            criteria={"files": files},
            population_size=len(rows),
            target_size=size,
            drawn_size=len(picks),
            drawn_by=actor,
            method_statement=statement,
        )
        s.add(sample)
        s.flush()
        start = len(meeting.items)
        for pos, row in enumerate(picks, start=start):
            s.add(
                MeetingCase(
                    meeting_id=meeting.id,
                    case_id=row.id,
                    sample_id=sample.id,
                    position=pos,
                    selection=Selection.RANDOM,
                )
            )
        audit.record(s, actor, "sample", sample, seed=seed, size=size, population=len(rows))
        return SampleResult(
            sample.id, seed, len(rows), len(picks), tuple(r.reference for r in picks), statement
        )
