"""Write exports all or nothing: a temporary file beside the target, renamed at the end."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scrutiny_app.errors import UserError


@contextmanager
def atomic_output(out_path: str | Path, what: str) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; on success it replaces ``out_path``.

    On any error or cancel the temporary file is removed and an existing ``out_path`` is left as
    it was. ``OSError`` (no permission, disk full, missing folder) becomes a ``UserError`` that
    names ``what`` ("report", "tracker") and the path.
    """
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise UserError(f"Cannot save the {what}: there is no folder {out_path.parent}.")
    tmp = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        yield tmp
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Cannot save the {what} to {out_path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
