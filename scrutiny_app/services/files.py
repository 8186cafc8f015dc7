"""Write exports all or nothing: a temporary file beside the target, renamed at the end."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scrutiny_app.errors import UserError
from scrutiny_app.storage.engine import restrict


@contextmanager
def atomic_output(out_path: str | Path, what: str) -> Iterator[Path]:
    """Yield a temporary path beside ``out_path``; on success it replaces ``out_path``.

    The file is readable by the user only (0600 on POSIX): exports hold case-level data.

    On any error or cancel the temporary file is removed and an existing ``out_path`` is left as
    it was. ``OSError`` (no permission, disk full, missing folder) becomes a ``UserError`` that
    names ``what`` ("report", "tracker") and the path.
    """
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise UserError(f"Cannot save the {what}: there is no folder {out_path.parent}.")
    tmp = out_path.with_name(f".{out_path.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # the user's only
        yield tmp
        restrict(tmp)  # a writer that made the file anew
        os.replace(tmp, out_path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(f"Cannot save the {what} to {out_path}: {exc.strerror or exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def sha256_of(path: str | Path) -> str:
    """The file's SHA-256 (hex), read a MiB at a time."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
