"""An Open Packaging Conventions package (.xlsx/.xlsm) held as its parts, edited and saved.

Parts nobody changed are written back with exactly the bytes they came with, in their
original order and compression; only parts the tool replaces, adds or removes differ.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path

from lxml import etree

from addin.files.package.zipwriter import ZipWriter

CONTENT_TYPES = "[Content_Types].xml"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"

REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
WORKSHEET_REL = REL_TYPE + "worksheet"
DRAWING_REL = REL_TYPE + "drawing"
CHART_REL = REL_TYPE + "chart"
TABLE_REL = REL_TYPE + "table"
VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"

SHEET_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False, huge_tree=True)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def rels_name(part: str) -> str:
    """The relationships part of ``part`` (``xl/_rels/workbook.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source: str, target: str) -> str:
    """A relationship target, relative to its source part, as a package path."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def relative(source: str, part: str) -> str:
    return posixpath.relpath(part, posixpath.dirname(source) or ".")


class Relationships:
    """The relationships of one part: id -> (type, target, external)."""

    def __init__(self, package: Package, source: str) -> None:
        self.package, self.source = package, source
        data = package.read(rels_name(source)) if package.has(rels_name(source)) else None
        self.root = parse(data) if data else etree.Element(f"{{{REL_NS}}}Relationships",
                                                            nsmap={None: REL_NS})  # fmt: skip
        self.changed = False

    def __iter__(self):
        return iter(self.root.iter(f"{{{REL_NS}}}Relationship"))

    def target(self, rel: etree._Element) -> str | None:
        """The package path a relationship points to; None for an external one."""
        if rel.get("TargetMode") == "External":
            return None
        return resolve(self.source, rel.get("Target", ""))

    def by_id(self, rel_id: str) -> etree._Element | None:
        return next((r for r in self if r.get("Id") == rel_id), None)

    def of_type(self, rel_type: str) -> list[etree._Element]:
        return [r for r in self if r.get("Type") == rel_type]

    def add(self, rel_type: str, part: str) -> str:
        taken = {r.get("Id") for r in self}
        number = len(taken) + 1
        while f"rId{number}" in taken:
            number += 1
        rel_id = f"rId{number}"
        etree.SubElement(
            self.root,
            f"{{{REL_NS}}}Relationship",
            Id=rel_id,
            Type=rel_type,
            Target=relative(self.source, part),
        )
        self.changed = True
        return rel_id

    def remove(self, rel: etree._Element) -> None:
        self.root.remove(rel)
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        if len(self.root):
            self.package.write(rels_name(self.source), serialize(self.root))
        else:
            self.package.delete(rels_name(self.source))


class Package:
    """The parts of a zip package; reads lazily, keeps untouched parts' bytes."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._handle: zipfile.ZipFile | None = None
        self._changed: dict[str, bytes] = {}
        self._deleted: set[str] = set()
        self._index()
        self.content_types = parse(self._zip.read(CONTENT_TYPES))

    def _index(self) -> None:
        """Where each part is in the file (read again if the file was replaced since)."""
        status = self.path.stat()
        self._stamp = (status.st_size, status.st_mtime_ns)
        self._handle = zipfile.ZipFile(self.path)
        self._infos = {info.filename: info for info in self._handle.infolist()}
        self._order = list(self._infos)

    # ----------------------------------------------------------------- parts
    def names(self) -> list[str]:
        present = [n for n in self._order if n not in self._deleted]
        return present + [n for n in self._changed if n not in self._infos]

    def has(self, name: str) -> bool:
        return name in self._changed or (name in self._infos and name not in self._deleted)

    def read(self, name: str) -> bytes:
        if name in self._changed:
            return self._changed[name]
        if name in self._deleted or name not in self._infos:
            raise KeyError(name)
        return self._zip.read(self._infos[name])

    def write(self, name: str, data: bytes) -> None:
        self._changed[name] = data
        self._deleted.discard(name)

    def delete(self, name: str) -> None:
        self._changed.pop(name, None)
        if name in self._infos:
            self._deleted.add(name)

    def delete_part(self, name: str) -> None:
        """A part, its relationships part and its content-type override."""
        self.delete(name)
        self.delete(rels_name(name))
        self.remove_override(name)

    def free_name(self, pattern: str) -> str:
        """The first free part name from a pattern such as ``xl/charts/chart{}.xml``."""
        taken = {n.lower() for n in self.names()}
        number = 1
        while pattern.format(number).lower() in taken:
            number += 1
        return pattern.format(number)

    def rels(self, source: str) -> Relationships:
        return Relationships(self, source)

    # --------------------------------------------------------- content types
    def _override(self, name: str) -> etree._Element | None:
        wanted = "/" + name
        for item in self.content_types.iter(f"{{{CT_NS}}}Override"):
            if item.get("PartName", "").lower() == wanted.lower():
                return item
        return None

    def content_type(self, name: str) -> str | None:
        item = self._override(name)
        if item is not None:
            return item.get("ContentType")
        extension = posixpath.splitext(name)[1].lstrip(".").lower()
        for item in self.content_types.iter(f"{{{CT_NS}}}Default"):
            if item.get("Extension", "").lower() == extension:
                return item.get("ContentType")
        return None

    def set_override(self, name: str, content_type: str) -> None:
        item = self._override(name)
        if item is None:
            item = etree.SubElement(self.content_types, f"{{{CT_NS}}}Override")
            item.set("PartName", "/" + name)
        item.set("ContentType", content_type)

    def remove_override(self, name: str) -> None:
        item = self._override(name)
        if item is not None:
            self.content_types.remove(item)

    def ensure_default(self, extension: str, content_type: str) -> None:
        for item in self.content_types.iter(f"{{{CT_NS}}}Default"):
            if item.get("Extension", "").lower() == extension.lower():
                return
        item = etree.SubElement(self.content_types, f"{{{CT_NS}}}Default",
                                Extension=extension, ContentType=content_type)  # fmt: skip
        self.content_types.insert(0, item)

    def workbook_part(self) -> str:
        root = self.rels("")
        office = REL_TYPE + "officeDocument"
        return next(root.target(r) for r in root.of_type(office))

    # ----------------------------------------------------------------- saving
    def save(self, path: Path) -> None:
        """Write the package; unchanged parts keep their compressed bytes and date."""
        self.write(CONTENT_TYPES, serialize(self.content_types))
        try:
            with open(path, "wb") as target:
                writer = ZipWriter(target)
                for name in self.names():
                    info = self._infos.get(name)
                    if name in self._changed:
                        writer.add(name, self._changed[name], _date_of(info))
                    else:
                        writer.copy(self._zip.fp, info)
                writer.close()
        except (OverflowError, ValueError):  # ZIP64 or an unusual entry: zipfile does it
            self._save_with_zipfile(path)

    def _save_with_zipfile(self, path: Path) -> None:
        with zipfile.ZipFile(path, "w", allowZip64=True) as out:
            for name in self.names():
                info = self._infos.get(name)
                if name in self._changed:
                    fresh = zipfile.ZipInfo(name, date_time=_date_of(info))
                    fresh.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(fresh, self._changed[name])
                else:
                    out.writestr(_copy_info(info), self._zip.read(info))

    @property
    def _zip(self) -> zipfile.ZipFile:
        """The source file, opened when needed: closed, it can be replaced (Windows)."""
        if self._handle is None:
            status = self.path.stat()
            if (status.st_size, status.st_mtime_ns) != self._stamp:
                self._index()  # replaced (saved in place): the same parts, new places
            else:
                self._handle = zipfile.ZipFile(self.path)
        return self._handle

    def close(self) -> None:
        """Release the source file; reading a part opens it again."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None


def _date_of(info: zipfile.ZipInfo | None) -> tuple[int, ...]:
    return info.date_time if info is not None else (1980, 1, 1, 0, 0, 0)


def _copy_info(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    copy.compress_type = info.compress_type
    copy.external_attr = info.external_attr
    return copy


def part_number(name: str) -> int:
    found = re.search(r"(\d+)\.\w+$", name)
    return int(found.group(1)) if found else 0
