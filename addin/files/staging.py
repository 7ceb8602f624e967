"""A run's output files, written to temporaries first and committed together at the end.

Every output (the workbook, the customer file, the saved model, the in-place backup) is
written to a temporary file beside its destination, so that nothing the user sees
changes until the whole run has succeeded. Only then are the temporaries renamed into
place (``os.replace``: atomic on one volume, on Windows, macOS and Linux), the backup
first. A failure, an exception, Ctrl-C or SIGTERM before that leaves only the user's
files as they were. What was committed is kept in a journal, so the command line can
say exactly what was and was not written.

Temporaries are named ``.~segment-<process id>-<random>.<suffix>`` (hidden on macOS and
Linux), created exclusively so they never replace anything. A process killed outright
(SIGKILL, a power cut) cannot clean up: the next run that writes into the same folder
removes temporaries whose process is gone (or, where that cannot be told, that are a
day old).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from addin import names
from addin.errors import WorkbookError

STALE_SECONDS = 24 * 3600  # a temporary this old is a leftover, whatever its process
OLD_STYLE_STALE_SECONDS = 600  # "~segment-*" partials of earlier versions
_TEMPORARY = re.compile(re.escape(names.TEMPORARY_PREFIX) + r"(\d+)-[0-9a-f]+(\.[^.]*)?$")
_OLD_STYLE = re.compile(r"~segment-[a-z0-9_]{8}\.[A-Za-z]+$")
_cleaned_folders: set[Path] = set()
_journal: list[str] = []


def real_path(path: Path) -> Path:
    """Where a write to ``path`` must land: a symbolic link's final target (so the
    link is kept and its target updated), or ``path`` itself."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def process_alive(pid: int) -> bool | None:
    """Whether a process runs; None where it cannot be told safely (Windows)."""
    if os.name == "nt":  # os.kill(pid, 0) would terminate it there
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete temporaries earlier runs left in ``folder`` when they were killed."""
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            ours = _TEMPORARY.match(entry.name)
            if ours is None and not _OLD_STYLE.match(entry.name):
                continue
            try:
                age = now - entry.stat(follow_symlinks=False).st_mtime
            except OSError:
                continue
            if ours is not None:
                pid = int(ours.group(1))
                if pid == os.getpid():
                    continue
                stale = process_alive(pid) is False or age > STALE_SECONDS
            else:
                stale = age > OLD_STYLE_STALE_SECONDS
            if stale:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def new_temporary(beside: Path) -> Path:
    """An empty file of our own next to ``beside`` (same folder, so the final rename
    stays on one volume), with the platform's default permissions for new files."""
    folder = beside.parent
    if folder not in _cleaned_folders:
        _cleaned_folders.add(folder)
        remove_stale_temporaries(folder)
    while True:
        name = f"{names.TEMPORARY_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{beside.suffix}"
        path = folder / name
        try:  # 0o666 less the umask: what any new file of the user's gets
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return path


def _keep_attributes(original: Path, temporary: Path) -> None:
    """Give the new file the replaced file's permissions, and its owner where allowed."""
    try:
        status = original.stat()
    except FileNotFoundError:
        return
    shutil.copymode(original, temporary)
    if hasattr(os, "chown"):
        for owner in ((status.st_uid, status.st_gid), (-1, status.st_gid)):
            try:
                os.chown(temporary, *owner)
                break
            except OSError:
                continue


def backup_name(path: Path) -> Path:
    """``book (backup 20260101-120000-123456).xlsx``: microseconds, so runs differ."""
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"-{int(now % 1 * 1e6):06d}"
    return path.with_name(names.BACKUP_NAME.format(stem=path.stem, stamp=stamp, suffix=path.suffix))


def _claim(path: Path) -> Path:
    """Reserve ``path`` (or ``path`` numbered) by creating it exclusively: a backup
    never overwrites an existing file, whatever else runs at the same time."""
    candidate, number = path, 1
    while True:
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return candidate
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem} {number}{path.suffix}")


@dataclass
class Staged:
    target: Path  # as the user named it
    temporary: Path
    what: str
    backup: bool = False


class StagedOutputs:
    """Outputs written now, committed together later: ``with StagedOutputs() as out``.

    Leaving the ``with`` block without :meth:`commit` removes every temporary.
    """

    def __init__(self) -> None:
        self.staged: list[Staged] = []
        self.written: list[Path] = []
        self.notes: list[str] = []
        self.backup: Path | None = None

    def __enter__(self) -> StagedOutputs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def discard(self) -> None:
        for item in self.staged:
            with contextlib.suppress(OSError):
                item.temporary.unlink()
        self.staged = []

    def stage(self, target: Path, write: Callable[[Path], None], what: str = "") -> None:
        """Run ``write`` on a new temporary beside ``target`` (its link target for a
        symbolic link); the result replaces ``target`` at :meth:`commit`."""
        target = Path(target)
        real = real_path(target)
        temporary = new_temporary(real)
        self.staged.append(Staged(target, temporary, what or f"'{target}'"))
        write(temporary)
        _keep_attributes(real, temporary)
        links = _other_links(real)
        if links:
            self.notes.append(
                f"'{target.name}' had {links} other hard link{'s' if links > 1 else ''}; "
                "they keep the original content (the file was replaced, not edited in place)."
            )

    def stage_backup(self, source: Path) -> None:
        """A copy of ``source`` as it is now, saved under a new backup name at commit."""
        source = real_path(source)
        temporary = new_temporary(source)
        self.staged.append(Staged(source, temporary, "the backup", backup=True))
        shutil.copy2(source, temporary)

    def commit(self) -> list[Path]:
        """Rename every temporary into place, the backup first; interrupts wait until
        the renames are done. Returns the paths written (as the user named them)."""
        with deferred_interrupts():
            for item in sorted(self.staged, key=lambda s: not s.backup):
                destination = _claim(backup_name(item.target)) if item.backup else item.target
                try:
                    os.replace(item.temporary, real_path(destination))
                except OSError as exc:
                    if item.backup:  # the name claimed for it is empty: not a backup
                        with contextlib.suppress(OSError):
                            destination.unlink()
                    if not isinstance(exc, PermissionError):
                        raise
                    raise WorkbookError(  # Windows: the file is open in Excel
                        f"Cannot replace '{destination}': it is open in another program. "
                        "Close it and run again."
                    ) from exc
                if item.backup:
                    self.backup = destination
                if not _TEMPORARY.match(destination.name):  # a writer's own step
                    self.written.append(destination)
                    _journal.append(str(destination))
            self.staged = []
        return self.written


def _other_links(path: Path) -> int:
    try:
        return max(0, path.stat().st_nlink - 1)
    except OSError:
        return 0


# ---------------------------------------------------------------- the run's journal
def begin_command() -> None:
    """Start a new journal of the files a command writes."""
    _journal.clear()


def written_anything() -> bool:
    return bool(_journal)


def describe_written() -> str:
    """'Nothing was written.' or the files written before the command stopped."""
    if not _journal:
        return "Nothing was written; your files are as they were."
    listed = ", ".join(f"'{name}'" for name in _journal)
    return f"Written before it stopped: {listed}; nothing else was written or changed."


# ------------------------------------------------------------ interrupts and SIGTERM
class Interrupted(KeyboardInterrupt):
    """Ctrl-C, SIGTERM (or Ctrl-Break on Windows) raised in the main thread, so that
    every ``finally`` runs and temporaries are removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_deferring = 0
_pending: int | None = None


def _on_signal(signum: int, frame: object) -> None:
    global _pending
    if _deferring:
        _pending = signum
        return
    raise Interrupted(signum)


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """A signal arriving inside waits until the block ends, then interrupts."""
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending is not None:
            signum, _pending = _pending, None
            raise Interrupted(signum)


def _signals() -> list[int]:
    wanted = ("SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK")  # SIGBREAK: Windows Ctrl-Break
    return [getattr(signal, name) for name in wanted if hasattr(signal, name)]


@contextlib.contextmanager
def interrupts_handled() -> Iterator[None]:
    """Ctrl-C, SIGTERM and friends become :class:`Interrupted` during the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {}
    for signum in _signals():
        if signal.getsignal(signum) is signal.SIG_IGN:
            continue  # e.g. started with nohup: stays ignored
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(OSError, ValueError, RuntimeError, TypeError):
                signal.signal(signum, handler)


def check_destination(path: Path, what: str) -> None:
    """Refuse, before anything is written, a destination that cannot take a file:
    a folder, a missing folder, a read-only file or one open in Excel."""
    from addin.files.safety import check_writable

    path = Path(path)
    real = real_path(path)
    if real.is_dir():
        raise WorkbookError(f"{what} '{path}' is a folder. Name a file instead.")
    if not real.parent.is_dir():
        raise WorkbookError(
            f"The folder '{real.parent}' for {what} '{path.name}' does not exist. "
            "Create it first or choose another folder."
        )
    check_writable(real)
