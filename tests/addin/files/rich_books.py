"""Workbooks as users decorate them: a messy Excel Table beside charts, text boxes,
pictures, comments, data validation, defined names, a pivot table and macros.

Built with XlsxWriter (which writes all of these the way Excel does), plus a pivot
table and cache added at package level (no Python library writes one).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import xlsxwriter

EXAMPLES = Path(__file__).parents[3] / "examples"
PICTURE = EXAMPLES / "segment-summary.png"
CUSTOMERS = 40


def customer_rows() -> list[list[object]]:
    """40 customers with the mess real tables have: padded ids, text numbers, gaps."""
    rows = []
    for i in range(CUSTOMERS):
        last = dt.datetime(2025, 1, 1) + dt.timedelta(days=(i * 37) % 300)
        orders: object = 1 + (i * 7) % 11
        spend: object = round(20 + (i * 53) % 900 + i / 7, 2)
        customer: object = f"C{i:03d}"
        if i % 9 == 0:
            customer = f"  C{i:03d} "  # stray spaces
        if i % 10 == 3:
            orders = str(orders)  # a number typed as text
        if i % 13 == 5:
            spend = f"{spend:,.2f}"
        if i == 17:
            last = last.date().isoformat()  # a date typed as text
        rows.append([customer, last, orders, spend])
    return rows


def vba_project() -> bytes:
    """A real VBA project (xlwings' add-in), as Excel stores it."""
    from addin.installer.xlam import xlwings_addin

    with zipfile.ZipFile(xlwings_addin()) as package:
        return package.read("xl/vbaProject.bin")


def build(
    path: Path,
    *,
    picture: bool = False,
    pivot: bool = False,
    vba: bool = False,
) -> Path:
    """The issue's workbook: an Excel Table with messy data; a Notes sheet with a formula,
    a defined name, data validation, a comment, a bar chart and a text box."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"created": dt.datetime(2026, 1, 1)})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Customers")
    rows = customer_rows()
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, dt.datetime):
                sheet.write_datetime(i, j, value, dates)
            elif isinstance(value, str):
                sheet.write_string(i, j, value)
            else:
                sheet.write_number(i, j, value)
    headers = ("Customer ID", "Last Purchase", "Orders", "Total Spend")
    sheet.add_table(
        0, 0, len(rows), 3, {"name": "Customers", "columns": [{"header": h} for h in headers]}
    )
    sheet.set_column(0, 3, 14)

    notes = book.add_worksheet("Notes")
    notes.write_string(0, 0, "Region")
    notes.write_string(0, 1, "Budget")
    for i, (region, budget) in enumerate((("North", 120), ("South", 90), ("West", 150)), 1):
        notes.write_string(i, 0, region)
        notes.write_number(i, 1, budget)
    notes.write_formula(4, 1, "=SUM(B2:B4)", None, 360)
    notes.write_string(4, 0, "Total")
    book.define_name("TotalBudget", "=Notes!$B$5")
    notes.data_validation(1, 2, 3, 2, {"validate": "list", "source": ["Yes", "No"]})
    notes.write_comment(4, 1, "Sum of the three regions' budgets.")
    chart = book.add_chart({"type": "bar"})
    chart.add_series({"name": "Budget", "categories": "=Notes!$A$2:$A$4",
                      "values": "=Notes!$B$2:$B$4"})  # fmt: skip
    chart.set_title({"name": "Budget by region"})
    notes.insert_chart("E2", chart)
    notes.insert_textbox("E20", "Budgets agreed in January.", {"width": 240, "height": 60})
    if picture:
        notes.insert_image("M2", str(PICTURE), {"x_scale": 0.3, "y_scale": 0.3})
    if vba:
        book.add_vba_project(io.BytesIO(vba_project()), is_stream=True)
    if pivot:
        book.add_worksheet("Pivot")
    book.close()
    if pivot:
        add_pivot_table(path, "Pivot", "Customers", f"A1:D{CUSTOMERS + 1}")
    return path


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_PIVOT_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/pivotTable"
_CACHE_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/pivotCacheDefinition"
)

CACHE = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="{_MAIN}" xmlns:r="{_R}" refreshOnLoad="1" saveData="0"
 createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" recordCount="0">
<cacheSource type="worksheet"><worksheetSource ref="{{ref}}" sheet="{{sheet}}"/></cacheSource>
<cacheFields count="4">
<cacheField name="Customer ID" numFmtId="0"><sharedItems/></cacheField>
<cacheField name="Last Purchase" numFmtId="0"><sharedItems/></cacheField>
<cacheField name="Orders" numFmtId="0"><sharedItems/></cacheField>
<cacheField name="Total Spend" numFmtId="0"><sharedItems/></cacheField>
</cacheFields></pivotCacheDefinition>"""

PIVOT = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="{_MAIN}" name="SpendPivot" cacheId="1" dataCaption="Values"
 createdVersion="6" updatedVersion="6" minRefreshableVersion="3" applyNumberFormats="0"
 applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0"
 applyAlignmentFormats="0" applyWidthHeightFormats="1">
<location ref="A3:A4" firstHeaderRow="1" firstDataRow="1" firstDataCol="0"/>
<pivotFields count="4"><pivotField showAll="0"/><pivotField showAll="0"/>
<pivotField showAll="0"/><pivotField dataField="1" showAll="0"/></pivotFields>
<dataFields count="1"><dataField name="Sum of Total Spend" fld="3" baseField="0" baseItem="0"/>
</dataFields></pivotTableDefinition>"""


def add_pivot_table(path: Path, on_sheet: str, source_sheet: str, ref: str) -> None:
    """A pivot table (and its cache) summing Total Spend, as Excel stores one."""
    from lxml import etree

    with zipfile.ZipFile(path) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    workbook = etree.fromstring(parts["xl/workbook.xml"])
    sheet_part = _sheet_part(parts, on_sheet)
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = CACHE.format(
        ref=ref, sheet=source_sheet
    ).encode()
    parts["xl/pivotTables/pivotTable1.xml"] = PIVOT.encode()
    parts["xl/pivotTables/_rels/pivotTable1.xml.rels"] = _rels(
        [("rId1", _CACHE_REL, "../pivotCache/pivotCacheDefinition1.xml")]
    )
    folder, name = sheet_part.rsplit("/", 1)
    parts[f"{folder}/_rels/{name}.rels"] = _rels(
        [("rId1", _PIVOT_REL, "../pivotTables/pivotTable1.xml")]
    )
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    etree.SubElement(rels, f"{{{rels.nsmap[None]}}}Relationship", Id="rIdPivotCache1",
                     Type=_CACHE_REL, Target="pivotCache/pivotCacheDefinition1.xml")  # fmt: skip
    parts["xl/_rels/workbook.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    caches = etree.Element(f"{{{_MAIN}}}pivotCaches")
    cache = etree.SubElement(caches, f"{{{_MAIN}}}pivotCache", cacheId="1")
    cache.set(f"{{{_R}}}id", "rIdPivotCache1")
    workbook.find(f"{{{_MAIN}}}calcPr").addnext(caches)
    parts["xl/workbook.xml"] = etree.tostring(workbook, xml_declaration=True, encoding="UTF-8",
                                              standalone=True)  # fmt: skip
    types = parts["[Content_Types].xml"].decode()
    extra = (
        f'<Override PartName="/xl/pivotCache/pivotCacheDefinition1.xml" '
        f'ContentType="{_CT}pivotCacheDefinition+xml"/>'
        f'<Override PartName="/xl/pivotTables/pivotTable1.xml" '
        f'ContentType="{_CT}pivotTable+xml"/>'
    )
    parts["[Content_Types].xml"] = types.replace("</Types>", extra + "</Types>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)


def _sheet_part(parts: dict[str, bytes], sheet: str) -> str:
    from lxml import etree

    workbook = etree.fromstring(parts["xl/workbook.xml"])
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    rel_id = next(s.get(f"{{{_R}}}id") for s in workbook.iter(f"{{{_MAIN}}}sheet")
                  if s.get("name") == sheet)  # fmt: skip
    target = next(r.get("Target") for r in rels if r.get("Id") == rel_id)
    return "xl/" + target


def _rels(items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{body}</Relationships>"
    ).encode()
