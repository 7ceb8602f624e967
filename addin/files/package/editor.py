"""A user's workbook edited at the package level: the tool's parts change, nothing else.

What the tool owns: its output sheets (with their drawings, charts and tables), the
columns it adds to the user's table and that table's definition, its hidden model sheet,
the entries for them in the workbook, its relationships and [Content_Types].xml, and
the formats it appends to styles.xml. Every other part (other sheets, charts, pictures,
shapes, pivot tables and caches, slicers, VBA, custom XML, external links, comments,
themes, printer settings) is saved with the bytes it had.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from addin.files.package import bulk_columns, cells
from addin.files.package.opc import (
    MACRO_MAIN,
    MAIN_NS,
    REL_TYPE,
    SHEET_MAIN,
    VBA_REL,
    Package,
    parse,
    serialize,
)
from addin.files.package.styles import StyleSheet, styles_part
from addin.files.package.tables import TablePart, grow_table, sheets, tables
from addin.files.package.transplant import Transplant
from addin.sheets.layout import SheetLayout

_M = f"{{{MAIN_NS}}}"
_CALC_CHAIN_REL = REL_TYPE + "calcChain"
_VBA_TYPE = "application/vnd.ms-office.vbaProject"
# Output tables longer than this are written in bulk (addin.files.bulk_sheet): XlsxWriter
# spends microseconds per cell, and the Customers sheet of a log has thousands of rows.
RENDER_BULK_ROWS = 500


class PackageEditor:
    """Edits collected in memory; :meth:`save` writes the result to a new file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.package = Package(self.path)
        self.layouts: dict[str, SheetLayout] = {}
        self._columns: list[tuple[str, int, list[cells.ColumnWrite], TablePart | None]] = []
        self.notes: list[str] = []

    # ------------------------------------------------------------ reading
    def sheet_names(self) -> list[str]:
        names = [s.name for s in sheets(self.package)]
        return names + [n for n in self.layouts if n not in names]

    def tables(self) -> list[TablePart]:
        return tables(self.package)

    def sheet_part(self, sheet: str) -> str | None:
        return next((s.part for s in sheets(self.package) if s.name == sheet), None)

    def is_strict(self) -> bool:
        """Saved as Strict Open XML (other namespaces), which this editor does not write."""
        root = parse(self.package.read(self.package.workbook_part()))
        return not root.tag.startswith(_M)

    def has_macros(self) -> bool:
        workbook = self.package.workbook_part()
        return bool(self.package.rels(workbook).of_type(VBA_REL))

    # ------------------------------------------------------------ editing
    def add_columns(self, sheet: str, header_row: int, columns: list[cells.ColumnWrite],
                    table: TablePart | None) -> None:  # fmt: skip
        self._columns.append((sheet, header_row, columns, table))

    def add_sheet(self, layout: SheetLayout) -> None:
        self.layouts[layout.name] = layout

    def edited(self, sheet: str) -> bool:
        """Whether this session has written to ``sheet`` (so the file no longer shows it)."""
        return sheet in self.layouts or any(edit[0] == sheet for edit in self._columns)

    def styles(self) -> StyleSheet:
        if not hasattr(self, "_styles"):
            part = self._styles_part()
            self._styles = StyleSheet(self.package.read(part))
        return self._styles

    def _styles_part(self) -> str:
        return styles_part(self.package)

    # ------------------------------------------------------------- saving
    def save(self, path: Path, *, macros: bool | None = None) -> None:
        """Write the edited workbook to ``path`` (a new file: the input stays as it is).

        ``macros`` False drops a VBA project (an .xlsx cannot hold one); the default
        follows ``path``'s extension.
        """
        package = Package(self.path)  # each save starts from the file as it was read
        self.package.close()
        self.package = package
        self.notes = []
        if hasattr(self, "_styles"):
            del self._styles
        if macros is None:
            macros = Path(path).suffix.lower() == ".xlsm"
        for sheet, header_row, columns, table in self._columns:
            self._write_columns(sheet, header_row, columns, table)
        if hasattr(self, "_styles"):
            package.write(self._styles_part(), self._styles.to_bytes())
        if self.layouts:
            self._write_sheets()
        self._set_macros(macros)
        try:
            package.save(Path(path))
        finally:
            package.close()  # the input may be replaced next (in place), even on Windows

    def _write_columns(self, sheet: str, header_row: int, columns, table) -> None:
        part = self.sheet_part(sheet)
        data = self.package.read(part)
        styles = self.styles()
        columns = [
            replace(c, style=styles.cell_format(c.number_format, base=c.style))
            if c.number_format
            else c
            for c in columns
        ]
        written = None
        if len(data) >= bulk_columns.BULK_WRITE_BYTES:
            written = bulk_columns.write_columns(data, header_row, columns)
        if written is None:  # a small or irregular sheet: cell by cell
            root = parse(data)
            cells.write_columns(root, header_row, columns)
            written = serialize(root)
        self.package.write(part, written)
        if table is not None:
            headers = self._table_headers(table, columns)
            last = max(table.bounds()[3], *(c.column for c in columns))
            grow_table(self.package, table, last, headers)
        sheet_id = self._sheet_ids().get(sheet)
        self._drop_from_calc_chain({sheet_id: {c.column for c in columns}})

    def _table_headers(self, table: TablePart, columns) -> list[str]:
        """The table's column names after writing: existing ones, then ours."""
        existing = parse(self.package.read(table.part)).iterfind(
            f"{_M}tableColumns/{_M}tableColumn"
        )
        names = [c.get("name") for c in existing]
        first_column = table.bounds()[1]
        for write in sorted(columns, key=lambda c: c.column):
            position = write.column - first_column
            if position >= len(names):
                names += [f"Column {len(names) + 1}"] * (position - len(names)) + [write.header]
        return names

    def _sheet_ids(self) -> dict[str, str]:
        root = parse(self.package.read(self.package.workbook_part()))
        return {s.get("name"): s.get("sheetId") for s in root.iterfind(f"{_M}sheets/{_M}sheet")}

    def _write_sheets(self) -> None:
        from addin.files.newbook import NewWorkbook

        rendered_book = NewWorkbook(bulk_rows=RENDER_BULK_ROWS, compress_bulk=False)
        for layout in self.layouts.values():
            rendered_book.write_sheet(layout)
        titles = {chart.title for layout in self.layouts.values() for chart in layout.charts}
        with tempfile.TemporaryDirectory(prefix="segment-") as folder:
            rendered_path = Path(folder) / "sheets.xlsx"
            rendered_book.save(rendered_path)
            rendered = Package(rendered_path)
            try:
                move = Transplant(self.package, rendered, titles)
                move.move_all()
            finally:
                rendered.close()
        self.notes += move.notes
        self._drop_from_calc_chain(dict.fromkeys(move.replaced_sheet_ids))

    def _drop_from_calc_chain(self, cells_by_sheet: dict[str | None, set[int] | None]) -> None:
        """Forget calculation-chain entries for cells the tool replaced (None: a whole
        sheet); Excel rebuilds the chain, but refuses entries for cells without formulas."""
        workbook = self.package.workbook_part()
        rels = self.package.rels(workbook)
        found = rels.of_type(_CALC_CHAIN_REL)
        if not found or rels.target(found[0]) is None:
            return
        part = rels.target(found[0])
        if not self.package.has(part):
            return
        root = parse(self.package.read(part))
        sheet = None
        removed = False
        for entry in list(root):
            sheet = entry.get("i", sheet)
            entry.set("i", sheet)  # explicit: the entry it inherited from may go
            if sheet in cells_by_sheet:
                columns = cells_by_sheet[sheet]
                letters = "".join(ch for ch in entry.get("r", "") if ch.isalpha())
                if columns is None or cells.column_number(letters) in columns:
                    root.remove(entry)
                    removed = True
        if not removed:
            return
        if len(root):
            self.package.write(part, serialize(root))
        else:
            self.package.delete_part(part)
            rels.remove(found[0])
            rels.save()

    def _set_macros(self, keep: bool) -> None:
        """The workbook's content type matching the file's extension; VBA only in .xlsm."""
        package = self.package
        workbook = package.workbook_part()
        rels = package.rels(workbook)
        projects = rels.of_type(VBA_REL)
        if projects and not keep:
            for rel in projects:
                target = rels.target(rel)
                if target is not None:
                    _delete_with_rels(package, target)
                rels.remove(rel)
            rels.save()
            if not any(n.lower().endswith(".bin") for n in package.names()):
                for item in list(package.content_types):
                    if item.get("Extension", "").lower() == "bin" and (
                        item.get("ContentType") == _VBA_TYPE
                    ):
                        package.content_types.remove(item)
        if package.content_type(workbook) in (MACRO_MAIN, SHEET_MAIN):
            package.set_override(workbook, MACRO_MAIN if keep else SHEET_MAIN)


def _delete_with_rels(package: Package, part: str) -> None:
    """The VBA project and the parts hanging from it (its signature, its data)."""
    rels = package.rels(part)
    for rel in list(rels):
        target = rels.target(rel)
        if target is not None:
            package.delete_part(target)
    package.delete_part(part)
