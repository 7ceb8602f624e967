"""A workbook as a user sees it, and the differences between two of them.

What counts: sheets (order, visibility), cell values and formulas, number formats,
defined names, Excel Tables, data validation and charts (type, title, series). Floats
are compared with a tolerance, everything else exactly; each difference names the
sheet and the cell (or the object) and both values.
"""

from __future__ import annotations

import math
import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

RELATIVE_TOLERANCE = 1e-9
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DRAWING_TEXT = "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
_PLOT_TYPES = ("barChart", "lineChart", "pieChart", "scatterChart", "areaChart", "doughnutChart")


def _plain(value: object) -> object:
    if isinstance(value, ArrayFormula):
        return ("array formula", value.ref, value.text)
    return value


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float | int) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    if isinstance(b, float) and isinstance(a, int) and not isinstance(a, bool):
        return _same(b, a)
    return a == b


def _rels(package: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if rels not in package.namelist():
        return {}
    root = etree.fromstring(package.read(rels))
    targets = {}
    for relationship in root.iter(f"{_REL}Relationship"):
        target = relationship.get("Target")
        if relationship.get("TargetMode") == "External":
            continue
        # Absolute targets start at the package root, relative ones at the part's folder.
        whole = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        targets[relationship.get("Id")] = posixpath.normpath(whole)
    return targets


def _chart(xml: bytes) -> tuple:
    root = etree.fromstring(xml)
    plot = root.find(f"{_CHART}chart/{_CHART}plotArea")
    kinds = tuple(etree.QName(e).localname for e in plot if etree.QName(e).localname in _PLOT_TYPES)
    title = root.find(f"{_CHART}chart/{_CHART}title")
    title_text = (
        "".join(t.text or "" for t in title.iter(_DRAWING_TEXT)) if title is not None else ""
    )
    series = tuple(f.text for f in plot.iter(f"{_CHART}f"))
    return kinds, title_text, series


def charts_by_sheet(path: Path) -> dict[str, list[tuple]]:
    """Sheet name -> its charts as (plot types, title, series references)."""
    book = load_workbook(path, read_only=True)
    names = book.sheetnames
    book.close()
    found: dict[str, list[tuple]] = {}
    with zipfile.ZipFile(path) as package:
        sheets = list(_rels(package, "xl/workbook.xml").values())
        sheet_parts = [p for p in sheets if "/worksheets/" in p]
        for name, part in zip(names, sheet_parts, strict=False):
            for drawing in _rels(package, part).values():
                for target in _rels(package, drawing).values():
                    if "/charts/" in target:
                        found.setdefault(name, []).append(_chart(package.read(target)))
    return {name: sorted(charts) for name, charts in found.items()}


def differences(committed: Path, rebuilt: Path) -> Iterator[str]:
    """Every difference a user could see between two workbooks."""
    old, new = load_workbook(committed), load_workbook(rebuilt)
    if old.sheetnames != new.sheetnames:
        yield f"sheets: {old.sheetnames} committed, {new.sheetnames} rebuilt"
        return
    for a, b in zip(old.worksheets, new.worksheets):
        where = f"sheet '{a.title}'"
        if a.sheet_state != b.sheet_state:
            yield f"{where}: {a.sheet_state} committed, {b.sheet_state} rebuilt"
        rows = max(a.max_row, b.max_row)
        columns = max(a.max_column, b.max_column)
        for row in range(1, rows + 1):
            for column in range(1, columns + 1):
                x, y = a.cell(row, column), b.cell(row, column)
                if not _same(_plain(x.value), _plain(y.value)):
                    yield f"{where} cell {x.coordinate}: {x.value!r} committed, {y.value!r} rebuilt"
                elif x.number_format != y.number_format:
                    yield (
                        f"{where} cell {x.coordinate}: number format {x.number_format!r} "
                        f"committed, {y.number_format!r} rebuilt"
                    )
        tables = {t.name: (t.ref, [c.name for c in t.tableColumns]) for t in a.tables.values()}
        again = {t.name: (t.ref, [c.name for c in t.tableColumns]) for t in b.tables.values()}
        if tables != again:
            yield f"{where} tables: {tables} committed, {again} rebuilt"
        rules = sorted(
            (str(v.sqref), v.type, v.formula1) for v in a.data_validations.dataValidation
        )
        rules_again = sorted(
            (str(v.sqref), v.type, v.formula1) for v in b.data_validations.dataValidation
        )
        if rules != rules_again:
            yield f"{where} data validation: {rules} committed, {rules_again} rebuilt"
    names = {n: d.attr_text for n, d in old.defined_names.items()}
    names_again = {n: d.attr_text for n, d in new.defined_names.items()}
    if names != names_again:
        yield f"defined names: {names} committed, {names_again} rebuilt"
    charts, charts_again = charts_by_sheet(committed), charts_by_sheet(rebuilt)
    for sheet in sorted(set(charts) | set(charts_again)):
        if charts.get(sheet) != charts_again.get(sheet):
            yield (
                f"sheet '{sheet}' charts: {charts.get(sheet)} committed, "
                f"{charts_again.get(sheet)} rebuilt"
            )
