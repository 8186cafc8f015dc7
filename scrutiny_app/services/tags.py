"""A panel's shared tags ("no body-worn video", "victim not consulted").

A tag is added once and reused by every member: its key is the name normalised (case, accents,
spacing and punctuation do not count), so "No BWV", "no  bwv." and "no-BWV" are one tag. A name
that is *almost* an existing tag (a typo: "victim not consluted", "No BVW") is caught by
:func:`similar_tags`, so the GUI can offer the existing tag before a second one is made.
"Almost" is an edit distance that counts a swap of two letters as one edit: one edit for any
tag, two for tags of 12 characters or more ("victim not contacted" is not a typo of "victim not
consulted": three edits).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from scrutiny_app.errors import NotFound, UserError
from scrutiny_app.services import audit
from scrutiny_app.services.history import Change
from scrutiny_app.services.panels import meeting_item
from scrutiny_app.storage.database import Database
from scrutiny_app.storage.models import Case, CaseTag, MeetingCase, Tag

MAX_LENGTH = 100
LONG = 12  # keys this long may differ by two edits and still be "the same tag, mistyped"


class SimilarTag(UserError):
    """A new tag name is close to an existing one: use that one, or say it is really new."""

    def __init__(self, name: str, existing: str) -> None:
        self.name, self.existing = name, existing
        super().__init__(
            f"There is already a tag \u201c{existing}\u201d. Use it instead of \u201c{name}\u201d?"
        )


@dataclass(frozen=True)
class TagInfo:
    id: int
    name: str
    key: str
    uses: int  # cases it is applied to, across the panel's meetings


def normalise(name: str) -> str:
    """The tag's key: lower case, accents and punctuation dropped, single spaces.

    >>> normalise("  No BWV. ") == normalise("no-bwv") == "no bwv"
    True
    """
    text = unicodedata.normalize("NFKD", name).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w]+", " ", text)  # punctuation, hyphens and underscores are spaces
    text = text.replace("_", " ")
    return " ".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and swaps of neighbours (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def is_typo_of(key: str, existing: str) -> bool:
    """True if ``key`` looks like a mistyped ``existing`` (both normalised keys)."""
    if key == existing:
        return False
    allowed = 2 if min(len(key), len(existing)) >= LONG else 1
    if abs(len(key) - len(existing)) > allowed:
        return False
    return edit_distance(key, existing) <= allowed


def clean_name(name: str) -> str:
    """The name as shown: outer space trimmed, inner runs of space made single."""
    return " ".join(name.split())


def list_tags(db: Database, panel_id: int) -> list[TagInfo]:
    """The panel's tags, most used first (the completion list)."""
    with db.session() as s:
        uses = select(CaseTag.tag_id, func.count().label("n")).group_by(CaseTag.tag_id).subquery()
        rows = s.execute(
            select(Tag, func.coalesce(uses.c.n, 0))
            .outerjoin(uses, uses.c.tag_id == Tag.id)
            .where(Tag.panel_id == panel_id)
        ).all()
    tags = [TagInfo(t.id, t.name, t.key, int(n)) for t, n in rows]
    return sorted(tags, key=lambda t: (-t.uses, t.key))


def similar_tags(db: Database, panel_id: int, name: str, *, limit: int = 3) -> list[TagInfo]:
    """Existing tags whose key is close to ``name``'s (an exact match comes first)."""
    key = normalise(name)
    if not key:
        return []
    tags = list_tags(db, panel_id)
    exact = [t for t in tags if t.key == key]
    close = sorted(
        (t for t in tags if is_typo_of(key, t.key)), key=lambda t: edit_distance(key, t.key)
    )
    return (exact + close)[:limit]


def _find_or_create(
    s: Session, panel_id: int, name: str, *, allow_similar: bool, actor: str
) -> Tag:
    name = clean_name(name)
    key = normalise(name)
    if not key:
        raise UserError("A tag needs some letters or digits.")
    if len(name) > MAX_LENGTH:
        raise UserError(f"A tag can be at most {MAX_LENGTH} characters long.")
    tag = s.scalar(select(Tag).where(Tag.panel_id == panel_id, Tag.key == key))
    if tag is not None:
        return tag
    if not allow_similar:
        keys = {t.key: t.name for t in s.scalars(select(Tag).where(Tag.panel_id == panel_id))}
        close = sorted((k for k in keys if is_typo_of(key, k)), key=lambda k: edit_distance(key, k))
        if close:
            raise SimilarTag(name, keys[close[0]])
    tag = Tag(panel_id=panel_id, name=name, key=key)
    s.add(tag)
    s.flush()
    audit.record(s, actor, "create", tag, name=name, key=key)
    return tag


def create_tag(
    db: Database, panel_id: int, name: str, *, allow_similar: bool = False, actor: str = ""
) -> TagInfo:
    """The panel's tag called ``name``: the existing one with the same key, or a new one.

    Raises :class:`SimilarTag` when the name is close to an existing tag's, unless
    ``allow_similar``.
    """
    with db.transaction() as s:
        tag = _find_or_create(s, panel_id, name, allow_similar=allow_similar, actor=actor)
        uses = s.scalar(select(func.count()).where(CaseTag.tag_id == tag.id)) or 0
        return TagInfo(tag.id, tag.name, tag.key, uses)


# --------------------------------------------------------------------------- tags on a case


def _item(s: Session, item_id: int) -> MeetingCase:
    return meeting_item(s, item_id)


def _item_tag_ids(s: Session, item_id: int) -> tuple[int, ...]:
    return tuple(
        sorted(s.scalars(select(CaseTag.tag_id).where(CaseTag.meeting_case_id == item_id)))
    )


def case_tags(db: Database, item_id: int) -> tuple[str, ...]:
    """The names of the tags on a meeting case, in alphabetical order of their keys."""
    with db.session() as s:
        return tuple(
            s.scalars(
                select(Tag.name)
                .join(CaseTag, CaseTag.tag_id == Tag.id)
                .where(CaseTag.meeting_case_id == item_id)
                .order_by(Tag.key)
            )
        )


def _set_tags(
    s: Session, item: MeetingCase, tag_ids: tuple[int, ...], actor: str, why: str
) -> None:
    before = _item_tag_ids(s, item.id)
    if before == tuple(sorted(tag_ids)):
        return
    s.execute(delete(CaseTag).where(CaseTag.meeting_case_id == item.id))
    for tag_id in sorted(set(tag_ids)):
        if s.get(Tag, tag_id) is not None:  # a tag merged away since is skipped
            s.add(CaseTag(meeting_case_id=item.id, tag_id=tag_id))
    s.flush()
    names = list(s.scalars(select(Tag.name).where(Tag.id.in_(tag_ids))))
    audit.record(s, actor, why, item, tags=sorted(names), case=item.case.uuid)


def _restore(item_id: int, db: Database, snapshot: Any, actor: str) -> None:
    with db.transaction() as s:
        _set_tags(s, _item(s, item_id), tuple(snapshot or ()), actor, "tags")


def _change(
    item: MeetingCase, before: tuple[int, ...], after: tuple[int, ...], label: str
) -> Change:
    return Change(
        kind="tags",
        item_id=item.id,
        label=label,
        before=before,
        after=after,
        restore=partial(_restore, item.id),
    )


def add_tag(
    db: Database, item_id: int, name: str, *, allow_similar: bool = False, actor: str = ""
) -> Change | None:
    """Tag a meeting case with the panel's tag ``name`` (made if new); None if already tagged.

    Raises :class:`SimilarTag` when ``name`` is new but close to an existing tag, unless
    ``allow_similar``.
    """
    with db.transaction() as s:
        item = _item(s, item_id)
        tag = _find_or_create(
            s, item.meeting.panel_id, name, allow_similar=allow_similar, actor=actor
        )
        before = _item_tag_ids(s, item_id)
        if tag.id in before:
            return None
        after = tuple(sorted((*before, tag.id)))
        _set_tags(s, item, after, actor, "tag")
        ref = s.scalar(select(Case.reference).where(Case.id == item.case_id))
        return _change(item, before, after, f"tag \u201c{tag.name}\u201d on {ref}")


def remove_tag(db: Database, item_id: int, name: str, *, actor: str = "") -> Change | None:
    """Take the tag called ``name`` (by its key) off a meeting case; None if it was not on it."""
    with db.transaction() as s:
        item = _item(s, item_id)
        tag = s.scalar(
            select(Tag).where(Tag.panel_id == item.meeting.panel_id, Tag.key == normalise(name))
        )
        before = _item_tag_ids(s, item_id)
        if tag is None or tag.id not in before:
            return None
        after = tuple(t for t in before if t != tag.id)
        _set_tags(s, item, after, actor, "untag")
        ref = s.scalar(select(Case.reference).where(Case.id == item.case_id))
        return _change(item, before, after, f"removing \u201c{tag.name}\u201d from {ref}")


def merge_tags(db: Database, panel_id: int, source: str, into: str, *, actor: str = "") -> int:
    """Fold the tag ``source`` into ``into`` (a typo that got through); cases re-tagged.

    Returns the number of cases that moved to ``into``.
    """
    with db.transaction() as s:
        src = s.scalar(select(Tag).where(Tag.panel_id == panel_id, Tag.key == normalise(source)))
        dst = s.scalar(select(Tag).where(Tag.panel_id == panel_id, Tag.key == normalise(into)))
        if src is None or dst is None:
            raise NotFound(f"No tag {source if src is None else into!r} on this panel.")
        if src.id == dst.id:
            return 0
        items = set(s.scalars(select(CaseTag.meeting_case_id).where(CaseTag.tag_id == src.id)))
        already = set(s.scalars(select(CaseTag.meeting_case_id).where(CaseTag.tag_id == dst.id)))
        for item_id in sorted(items - already):
            s.add(CaseTag(meeting_case_id=item_id, tag_id=dst.id))
        s.execute(delete(CaseTag).where(CaseTag.tag_id == src.id))
        audit.record(s, actor, "merge", dst, merged=src.name, into=dst.name, cases=len(items))
        s.delete(src)
        return len(items - already)
