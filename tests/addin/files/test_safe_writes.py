"""Writes that never lose the user's work: overlapping runs, permissions, links, Ctrl-C,
SIGTERM and SIGKILL, failed runs, and messages that say what was written (issue 13)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from addin import names
from addin.files import locking, staging
from addin.files.safety import atomic_write

from ..conftest import run_segment
from .test_safety_and_errors import LOG_ROWS, digest, write_log

POSIX = os.name == "posix"
ROOT = Path(__file__).parents[3]


def listing(folder: Path) -> dict[str, str]:
    """Every file of a folder (hidden ones too) with its content's digest."""
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "~segment" in p.name or "backup" in p.name)


@pytest.fixture
def orders(tmp_path: Path) -> Path:
    return write_log(tmp_path / "orders.xlsx", LOG_ROWS)


# ------------------------------------------------------------------ overlapping runs
CHILD = """
import os, signal, sys, time
from pathlib import Path
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
from addin.cli.main import main
from addin.files import xlsx, staging
import addin.cli.run as run

READY, POINT = Path(sys.argv[1]), sys.argv[2]

def pause(point):
    if point == POINT:
        READY.write_text(point)
        go, deadline = READY.with_suffix(".go"), time.monotonic() + 120
        while not go.exists() and time.monotonic() < deadline:  # until the test says go
            time.sleep(0.05)

real_pipeline, real_save = run.run_pipeline, xlsx.FileWorkbook.save
real_csv, real_commit = run.write_csv, staging.StagedOutputs.commit

def pipeline(*args, **kwargs):
    pause("reading")
    return real_pipeline(*args, **kwargs)

def save(self, path):
    Path(path).write_bytes(b"PK half a workbook")
    pause("saving")
    real_save(self, path)

def csv(frame, path):
    Path(path).write_text("half a file")
    pause("customers")
    real_csv(frame, path)

def commit(self):
    pause("commit")
    return real_commit(self)

run.run_pipeline, xlsx.FileWorkbook.save, run.write_csv = pipeline, save, csv
staging.StagedOutputs.commit = commit
sys.exit(main(sys.argv[3:]))
"""


def start_child(tmp_path: Path, point: str, *args: object) -> tuple:
    """A `segment` process that stops at ``point`` until the test calls ``go``."""
    ready = tmp_path / f"ready-{point}-{time.monotonic_ns()}.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ready), point, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    return process, ready


def go(ready: Path) -> None:
    ready.with_suffix(".go").write_text("go")


def wait_for(ready: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not ready.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended early: {process.communicate()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the run never reached the point")
        time.sleep(0.05)
    ready.unlink()


@pytest.mark.skipif(not POSIX, reason="signals to a child process: POSIX")
def test_a_second_in_place_run_stops_while_the_first_holds_the_lock(
    tmp_path: Path, orders: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = digest(orders)
    first, ready = start_child(tmp_path, "saving", "run", orders, "--in-place", "-q")
    wait_for(ready, first)
    monkeypatch.setattr(locking, "LOCK_WAIT_SECONDS", 0.3)
    assert run_segment("run", orders, "--in-place", "-q") == 1
    error = capsys.readouterr().err
    assert f"'orders.xlsx' is being updated by another segment run (process {first.pid}" in error
    assert "Nothing was written." in error
    assert digest(orders) == original  # the second run touched nothing
    go(ready)
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    backups = list(tmp_path.glob("orders (backup *).xlsx"))
    assert len(backups) == 1 and digest(backups[0]) == original
    assert not list(tmp_path.glob(".~segment*"))  # lock and temporaries gone


@pytest.mark.skipif(not POSIX, reason="signals to a child process: POSIX")
def test_overlapping_in_place_runs_wait_and_keep_every_version(
    tmp_path: Path, orders: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second run waits for the first; each makes its own backup, none overwritten."""
    original = digest(orders)
    first, ready = start_child(tmp_path, "saving", "run", orders, "--in-place", "-q")
    wait_for(ready, first)
    monkeypatch.setattr(locking, "LOCK_WAIT_SECONDS", 120)
    threading.Timer(1.0, go, [ready]).start()  # the first run ends while the second waits
    assert run_segment("run", orders, "--in-place", "-q") == 0
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    backups = sorted(tmp_path.glob("orders (backup *).xlsx"), key=lambda p: p.stat().st_mtime)
    assert len(backups) == 2
    assert digest(backups[0]) == original  # the only original survives
    assert "Segment Summary" in load_workbook(backups[1]).sheetnames  # the first run's result


def test_backup_names_never_overwrite(tmp_path: Path) -> None:
    source = tmp_path / "book.xlsx"
    source.write_bytes(b"original")
    names_now = {staging.backup_name(source) for _ in range(50)}
    assert len(names_now) > 1  # sub-second resolution
    taken = staging.backup_name(source)
    taken.write_bytes(b"someone's file")
    claimed = staging._claim(taken)
    assert claimed != taken and taken.read_bytes() == b"someone's file"


def test_a_stale_lock_from_a_killed_run_is_taken_over(tmp_path: Path, orders: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    lock = locking.lock_path(orders)
    import json
    import socket

    lock.write_text(json.dumps({"pid": int(dead.stdout), "host": socket.gethostname(),
                                "started": time.time()}))  # fmt: skip
    with locking.exclusive(orders, wait_seconds=0.2) as held:
        assert held == lock and json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()


# ------------------------------------------------------------------ permissions and links
@pytest.mark.skipif(not POSIX, reason="POSIX permission bits")
def test_results_keep_the_input_permissions_and_new_files_get_the_default(
    tmp_path: Path, orders: Path
) -> None:
    os.chmod(orders, 0o664)
    assert run_segment("run", orders, "--in-place", "-q") == 0
    assert stat.S_IMODE(orders.stat().st_mode) == 0o664
    existing = tmp_path / "existing.xlsx"
    existing.write_bytes(b"old")
    os.chmod(existing, 0o640)
    assert run_segment("run", orders, "-o", existing, "-q") == 0
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640
    previous = os.umask(0o022)
    try:
        assert run_segment("run", orders, "-o", tmp_path / "new.xlsx", "-q") == 0
        atomic_write(tmp_path / "plain.txt", lambda p: p.write_text("x"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.xlsx").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "symlink") or not POSIX, reason="symbolic links")
def test_in_place_on_a_symbolic_link_updates_its_target(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    target = write_log(shared / "orders.xlsx", LOG_ROWS)
    original = digest(target)
    link = tmp_path / "my orders.xlsx"
    link.symlink_to(target)
    assert run_segment("run", link, "--in-place", "-q") == 0
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert "Segment Summary" in load_workbook(target).sheetnames
    backups = list(shared.glob("orders (backup *).xlsx"))
    assert len(backups) == 1 and digest(backups[0]) == original


@pytest.mark.skipif(not hasattr(os, "link"), reason="hard links")
def test_a_hard_link_keeps_the_original_and_the_run_says_so(
    tmp_path: Path, orders: Path, capsys: pytest.CaptureFixture
) -> None:
    original = digest(orders)
    other = tmp_path / "other name.xlsx"
    os.link(orders, other)
    assert run_segment("run", orders, "--in-place") == 0
    out = capsys.readouterr().out
    assert "'orders.xlsx' had 1 other hard link; they keep the original content" in out
    assert digest(other) == original and digest(orders) != original


# ------------------------------------------------------------------ interrupts and kills
@pytest.mark.skipif(not POSIX, reason="signals to a child process: POSIX")
def test_sigterm_and_ctrl_c_at_any_point_leave_the_folder_as_it_was(tmp_path: Path) -> None:
    cases = [
        ("reading", signal.SIGINT, ("--in-place",)),
        ("customers", signal.SIGTERM, ("--customers-file", "all.csv")),
        ("saving", signal.SIGTERM, ("--in-place",)),
        ("saving", signal.SIGINT, ("-o", "out.xlsx", "--customers-file", "all.parquet")),
        ("commit", signal.SIGTERM, ("--in-place", "--save-model", "model.json")),
        ("commit", signal.SIGINT, ("--in-place",)),
    ]
    runs = []
    for number, (point, signum, flags) in enumerate(cases):  # all at once: 2 cores
        folder = tmp_path / f"case{number}"
        folder.mkdir()
        source = write_log(folder / "orders.xlsx", LOG_ROWS)
        flags = [folder / f if f.endswith((".csv", ".parquet", ".xlsx", ".json")) else f
                 for f in flags]  # fmt: skip
        before = listing(folder)
        process, ready = start_child(tmp_path, point, "run", source, "-q", *flags)
        runs.append((folder, before, process, ready, signum))
    for _, _, process, ready, signum in runs:
        wait_for(ready, process)
        process.send_signal(signum)
    for folder, before, process, _, signum in runs:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 128 + signum, err
        assert (
            err.strip() == "segment: interrupted. Nothing was written; your files are as they were."
        )
        assert listing(folder) == before, folder.name  # no temporary, backup, lock or output


def test_ctrl_c_during_the_commit_waits_and_names_what_was_written(
    orders: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace_then_interrupt(source, target):
        real_replace(source, target)
        os.kill(os.getpid(), signal.SIGINT)  # arrives mid-commit: it waits for the end

    monkeypatch.setattr(staging.os, "replace", replace_then_interrupt)
    assert run_segment("run", orders, "--in-place", "-q") == 130
    error = capsys.readouterr().err
    backup = next(orders.parent.glob("orders (backup *).xlsx"))
    assert error == (
        f"segment: interrupted. Written before it stopped: '{backup}', '{orders}'; "
        "nothing else was written or changed.\n"
    )
    assert "Segment Summary" in load_workbook(orders).sheetnames  # the commit completed


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on this platform")
def test_a_killed_runs_temporary_is_removed_by_the_next_run(tmp_path: Path, orders: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from addin.files import xlsx
        from addin.cli.main import main

        def dying_save(self, path):
            Path(path).write_bytes(b"PK half written")
            os.kill(os.getpid(), signal.SIGKILL)

        xlsx.FileWorkbook.save = dying_save
        main(["run", {str(orders)!r}, "-o", {str(tmp_path / "out.xlsx")!r}, "-q"])
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, check=False)
    assert done.returncode == -signal.SIGKILL
    partials = list(tmp_path.glob(names.TEMPORARY_PREFIX + "*.xlsx"))
    assert len(partials) == 1  # SIGKILL cannot be caught: a hidden, recognisable name
    staging._cleaned_folders.discard(tmp_path)
    assert run_segment("run", orders, "-o", tmp_path / "out.xlsx", "-q") == 0
    assert not partials[0].exists() and not list(tmp_path.glob(".~segment*"))


# ------------------------------------------------------------------ failed runs
def test_a_bad_model_path_fails_before_anything_is_written(
    orders: Path, capsys: pytest.CaptureFixture
) -> None:
    before = listing(orders.parent)
    assert run_segment("run", orders, "--save-model", orders.parent / "no/dir/m.json") == 1
    error = capsys.readouterr().err
    assert (
        f"The folder '{orders.parent / 'no/dir'}' for --save-model 'm.json' does not exist" in error
    )
    assert listing(orders.parent) == before


def test_output_onto_a_folder_fails_before_the_customer_file(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(names, "MAX_SHEET_ROWS", 10)  # the customer file is automatic
    source = tmp_path / "log.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"Customer": rng.integers(0, 60, 400), "Date": "2024-03-01",
                  "Amount": rng.integers(1, 90, 400)}).to_csv(source, index=False)  # fmt: skip
    (tmp_path / "out.xlsx").mkdir()
    before = listing(tmp_path)
    assert run_segment("run", source, "-o", tmp_path / "out.xlsx", "-q") == 1
    assert f"The output workbook '{tmp_path / 'out.xlsx'}' is a folder" in capsys.readouterr().err
    assert listing(tmp_path) == before


def test_a_failed_save_leaves_no_customer_file(
    orders: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_save(self, path):
        Path(path).write_bytes(b"PK half")
        raise OSError("disk full")

    monkeypatch.setattr("addin.files.xlsx.FileWorkbook.save", broken_save)
    before = listing(orders.parent)
    customers = orders.parent / "all.csv"
    assert run_segment("run", orders, "--in-place", "--customers-file", customers, "-q") == 1
    assert capsys.readouterr().err == (
        "segment run: could not read or write a file (disk full). Nothing was written; your "
        "files are as they were. Check the disk and folder, then run again.\n"
    )
    assert listing(orders.parent) == before  # no customer file, backup or temporary


def test_a_workbook_open_elsewhere_at_the_commit_is_named_with_what_was_written(
    orders: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows refuses to replace a file Excel holds open: the backup, renamed first,
    stays (a true copy of the unchanged original) and the message says so."""
    original = digest(orders)
    real_replace = os.replace

    def refuse_the_workbook(source, target):
        if Path(target) == orders:
            raise PermissionError(13, "in use")
        real_replace(source, target)

    monkeypatch.setattr(staging.os, "replace", refuse_the_workbook)
    assert run_segment("run", orders, "--in-place", "-q") == 1
    backup = next(orders.parent.glob("orders (backup *).xlsx"))
    assert capsys.readouterr().err == (
        f"segment run: Cannot replace '{orders}': it is open in another program. Close it and "
        f"run again. Written before it stopped: '{backup}'; nothing else was written or "
        "changed.\n"
    )
    assert digest(orders) == original == digest(backup)
    assert not list(orders.parent.glob(".~segment*"))
