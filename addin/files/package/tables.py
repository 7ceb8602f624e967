"""Sheets and Excel Tables of a package, read from its parts; a table grown by columns."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from addin.files.package.cells import column_letters, column_number
from addin.files.package.opc import (
    DOC_REL_NS,
    MAIN_NS,
    TABLE_REL,
    Package,
    parse,
    serialize,
)

_M = f"{{{MAIN_NS}}}"
_RID = f"{{{DOC_REL_NS}}}id"


@dataclass(frozen=True)
class SheetEntry:
    name: str
    part: str | None  # None for a sheet whose part is missing
    rel_id: str
    state: str  # visible, hidden, veryHidden


@dataclass(frozen=True)
class TablePart:
    sheet: str
    part: str
    name: str
    ref: str

    def bounds(self) -> tuple[int, int, int, int]:
        """first row, first column, last row, last column (1-based)."""
        first, _, last = self.ref.partition(":")
        last = last or first
        top_left, bottom_right = _split(first), _split(last)
        return top_left[1], top_left[0], bottom_right[1], bottom_right[0]


def _split(reference: str) -> tuple[int, int]:
    letters = "".join(ch for ch in reference if ch.isalpha()).upper()
    digits = "".join(ch for ch in reference if ch.isdigit())
    return column_number(letters), int(digits)


def sheets(package: Package) -> list[SheetEntry]:
    """Every sheet in tab order (worksheets and chart sheets)."""
    workbook = package.workbook_part()
    root = parse(package.read(workbook))
    rels = package.rels(workbook)
    found = []
    for sheet in root.iterfind(f"{_M}sheets/{_M}sheet"):
        rel = rels.by_id(sheet.get(_RID, ""))
        part = rels.target(rel) if rel is not None else None
        found.append(SheetEntry(sheet.get("name", ""), part, sheet.get(_RID, ""),
                                sheet.get("state", "visible")))  # fmt: skip
    return found


def tables(package: Package) -> list[TablePart]:
    found = []
    for sheet in sheets(package):
        if sheet.part is None or not package.has(sheet.part):
            continue
        rels = package.rels(sheet.part)
        for rel in rels.of_type(TABLE_REL):
            part = rels.target(rel)
            if part is None or not package.has(part):
                continue
            root = parse(package.read(part))
            name = root.get("displayName") or root.get("name") or ""
            found.append(TablePart(sheet.name, part, name, root.get("ref", "")))
    return found


def grow_table(package: Package, table: TablePart, last_column: int, headers: list[str]) -> None:
    """Stretch a table to ``last_column``; ``headers`` name its columns left to right."""
    root = parse(package.read(table.part))
    first_row, first_column, last_row, _ = table.bounds()
    ref = f"{column_letters(first_column)}{first_row}:{column_letters(last_column)}{last_row}"
    root.set("ref", ref)
    auto_filter = root.find(_M + "autoFilter")
    if auto_filter is not None:
        auto_filter.set("ref", ref)
    columns = root.find(_M + "tableColumns")
    existing = columns.findall(_M + "tableColumn")
    next_id = max((int(c.get("id", 0)) for c in existing), default=0) + 1
    for header in headers[len(existing) :]:
        etree.SubElement(columns, _M + "tableColumn", id=str(next_id), name=header)
        next_id += 1
    columns.set("count", str(len(columns.findall(_M + "tableColumn"))))
    package.write(table.part, serialize(root))
