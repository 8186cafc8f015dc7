"""Read and check an extract chunk by chunk, in this process or in a second one.

The import service writes what :func:`built_chunks` yields. For a big CSV the reading and
checking (pandas, NumPy, per-value Python) run in a worker process while this process writes
the previous chunk to SQLite, so a million-row import uses both cores instead of doing the two
halves one after the other. Both ways run the same code (:func:`_checked`) and yield the same
chunks; the worker only adds a pipe. Small files are done in process: starting a worker costs
about a second.

The worker is a ``spawn`` process (the same on Linux, Windows and macOS, and safe to start
from the GUI's worker thread); it imports pandas and this package, never Qt or SQLAlchemy. It
ends itself when this process dies (:func:`_exit_with_parent`), and with it the resource
tracker that ``spawn`` starts, which waits for both to close its pipe.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any

from scrutiny_app.errors import InputProblem, UserError
from scrutiny_app.importing import reader
from scrutiny_app.importing.rows import BuiltRows, RowContext, build_rows

# A CSV at least this big is read in a worker process (about 50,000 data.police.uk rows).
WORKER_MIN_BYTES = 10 << 20
# How often the worker looks whether its parent is still there.
PARENT_CHECK_SECONDS = 0.2
# The worker's exit code when it ends itself because its parent is gone.
ORPHANED_EXIT_CODE = 3


@dataclass
class BuiltChunk:
    """One chunk of the file, checked and ready to insert."""

    rows_read: int  # rows of the file it covered, those with problems included
    last_row: int  # the file row it ended at (for progress)
    problems: list[InputProblem]  # from the reader and from the checks
    built: BuiltRows


def wants_worker(path: Path, worker: bool | None) -> bool:
    """Whether to read ``path`` in a worker: as asked, else for big CSV files."""
    if worker is not None:
        return worker
    if os.environ.get("SCRUTINY_IMPORT_WORKER") in ("0", "1"):
        return os.environ["SCRUTINY_IMPORT_WORKER"] == "1"
    return reader.kind_of(path) == "csv" and path.stat().st_size >= WORKER_MIN_BYTES


class Worker:
    """The reading process, started before the file is even sniffed: Python and pandas take
    about a second to start, which this process spends sniffing the file and surveying its
    lines. :meth:`chunks` then hands it the job. Always :meth:`close` it.

    Results come through a one-way pipe whose writing end only the worker holds: if the worker
    dies, even halfway through sending a chunk, reading gives EOFError instead of waiting for
    the rest of a message that will never come.
    """

    def __init__(self) -> None:
        context = mp.get_context("spawn")
        job_reader, self._jobs = context.Pipe(duplex=False)
        self._results, result_writer = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_work, args=(job_reader, result_writer), name="scrutiny-import", daemon=True
        )
        try:
            self._process.start()
        finally:
            job_reader.close()  # the worker has its own copies now
            result_writer.close()

    def chunks(
        self, info: reader.SourceInfo, ctx: RowContext, chunk_rows: int
    ) -> Iterator[BuiltChunk]:
        """The file's chunks, checked in the worker; ``ctx`` receives its warnings and sort
        ranks at the end."""
        survey = reader.survey_lines(info) if info.kind == "csv" else None
        self._jobs.send((info, survey, ctx, chunk_rows))
        while True:
            kind, payload = self._receive()
            if kind == "chunk":
                yield payload
            elif kind == "done":
                warnings, first_rows, ctx.ranks, tidied, distinct = payload
                ctx.warnings.update(warnings)
                ctx.tidied.update(tidied)
                for column, counts in distinct.items():
                    ctx.distinct.setdefault(column, Counter()).update(counts)
                for key, row in first_rows.items():
                    ctx.first_warning_row.setdefault(key, row)
                return
            else:
                raise payload

    def _receive(self) -> tuple[str, Any]:
        try:
            while not self._results.poll(0.5):
                if not self._process.is_alive():
                    raise EOFError
            return self._results.recv()
        except (EOFError, OSError):  # OSError: the end came halfway through a message
            self._process.join(timeout=5)
            raise UserError(
                f"The import's reading process stopped unexpectedly (exit code "
                f"{self._process.exitcode}); nothing was imported."
            ) from None

    def close(self) -> None:
        """Stop the process (it may be mid-file after a cancel or an error) and its pipes."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
        self._process.join(timeout=10)
        self._jobs.close()
        self._results.close()


def built_chunks(
    info: reader.SourceInfo,
    tables: Iterable[reader.Table],
    ctx: RowContext,
    chunk_rows: int,
    *,
    worker: Worker | None,
) -> Iterator[BuiltChunk]:
    """The file's chunks, checked: here from ``tables`` (from :func:`reader.iter_tables`), or
    by ``worker``, which reads the file itself."""
    if worker is not None:
        yield from worker.chunks(info, ctx, chunk_rows)
        return
    yield from _checked(tables, ctx)
    ctx.ranks = ctx.finish_ranks()


def _checked(tables: Iterable[reader.Table], ctx: RowContext) -> Iterator[BuiltChunk]:
    for table in tables:
        built = build_rows(ctx, table.frame)
        yield BuiltChunk(
            rows_read=len(table.frame) + len(table.problems),
            last_row=int(table.frame.index.max()) if len(table.frame) else 0,
            problems=table.problems + built.problems,
            built=built,
        )


def _work(jobs: Connection, results: Connection) -> None:
    """The worker process: wait for the job; read, check, send; then the warnings and ranks,
    or the error. A thread writes to the pipe, so the next chunk is read while this one is
    still on its way (the pipe holds only 64 KB; a chunk is megabytes)."""
    _exit_with_parent()
    try:
        info, survey, ctx, chunk_rows = jobs.recv()
    except EOFError:
        return  # the import ended before it needed this process
    outbox: queue.Queue[bytes | None] = queue.Queue(maxsize=1)

    def feed() -> None:
        try:
            while (data := outbox.get()) is not None:
                results.send_bytes(data)
        except OSError:  # nobody reads the results any more (the parent died): stop it all
            os._exit(ORPHANED_EXIT_CODE)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()

    def send(message: tuple[str, Any]) -> None:
        outbox.put(bytes(ForkingPickler.dumps(message)))

    try:
        if info.kind == "csv":
            tables = reader.iter_csv_chunks(info, chunk_rows, survey=survey)
        else:
            tables = reader.iter_tables(info.path, info.columns, chunk_rows)[1]
        for chunk in _checked(tables, ctx):
            send(("chunk", chunk))
        send(
            (
                "done",
                (
                    ctx.warnings,
                    ctx.first_warning_row,
                    ctx.finish_ranks(),
                    ctx.tidied,
                    ctx.distinct,
                ),
            )
        )
    except BaseException as exc:
        send(("error", _portable(exc)))
    finally:
        outbox.put(None)
        feeder.join()


def _exit_with_parent() -> None:
    """In the worker: end this process as soon as its parent is gone (killed, crashed),
    whatever it is doing then (blocked sending into the pipe, waiting for its feeder thread,
    busy in pandas), instead of living on, holding its memory, with nobody to read its work.

    A daemon thread checks every :data:`PARENT_CHECK_SECONDS`: on POSIX whether this process
    was re-parented (to init or a subreaper), on Windows the handle on the parent process.
    (Not ``PR_SET_PDEATHSIG``: it fires when the *thread* that started the worker ends, and
    the GUI imports on pool threads.)"""
    parent = mp.parent_process()
    if parent is None:  # not a worker process
        return

    def gone() -> bool:
        if os.name == "nt":
            return not parent.is_alive()
        return os.getppid() != parent.pid

    def watch() -> None:
        while not gone():
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(ORPHANED_EXIT_CODE)

    threading.Thread(target=watch, name="scrutiny-import-watchdog", daemon=True).start()


def _portable(exc: BaseException) -> BaseException:
    """``exc`` as it can cross the pipe: the user's errors as they are (an InputProblem keeps
    its file, row and column), anything else as a RuntimeError naming it."""
    if isinstance(exc, UserError):
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            return UserError(str(exc))
        return exc
    if isinstance(exc, OSError):
        return UserError(
            f"The file could not be read: {exc.strerror or exc}; nothing was imported."
        )
    return RuntimeError(f"{type(exc).__name__}: {exc}")
