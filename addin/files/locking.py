"""One run at a time on a workbook: a lock file beside it for the length of a run.

The lock is a small file created exclusively (``O_CREAT | O_EXCL``, which Windows, macOS
and Linux all honour, on network shares too) next to the workbook, holding the owner's
process id, computer name and start time. A second run waits a few seconds for it, then
stops with a message naming the holder. A lock whose process is gone (same computer,
where that can be told) or that is older than an hour is left over from a killed run and
is taken over.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from addin import names
from addin.errors import WorkbookError
from addin.files.staging import process_alive, real_path

LOCK_WAIT_SECONDS = 5.0
LOCK_STALE_SECONDS = 3600.0
UNREADABLE_STALE_SECONDS = 60.0  # a lock killed between its creation and its first write
_POLL_SECONDS = 0.2


def lock_path(workbook: Path) -> Path:
    real = real_path(workbook)
    return real.with_name(names.LOCK_NAME.format(name=real.name))


def _holder(lock: Path) -> dict | None:
    try:
        return json.loads(lock.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_stale(lock: Path, holder: dict | None) -> bool:
    try:
        age = time.time() - lock.stat().st_mtime
    except FileNotFoundError:
        return False  # gone already: simply try again
    if holder is None or not isinstance(holder.get("pid"), int):
        return age > UNREADABLE_STALE_SECONDS
    if holder.get("host") == socket.gethostname():
        alive = process_alive(holder["pid"])
        if alive is not None:
            return not alive
    return age > LOCK_STALE_SECONDS


def _describe(holder: dict | None) -> str:
    if holder is None:
        return "another run"
    started = time.strftime("%H:%M:%S", time.localtime(holder.get("started", 0)))
    where = f"process {holder.get('pid')} on {holder.get('host')}"
    return f"another segment run ({where}, since {started})"


@contextlib.contextmanager
def exclusive(workbook: Path, wait_seconds: float | None = None) -> Iterator[Path]:
    """Hold the lock on ``workbook`` for the block; WorkbookError if another run keeps
    it longer than ``wait_seconds`` (LOCK_WAIT_SECONDS)."""
    lock = lock_path(workbook)
    wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    while True:
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            break
        except FileExistsError:
            holder = _holder(lock)
            if _is_stale(lock, holder):
                with contextlib.suppress(OSError):
                    if _holder(lock) == holder:
                        lock.unlink()
                continue
            if time.monotonic() >= deadline:
                raise WorkbookError(
                    f"'{Path(workbook).name}' is being updated by {_describe(holder)}. Wait for "
                    f"it to finish, then run again. Nothing was written. (If no run is going "
                    f"on, delete '{lock.name}' beside the workbook.)"
                ) from None
            time.sleep(_POLL_SECONDS)
    mine = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(mine, file)
    try:
        yield lock
    finally:
        if _holder(lock) == mine:
            with contextlib.suppress(OSError):
                lock.unlink()
