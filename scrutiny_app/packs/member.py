"""The member's side of a pack: open it with the passphrase, record views offline, return them.

The member's work lives in the pack itself, sealed like the rest: each change re-seals the
whole file (a fresh nonce, the key kept in memory) and replaces it atomically, so a lost
laptop gives nothing away without the passphrase and a crash leaves the last save. Every
case the member changes gets a change counter, which the return carries so the officer's
merge applies each change once, in any order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrutiny_app.errors import UserError
from scrutiny_app.packs.envelope import (
    PACK_MAGIC,
    RETURN_MAGIC,
    Kdf,
    PackError,
    WrongPassphrase,
    check_output,
    read_file,
    return_key,
    seal,
    unb64,
    write_atomic,
)
from scrutiny_app.packs.export import CASE_COLUMNS, PACK_FORMAT

RETURN_FORMAT = "scrutiny-return"
RETURN_VERSION = 1
PACK_VERSIONS = {1}
_UNSET: Any = object()


@dataclass(frozen=True)
class PackCase:
    """One case as the member sees it in their pack."""

    uuid: str
    position: int
    reference: str
    summary: str
    details: dict[str, Any]
    closed: str | None  # why no view can be recorded (decided or revealed when packed)
    outcome_code: str | None
    note: str
    answers: dict[str, str]
    interest: str | None
    seconds: int
    changed: bool  # changed in this pack since it was made

    @property
    def done(self) -> bool:
        return bool(self.outcome_code) or self.interest is not None


class MemberPack:
    """An open pack. Changes are saved to the file at once (:meth:`save`)."""

    def __init__(self, path: Path, header: dict[str, Any], payload: dict[str, Any], key: bytes):
        self.path, self.header, self.payload, self._key = Path(path), header, payload, key
        self._cases = {c["uuid"]: c for c in payload["cases"]}
        self._by_ref = {c["reference"].casefold(): c["uuid"] for c in payload["cases"]}

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path, passphrase: str, *, today: dt.date | None = None) -> MemberPack:
        """Open the pack at ``path``; a wrong passphrase, a damaged file or an expired pack
        is refused with one line saying which."""
        path = Path(path)
        sealed = read_file(path, PACK_MAGIC, what="meeting pack", versions=PACK_VERSIONS)
        damaged = PackError(f"{path.name} is damaged (its header was changed): nothing was opened.")
        if sealed.header.get("format") != PACK_FORMAT:
            raise PackError(f"{path.name} is not a meeting pack.")
        try:
            expires = dt.date.fromisoformat(sealed.header["expires"])
            kdf = Kdf.from_header(sealed.header["kdf"])
        except (KeyError, TypeError, ValueError, PackError):
            raise damaged from None
        today = today or dt.date.today()
        if today > expires:
            raise PackError(
                f"{path.name} expired on {expires:%d %b %Y} and is locked: ask the scrutiny "
                "officer for a new pack (what you recorded and returned before is kept there)."
            )
        key = kdf.derive(passphrase)
        payload = sealed.open(
            key,
            WrongPassphrase(
                f"Wrong passphrase for {path.name} (or the file was altered): nothing was opened."
            ),
        )
        return cls(path, sealed.header, payload, key)

    # ------------------------------------------------------------------ what it holds

    @property
    def member_name(self) -> str:
        return str(self.payload["member_name"])

    @property
    def marking(self) -> str:
        return str(self.header.get("marking", "OFFICIAL-SENSITIVE"))

    @property
    def expires_on(self) -> dt.date:
        return dt.date.fromisoformat(self.header["expires"])

    @property
    def title(self) -> str:
        m, p = self.payload["meeting_info"], self.payload["panel"]
        date = dt.date.fromisoformat(m["date"])
        return f"{p['name']}, {date:%d %b %Y}" + (f" ({m['theme']})" if m["theme"] else "")

    @property
    def template(self) -> dict[str, Any]:
        return dict(self.payload["template"])

    def outcome_label(self, code: str | None) -> str:
        for o in self.payload["template"]["outcomes"]:
            if o["code"] == code:
                return str(o["label"])
        return ""

    def _state(self, item: str) -> dict[str, Any]:
        return self.payload["work"].get(item) or self.payload["base"][item]

    def cases(self) -> list[PackCase]:
        return [
            self._pack_case(c) for c in sorted(self._cases.values(), key=lambda c: c["position"])
        ]

    def case(self, reference: str) -> PackCase:
        return self._pack_case(self._cases[self._item(reference)])

    def _item(self, reference: str) -> str:
        item = self._by_ref.get(reference.strip().casefold())
        if item is None:
            raise UserError(f"No case {reference!r} in this pack.")
        return item

    def _pack_case(self, c: dict[str, Any]) -> PackCase:
        state = self._state(c["uuid"])
        view = state["view"] or {}
        details = {k: c[k] for k in CASE_COLUMNS if k != "reference"}
        return PackCase(
            uuid=c["uuid"],
            position=c["position"],
            reference=c["reference"],
            summary=c["summary"],
            details={**details, **c["fields"]},
            closed=c["closed"],
            outcome_code=view.get("outcome_code"),
            note=view.get("note", ""),
            answers=dict(view.get("answers", {})),
            interest=state["interest"],
            seconds=int(state.get("seconds", 0)),
            changed=c["uuid"] in self.payload["work"],
        )

    # ------------------------------------------------------------------ the member's work

    def record_view(
        self,
        reference: str,
        *,
        outcome_code: str | None = _UNSET,
        note: str = _UNSET,
        answers: dict[str, str | None] | None = None,
    ) -> bool:
        """Save (part of) the member's view of a case, as ``session.record_view`` does at the
        officer's desk; True if anything changed."""
        item = self._item(reference)
        c, state = self._cases[item], self._state(item)
        if c["closed"]:
            raise UserError(f"{c['reference']}: {c['closed']}")
        if state["interest"] is not None:
            raise UserError(
                f"You declared an interest in {c['reference']}: you cannot record a view on it."
            )
        view = dict(state["view"] or {"outcome_code": None, "note": "", "answers": {}})
        if outcome_code is not _UNSET:
            codes = [o["code"] for o in self.payload["template"]["outcomes"]]
            if outcome_code is not None and outcome_code not in codes:
                raise UserError(
                    f"{outcome_code!r} is not an outcome of this panel's scheme ({', '.join(codes)})."
                )
            view["outcome_code"] = outcome_code
        if note is not _UNSET:
            view["note"] = note
        if answers:
            questions = {q["key"]: q for q in self.payload["template"]["questions"]}
            merged = dict(view["answers"])
            for key, value in answers.items():
                q = questions.get(key)
                if q is None:
                    raise UserError(f"{key!r} is not a question of this panel's template.")
                if value is None:
                    merged.pop(key, None)
                elif value not in q["answers"]:
                    raise UserError(
                        f"{value!r} is not an answer to \u201c{q['text']}\u201d "
                        f"({', '.join(map(str, q['answers']))})."
                    )
                else:
                    merged[key] = value
            view["answers"] = merged
        empty: dict[str, Any] = {"outcome_code": None, "note": "", "answers": {}}
        new_view = None if view == empty else view
        if new_view == state["view"]:
            return False
        self._change(item, view=new_view)
        return True

    def declare_interest(self, reference: str, reason: str = "") -> None:
        """The member has an interest in the case: their view on it is withdrawn."""
        item = self._item(reference)
        c = self._cases[item]
        if c["closed"]:
            raise UserError(f"{c['reference']}: {c['closed']}")
        self._change(item, view=None, interest=reason.strip())

    def withdraw_interest(self, reference: str) -> None:
        item = self._item(reference)
        if self._state(item)["interest"] is not None:
            self._change(item, interest=None)

    def add_time(self, reference: str, seconds: int) -> None:
        """Time the member spent reading the case (saved with the next change, or now)."""
        if seconds <= 0:
            return
        item = self._item(reference)
        state = self._state(item)
        self._change(item, seconds=int(state.get("seconds", 0)) + int(seconds))

    def _change(self, item: str, **changes: Any) -> None:
        state = dict(self._state(item))
        state.update(changes)
        state["counter"] = int(state.get("counter", 0)) + 1
        state["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.payload["work"][item] = state
        self.save()

    def save(self) -> None:
        """Seal the pack with the member's work and replace the file (atomic)."""
        header = {k: v for k, v in self.header.items() if k != "nonce"}
        write_atomic(self.path, seal(PACK_MAGIC, header, self.payload, self._key))

    # ------------------------------------------------------------------ the return

    def write_return(self, out: Path) -> ReturnWritten:
        """Write the member's changes since the pack was made, sealed with the pack's secret:
        only the officer's database that made the pack can open it, and any change to it
        is detected."""
        rows = []
        for item, state in sorted(self.payload["work"].items()):
            base = self.payload["base"][item]
            rows.append(
                {
                    "case": item,
                    "reference": self._cases[item]["reference"],
                    "view": state["view"],
                    "interest": state["interest"],
                    "seconds": int(state.get("seconds", 0)),
                    "counter": int(state["counter"]),
                    "updated_at": state["updated_at"],
                    "base": {"view": base["view"], "interest": base["interest"]},
                }
            )
        header = {
            "format": RETURN_FORMAT,
            "version": RETURN_VERSION,
            "marking": self.marking,
            "return": str(uuid.uuid4()),
            "pack": self.header["pack"],
            "database": self.header["database"],
            "meeting": self.header["meeting"],
            "member": self.header["member"],
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        check_output(Path(out), RETURN_MAGIC, "return file", not_this=self.path)
        key = return_key(unb64(self.payload["secret"]))
        data = seal(RETURN_MAGIC, header, {"rows": rows}, key)
        write_atomic(Path(out), data)
        views = sum(1 for r in rows if r["view"] and r["view"].get("outcome_code"))
        return ReturnWritten(Path(out), len(rows), views, len(data))


@dataclass(frozen=True)
class ReturnWritten:
    path: Path
    cases: int  # cases changed since the pack was made
    views: int  # of them, with an outcome chosen
    bytes: int
