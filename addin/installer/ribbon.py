"""The Segmentation ribbon tab, as data: buttons, their tags, icons and handlers.

The customUI XML is generated from this table, and every button calls one VBA callback
(`SegmentationRibbon.OnButton`) that hands the button's tag to Python. Tags are fixed
here, in the add-in; nothing in a user's workbook can choose what runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

# The 2009 schema (Office 2010 and later), the one that belongs behind the
# .../2007/relationships/ui/extensibility relationship xlwings' add-in carries.
CUSTOMUI_NAMESPACE = "http://schemas.microsoft.com/office/2009/07/customui"
CALLBACK_MODULE = "SegmentationRibbon"
CALLBACK = f"{CALLBACK_MODULE}.OnButton"
TAB_ID = "segmentationTab"
TAB_LABEL = "Segmentation"


@dataclass(frozen=True)
class Button:
    id: str
    label: str
    tag: str
    image_mso: str  # an icon from Office's built-in set
    group: str
    screentip: str
    size: str = "large"


BUTTONS = (
    Button("btnRfm", "RFM Segments", "rfm", "PivotTableLayoutReportLayout", "Segment",
           "Score R, F and M and name each customer's segment, beside your table."),
    Button("btnCluster", "Cluster Segments", "cluster", "DiagramRadialInsertClassic", "Segment",
           "Find 3 to 6 behavioural clusters with readable names."),
    Button("btnSummary", "Segment Summary", "summary", "ChartInsert", "Segment",
           "Refresh the Segment Summary sheet and its charts."),
    Button("btnValue", "Customer Value", "value", "AccountingFormat", "Segment",
           "Expected purchases, P(alive) and predicted CLV per customer and per segment."),
    Button("btnApply", "Apply Saved Model", "apply", "ImportSavedImports", "Model",
           "Score new customers with the model saved in this workbook."),
    Button("btnCompare", "Compare with Last Run", "compare", "RefreshAll", "Model",
           "Score with the saved model and show who moved between segments since the "
           "last run: a Segment Changes sheet."),
    Button("btnImport", "Import Log", "import", "ImportTextFile", "Model",
           "Aggregate a CSV or Parquet transaction log of any size into a Customers sheet."),
    Button("btnCheck", "Check Data", "check", "ReviewShowOrHideComment", "Model",
           "Report what the data needs fixing, without changing anything."),
    Button("btnSettings", "Settings", "settings", "PropertySheet", "Help",
           "Open the Segmentation Settings sheet (created if missing)."),
    Button("btnHelp", "Help", "help", "Help", "Help",
           "What each button does, and where to read more."),
)  # fmt: skip

GROUPS = {"Segment": "Segment customers", "Model": "Saved model and data", "Help": "Settings"}


def customui_xml() -> str:
    """The ribbon XML for the add-in (deterministic: same table, same bytes)."""
    lines = [
        f'<customUI xmlns="{CUSTOMUI_NAMESPACE}">',
        "  <ribbon>",
        "    <tabs>",
        f"      <tab id={quoteattr(TAB_ID)} label={quoteattr(TAB_LABEL)}>",
    ]
    for group, label in GROUPS.items():
        lines.append(f"        <group id={quoteattr('grp' + group)} label={quoteattr(label)}>")
        for b in (b for b in BUTTONS if b.group == group):
            lines.append(
                f"          <button id={quoteattr(b.id)} label={quoteattr(b.label)} "
                f"size={quoteattr(b.size)} imageMso={quoteattr(b.image_mso)} "
                f"tag={quoteattr(b.tag)} screentip={quoteattr(b.label)} "
                f"supertip={quoteattr(b.screentip)} onAction={quoteattr(CALLBACK)}/>"
            )
        lines.append("        </group>")
    lines += ["      </tab>", "    </tabs>", "  </ribbon>", "</customUI>", ""]
    return "\n".join(lines)


# Campaigns and readouts (issue 17).
BUTTONS += (
    Button("btnCampaign", "Campaign", "campaign", "FilterToggleFilter", "Campaign",
           "Treatment and Control groups for the segments named on the Settings sheet."),
    Button("btnReadout", "Readout", "readout", "ChartInsert", "Campaign",
           "Choose the responses file: lift per segment against the control group."),
)  # fmt: skip
GROUPS = {**GROUPS, "Campaign": "Campaigns"}
