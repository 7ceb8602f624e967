"""The tool's sheets, rendered into a package of their own, moved into the user's package.

XlsxWriter draws the output sheets (cells, Excel Tables, native charts) exactly as for a
new workbook; here each rendered sheet, with its drawing, charts and tables, becomes a
part of the user's workbook. Its cell formats are appended to the user's styles.xml,
its text becomes inline strings (the user's shared strings stay as they were), and an
earlier run's sheet of the same name is replaced: the tool's own charts and tables go,
pictures, shapes and charts the user placed there are kept, and anything else that has
to go is named in a note.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from addin.files.package.cells import insert_in_order
from addin.files.package.opc import (
    A_NS,
    CHART_NS,
    CHART_REL,
    DOC_REL_NS,
    DRAWING_NS,
    DRAWING_REL,
    MAIN_NS,
    REL_TYPE,
    TABLE_REL,
    WORKSHEET_REL,
    Package,
    parse,
    serialize,
)
from addin.files.package.styles import StyleSheet, styles_part
from addin.files.package.tables import sheets, tables

_M, _XDR, _R = f"{{{MAIN_NS}}}", f"{{{DRAWING_NS}}}", f"{{{DOC_REL_NS}}}"
CHART_MARK = "Segmentation chart"  # the name our charts carry in the drawing
_ANCHORS = ("twoCellAnchor", "oneCellAnchor", "absoluteAnchor")
_STRINGS_REL = REL_TYPE + "sharedStrings"
_KINDS = {
    REL_TYPE + "comments": "comments",
    REL_TYPE + "vmlDrawing": "comment or control shapes (VML)",
    REL_TYPE + "pivotTable": "a pivot table",
    REL_TYPE + "printerSettings": "printer settings",
    REL_TYPE + "hyperlink": "hyperlinks",
}


def _part_of(package: Package, source: str, rel_type: str) -> str | None:
    rels = package.rels(source)
    found = rels.of_type(rel_type)
    return rels.target(found[0]) if found else None


# XlsxWriter writes rows exactly as lxml would (checked in the tests), so the rows of a
# rendered sheet are carried as bytes and only the rest of the sheet is parsed.
_ROWS_OPEN, _ROWS_CLOSE, _NO_ROWS = b"<sheetData>", b"</sheetData>", b"<sheetData/>"
_EMPTY_TEXT = re.compile(rb"<t((?:\s[^>]*)?)></t>")
_STRING_ITEM = re.compile(rb"<si>(.*?)</si>", re.DOTALL)
_SHARED_CELL = re.compile(rb'<c\b([^>]*?)\bt="s"([^>]*)><v>(\d+)</v></c>')
_STYLE_ATTRIBUTE = re.compile(rb'(<(?:c|row)\b[^>]*?\bs=")(\d+)(")')


def _shared_strings(rendered: Package) -> list[bytes]:
    """The rendered package's shared strings, each as the XML inside its ``<si>``."""
    part = _part_of(rendered, rendered.workbook_part(), _STRINGS_REL)
    if part is None or not rendered.has(part):
        return []
    items = _STRING_ITEM.findall(rendered.read(part))
    return [_EMPTY_TEXT.sub(rb"<t\1/>", item) for item in items]  # as lxml writes them


def _prepare_sheet(data: bytes, strings: list[bytes], xf_map: dict[int, int],
                   dxf_map: dict[int, int]) -> tuple[etree._Element, bytes | None]:  # fmt: skip
    """A rendered sheet with inline strings, the user's style indexes and no second
    selected tab. Cells are rewritten on the bytes XlsxWriter wrote (up to millions of
    them), the few other elements on a tree parsed without the rows: the rows' bytes
    come back apart (None: left in the tree), for :func:`_with_rows`."""
    data = _STYLE_ATTRIBUTE.sub(
        lambda m: m.group(1) + str(xf_map.get(int(m.group(2)), 0)).encode() + m.group(3), data
    )
    data = _SHARED_CELL.sub(
        lambda m: b"<c" + m.group(1) + b't="inlineStr"' + m.group(2) + b"><is>"
        + strings[int(m.group(3))] + b"</is></c>",
        data,
    )  # fmt: skip
    rows = None
    start, end = data.find(_ROWS_OPEN), data.find(_ROWS_CLOSE)
    if 0 < start < end and data.count(_ROWS_OPEN) == 1 and data.count(_ROWS_CLOSE) == 1:
        rows = data[start + len(_ROWS_OPEN) : end]
        data = data[:start] + _NO_ROWS + data[end + len(_ROWS_CLOSE) :]
    root = parse(data)
    for col in root.iter(_M + "col"):
        if col.get("style") is not None:
            col.set("style", str(xf_map.get(int(col.get("style")), 0)))
    for rule in root.iter(_M + "cfRule"):
        if rule.get("dxfId") is not None:
            rule.set("dxfId", str(dxf_map.get(int(rule.get("dxfId")), 0)))
    for view in root.iter(_M + "sheetView"):
        view.attrib.pop("tabSelected", None)
    return root, rows


def _with_rows(sheet: bytes, rows: bytes | None) -> bytes:
    """A serialised prepared sheet with its rows back in place."""
    if rows is None:
        return sheet
    before, after = sheet.split(_NO_ROWS)
    return b"".join((before, _ROWS_OPEN, rows, _ROWS_CLOSE, after))


def _chart_title(package: Package, part: str) -> str:
    root = parse(package.read(part))
    title = root.find(f".//{{{CHART_NS}}}title")
    return "" if title is None else "".join(title.itertext()).strip()


def _delete_tree(package: Package, part: str) -> None:
    """A part and every part only it points to (a chart's style, colours, shapes)."""
    if not package.has(part):
        return
    rels = package.rels(part)
    for rel in list(rels):
        target = rels.target(rel)
        if target is not None and target != part:
            _delete_tree(package, target)
    package.delete_part(part)


class Transplant:
    """Moves rendered sheets into ``target``; ``notes`` says what an old sheet lost."""

    def __init__(self, target: Package, rendered: Package, chart_titles: set[str]) -> None:
        self.target, self.rendered = target, rendered
        self.chart_titles = chart_titles
        self.notes: list[str] = []
        workbook = target.workbook_part()
        self.workbook_part = workbook
        self.workbook = parse(target.read(workbook))
        self.workbook_rels = target.rels(workbook)
        self.styles_part = styles_part(target)
        self.styles = StyleSheet(target.read(self.styles_part))
        rendered_styles = styles_part(rendered)
        self.xf_map, self.dxf_map = self.styles.merge(rendered.read(rendered_styles))
        self.strings = _shared_strings(rendered)
        ids = [int(parse(target.read(t.part)).get("id", 0)) for t in tables(target)]
        self.next_table_id = max(ids, default=0) + 1
        self.replaced_sheet_ids: set[str] = set()

    # -------------------------------------------------------------- sheets
    def move_all(self) -> None:
        existing = {s.name: s for s in sheets(self.target)}
        for sheet in sheets(self.rendered):
            self._move(sheet.name, sheet.part, sheet.state, existing.get(sheet.name))
        self._keep_active_tab_visible()
        self.target.write(self.workbook_part, serialize(self.workbook))
        self.workbook_rels.save()
        self.target.write(self.styles_part, self.styles.to_bytes())

    def _sheet_element(self, rel_id: str) -> etree._Element:
        return next(
            s for s in self.workbook.iterfind(f"{_M}sheets/{_M}sheet") if s.get(_R + "id") == rel_id
        )

    def _move(self, name: str, source: str, state: str, old) -> None:
        root, rows = _prepare_sheet(self.rendered.read(source), self.strings, self.xf_map,
                                    self.dxf_map)  # fmt: skip
        kept: list[tuple[etree._Element, dict]] = []
        if old is not None and old.part is not None and self.target.has(old.part):
            part = old.part
            kept = self._release(name, part)
            element = self._sheet_element(old.rel_id)
            self.replaced_sheet_ids.add(element.get("sheetId"))
            self.target.set_override(part, self.rendered.content_type(source))
        else:
            part = self.target.free_name("xl/worksheets/sheet{}.xml")
            rel_id = self.workbook_rels.add(WORKSHEET_REL, part)
            container = self.workbook.find(_M + "sheets")
            ids = [int(s.get("sheetId", 0)) for s in container]
            element = etree.SubElement(container, _M + "sheet", name=name,
                                       sheetId=str(max(ids, default=0) + 1))  # fmt: skip
            element.set(_R + "id", rel_id)
            self.target.set_override(part, self.rendered.content_type(source))
        if state == "visible":
            element.attrib.pop("state", None)
        else:
            element.set("state", state)
        self._move_related(source, part, root, kept)
        self.target.write(part, _with_rows(serialize(root), rows))

    def _move_related(self, source: str, part: str, root, kept) -> None:
        source_rels = self.rendered.rels(source)
        rels = self.target.rels(part)
        drawing = root.find(_M + "drawing")
        if drawing is not None or kept:
            rendered_drawing = None
            if drawing is not None:
                rendered_drawing = source_rels.target(source_rels.by_id(drawing.get(_R + "id")))
            else:
                drawing = etree.SubElement(root, _M + "drawing")
                insert_in_order(root, drawing)
            new = self._move_drawing(rendered_drawing, kept)
            drawing.set(_R + "id", rels.add(DRAWING_REL, new))
        for table in root.iterfind(f"{_M}tableParts/{_M}tablePart"):
            rendered_table = source_rels.target(source_rels.by_id(table.get(_R + "id")))
            new = self.target.free_name("xl/tables/table{}.xml")
            table_root = parse(self.rendered.read(rendered_table))
            table_root.set("id", str(self.next_table_id))
            self.next_table_id += 1
            for element in table_root.iter():
                for attribute in ("dataDxfId", "headerRowDxfId", "totalsRowDxfId"):
                    if element.get(attribute) is not None:
                        element.set(attribute, str(self.dxf_map[int(element.get(attribute))]))
            self.target.write(new, serialize(table_root))
            self.target.set_override(new, self.rendered.content_type(rendered_table))
            table.set(_R + "id", rels.add(TABLE_REL, new))
        rels.save()

    def _move_drawing(self, source: str | None, kept) -> str:
        part = self.target.free_name("xl/drawings/drawing{}.xml")
        rels = self.target.rels(part)
        if source is not None:
            root = parse(self.rendered.read(source))
            source_rels = self.rendered.rels(source)
            for chart in root.iter(f"{{{CHART_NS}}}chart"):
                old = source_rels.target(source_rels.by_id(chart.get(_R + "id")))
                new = self.target.free_name("xl/charts/chart{}.xml")
                self.target.write(new, self.rendered.read(old))
                self.target.set_override(new, self.rendered.content_type(old))
                chart.set(_R + "id", rels.add(CHART_REL, new))
            for number, name in enumerate(root.iter(_XDR + "cNvPr"), start=1):
                name.set("name", f"{CHART_MARK} {number}")
            content_type = self.rendered.content_type(source)
        else:
            root = etree.Element(_XDR + "wsDr", nsmap={"xdr": DRAWING_NS, "a": A_NS})
            content_type = "application/vnd.openxmlformats-officedocument.drawing+xml"
        next_id = max((int(e.get("id", 0)) for e in root.iter(_XDR + "cNvPr")), default=1) + 1
        for anchor, targets in kept:
            for element in anchor.iter():
                for attribute, value in list(element.attrib.items()):
                    if attribute.startswith(_R) and value in targets:
                        rel_type, target, external = targets[value]
                        if external:
                            new_id = rels.add(rel_type, "external")
                            rels.by_id(new_id).set("Target", target)
                            rels.by_id(new_id).set("TargetMode", "External")
                        else:
                            new_id = rels.add(rel_type, target)
                        element.set(attribute, new_id)
            for properties in anchor.iter(_XDR + "cNvPr"):
                properties.set("id", str(next_id))
                next_id += 1
            root.append(anchor)
        self.target.write(part, serialize(root))
        self.target.set_override(part, content_type)
        rels.save()
        return part

    # --------------------------------------------------- an earlier sheet
    def _ours(self, anchor, rels) -> bool:
        frame = anchor.find(_XDR + "graphicFrame")
        if frame is None:
            return False
        chart = frame.find(f".//{{{CHART_NS}}}chart")
        if chart is None:
            return False
        name = frame.find(f"{_XDR}nvGraphicFramePr/{_XDR}cNvPr")
        if name is not None and name.get("name", "").startswith(CHART_MARK):
            return True
        rel = rels.by_id(chart.get(_R + "id"))
        target = rels.target(rel) if rel is not None else None
        return (
            target is not None
            and self.target.has(target)
            and (_chart_title(self.target, target) in self.chart_titles)
        )

    def _release(self, name: str, part: str) -> list[tuple[etree._Element, dict]]:
        """Remove an earlier sheet's part and the tool's parts it used; return the
        drawing objects a user placed there, each with the relationships it needs."""
        rels = self.target.rels(part)
        kept, lost = [], []
        for rel in list(rels):
            rel_type, target = rel.get("Type"), rels.target(rel)
            if rel_type == DRAWING_REL and target is not None and self.target.has(target):
                kept += self._release_drawing(target)
            elif rel_type == TABLE_REL and target is not None:
                self.target.delete_part(target)
            else:
                lost.append(_KINDS.get(rel_type) or posixpath.basename(rel.get("Target", "")))
                if target is None:  # external (a hyperlink): nothing in the package
                    continue
                if rel_type != REL_TYPE + "pivotTable":  # the cache stays, used or not
                    _delete_tree(self.target, target)
                else:
                    self.target.delete_part(target)
        if lost:
            self.notes.append(
                f"The earlier '{name}' sheet had {', '.join(sorted(set(lost)))} added to it; "
                "the sheet was written again without them (pictures, shapes and charts "
                "placed there were kept)."
            )
        self.target.delete_part(part)
        return kept

    def _release_drawing(self, part: str) -> list[tuple[etree._Element, dict]]:
        root = parse(self.target.read(part))
        rels = self.target.rels(part)
        kept = []
        for anchor in list(root):
            if not isinstance(anchor.tag, str) or etree.QName(anchor).localname not in _ANCHORS:
                continue
            if self._ours(anchor, rels):
                for chart in anchor.iter(f"{{{CHART_NS}}}chart"):
                    rel = rels.by_id(chart.get(_R + "id"))
                    if rel is not None and rels.target(rel):
                        _delete_tree(self.target, rels.target(rel))
                continue
            targets = {}
            for element in anchor.iter():
                for attribute, value in element.attrib.items():
                    rel = rels.by_id(value) if attribute.startswith(_R) else None
                    if rel is not None:
                        external = rel.get("TargetMode") == "External"
                        target = rel.get("Target") if external else rels.target(rel)
                        targets[value] = (rel.get("Type"), target, external)
            root.remove(anchor)
            kept.append((anchor, targets))
        self.target.delete_part(part)
        return kept

    def _keep_active_tab_visible(self) -> None:
        sheet_list = self.workbook.findall(f"{_M}sheets/{_M}sheet")
        visible = [i for i, s in enumerate(sheet_list) if s.get("state", "visible") == "visible"]
        for view in self.workbook.iterfind(f"{_M}bookViews/{_M}workbookView"):
            active = int(view.get("activeTab", "0"))
            if active not in visible and visible:
                view.set("activeTab", str(visible[0]))
