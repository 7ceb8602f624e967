"""The user's styles.xml, with the formats the tool needs appended (never changed in place).

Fonts, fills, borders, number formats, cell formats and differential formats from
another package (the tool's rendered sheets) are added once: an identical entry
already there is reused, so running again and again does not grow the file.
"""

from __future__ import annotations

from lxml import etree

from addin.files.package.opc import MAIN_NS, REL_TYPE, Package, parse, serialize

_M = f"{{{MAIN_NS}}}"
FIRST_CUSTOM_FORMAT = 164  # ids below are Excel's built-in number formats
# The order of the lists in a stylesheet (ECMA-376 CT_Stylesheet).
_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
          "dxfs", "tableStyles", "colors", "extLst"]  # fmt: skip


STYLES_REL = REL_TYPE + "styles"
STYLES_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
# What Excel needs at least: one font, the two reserved fills, one border, one format.
EMPTY = (
    f'<styleSheet xmlns="{MAIN_NS}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/>'
    '</font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
    '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/>'
    '<right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="1"><xf '
    'numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs><cellStyles '
    'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
)


def styles_part(package: Package) -> str:
    """The workbook's styles part; a minimal one is added to a workbook without any."""
    workbook = package.workbook_part()
    rels = package.rels(workbook)
    found = rels.of_type(STYLES_REL)
    if found and rels.target(found[0]) and package.has(rels.target(found[0])):
        return rels.target(found[0])
    part = package.free_name("xl/styles{}.xml")
    package.write(part, serialize(parse(EMPTY.encode())))
    package.set_override(part, STYLES_TYPE)
    for rel in found:
        rels.remove(rel)
    rels.add(STYLES_REL, part)
    rels.save()
    return part


def _key(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n", exclusive=True)


class StyleSheet:
    def __init__(self, data: bytes) -> None:
        self.root = parse(data)
        self.changed = False

    def _list(self, tag: str) -> etree._Element:
        found = self.root.find(_M + tag)
        if found is None:
            found = etree.SubElement(self.root, _M + tag, count="0")
            position = _ORDER.index(tag)
            later = [self.root.find(_M + t) for t in _ORDER[position + 1 :]]
            anchor = next((e for e in later if e is not None), None)
            if anchor is None:
                self.root.append(found)
            else:
                anchor.addprevious(found)
        return found

    def _add(self, tag: str, element: etree._Element) -> int:
        """Index of an identical entry in the list ``tag``, appended if absent."""
        items = self._list(tag)
        wanted = _key(element)
        for index, existing in enumerate(items):
            if _key(existing) == wanted:
                return index
        items.append(element)
        items.set("count", str(len(items)))
        self.changed = True
        return len(items) - 1

    def number_format_id(self, code: str) -> int:
        formats = self._list("numFmts")
        for item in formats:
            if item.get("formatCode") == code:
                return int(item.get("numFmtId"))
        used = [int(i.get("numFmtId")) for i in formats]
        new_id = max([FIRST_CUSTOM_FORMAT - 1, *used]) + 1
        etree.SubElement(formats, _M + "numFmt", numFmtId=str(new_id), formatCode=code)
        formats.set("count", str(len(formats)))
        self.changed = True
        return new_id

    def cell_format(self, number_format: str | None = None, base: int | None = None) -> int:
        """A cell format (cellXfs index): ``base``'s look with ``number_format``."""
        xfs = self._list("cellXfs")
        if base is not None and base < len(xfs):
            xf = etree.fromstring(etree.tostring(xfs[base]))
        else:
            xf = etree.fromstring(
                f'<xf xmlns="{MAIN_NS}" numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            )
        if number_format:
            xf.set("numFmtId", str(self.number_format_id(number_format)))
            xf.set("applyNumberFormat", "1")
        return self._add("cellXfs", xf)

    def merge(self, other: bytes) -> tuple[dict[int, int], dict[int, int]]:
        """Add another stylesheet's cell formats; returns (cellXfs map, dxfs map)."""
        source = parse(other)
        number_formats = {
            int(f.get("numFmtId")): self.number_format_id(f.get("formatCode"))
            for f in source.iterfind(f"{_M}numFmts/{_M}numFmt")
        }
        maps = {
            tag: [self._add(tag + "s", _copy(e)) for e in source.iterfind(f"{_M}{tag}s/{_M}{tag}")]
            for tag in ("font", "fill", "border")
        }
        xf_map = {}
        for index, xf in enumerate(source.iterfind(f"{_M}cellXfs/{_M}xf")):
            xf = _copy(xf)
            for attribute, tag in (("fontId", "font"), ("fillId", "fill"), ("borderId", "border")):
                if xf.get(attribute) is not None:
                    xf.set(attribute, str(maps[tag][int(xf.get(attribute))]))
            number = int(xf.get("numFmtId", "0"))
            xf.set("numFmtId", str(number_formats.get(number, number)))
            xf.set("xfId", "0")  # the user's Normal style
            xf_map[index] = self._add("cellXfs", xf)
        dxf_map = {}
        for index, dxf in enumerate(source.iterfind(f"{_M}dxfs/{_M}dxf")):
            dxf = _copy(dxf)
            for number_format in dxf.iter(_M + "numFmt"):  # the id space is the workbook's
                code = number_format.get("formatCode", "")
                number_format.set("numFmtId", str(self.number_format_id(code)))
            dxf_map[index] = self._add("dxfs", dxf)
        return xf_map, dxf_map

    def to_bytes(self) -> bytes:
        return serialize(self.root)


def _copy(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))
