"""Every hostile input of the corpus, through every front end that takes it.

For every case and command: exit 0 or 1 only, never a traceback; the input is byte for
byte what it was; no file is left behind but the output asked for; a refusal names what
is wrong and the fix; a result carries the notes the user needs. The commands run in
this process (``main()``), which keeps the corpus to seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
import zipfile
from pathlib import Path

import pytest

from addin.cli.main import main
from addin.excel.buttons import run as press
from addin.excel.functions import ERROR_PREFIX, SEGMENT_RFM
from tests.addin.fake_xlwings import Book
from tests.corpus.cases import CASES, Case

WRITES = ("run", "import")


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _argv(case: Case, command: str, source: Path, output: Path) -> list[str]:
    argv = [command, str(source), *case.flags]
    if command in WRITES:
        argv += ["-o", str(output), "-q"]
    return argv


def test_the_corpus_is_large_and_its_names_unique() -> None:
    assert len(CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize(
    ("case", "command"),
    [pytest.param(c, m, id=f"{c.name}-{m}") for c in CASES for m in c.commands],
)
def test_command_line(case: Case, command: str, tmp_path: Path, capsys) -> None:
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    source = case.build(inputs)
    before = _snapshot(inputs)
    output = tmp_path / case.output
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = main(_argv(case, command, source, output))
    said = capsys.readouterr()
    text = said.out + said.err

    assert "Traceback" not in text
    assert code == (1 if case.refused else 0), text
    assert _snapshot(inputs) == before, "the input changed, or a file was left beside it"
    written = set(_snapshot(outputs))
    if case.refused:
        assert written == set()
        for part in case.refuse:
            assert part in said.err, f"{part!r} not in: {said.err}"
        return
    if command in WRITES:
        assert written == {output.name}
        assert zipfile.is_zipfile(output)
    else:
        assert written == set()
    if command == "validate":
        for note in case.notes:
            assert note in said.out, f"{note!r} not in: {said.out}"
        for note in case.absent:
            assert note not in said.out
        if case.as_of is not None:
            assert f"Analysis date: {case.as_of}." in said.out


def _excel_value(value: object) -> object:
    """What a cell holds in Excel: numbers are floats, dates datetimes."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value if isinstance(value, dt.datetime) else dt.datetime(*value.timetuple()[:3])
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    return float(value)


IN_EXCEL = [c for c in CASES if c.rows is not None and not c.flags]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in IN_EXCEL])
def test_worksheet_function(case: Case) -> None:
    grid = [[_excel_value(v) for v in row] for row in case.rows]
    result = SEGMENT_RFM(grid)
    first = str(result[0][0])
    if case.refused:
        assert first.startswith(ERROR_PREFIX) and case.refuse[0] in first, first
    else:
        assert not first.startswith(ERROR_PREFIX), first
        assert len(result) == len(grid)  # one row per input row, header included


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in IN_EXCEL])
def test_ribbon_buttons(case: Case, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # an unexpected error would log there
    book = Book()
    sheet = book.sheets.add(name="Orders")
    for i, row in enumerate(case.rows, start=1):
        for j, value in enumerate(row, start=1):
            if value is not None:
                sheet.cells[(i, j)] = _excel_value(value)
    press("check", book)
    message, _, mode = book.app.alerts[-1]
    if case.refused:
        assert mode == "critical" and case.refuse[0] in message, message
        return
    assert mode is None, message
    for note in case.notes:
        assert note in message
    press("rfm", book)
    message, _, mode = book.app.alerts[-1]
    assert mode is None, message
    assert not list(tmp_path.rglob("*.log"))
