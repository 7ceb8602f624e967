"""Sheet, table and settings names that are part of the product.

Templates and users' workbooks refer to these exact strings: define them here once.
Column names live in :mod:`segmentation.names`.
"""

from segmentation import names as columns

MAX_SHEET_ROWS = 1_048_575  # Excel's limit, less the header row

CUSTOMERS_SHEET = "Customers"
SUMMARY_SHEET = "Segment Summary"
CLUSTERS_SHEET = "Cluster Profiles"
MODEL_SHEET = "Segmentation Model"
SETTINGS_SHEET = "Segmentation Settings"

# Excel Table names (no spaces allowed).
CUSTOMERS_TABLE = "SegmentedCustomers"
SUMMARY_TABLE = "SegmentSummary"
CLUSTERS_TABLE = "ClusterProfiles"
K_CURVE_TABLE = "ClusterKSelection"

# Columns written beside a customer table (plus Recency when derived from a date).
SCORE_COLUMNS = (
    columns.R_SCORE,
    columns.F_SCORE,
    columns.M_SCORE,
    columns.RFM_SCORE,
    columns.RFM_SEGMENT,
)
CLUSTER_COLUMNS = (columns.CLUSTER, columns.CLUSTER_NAME)

# Preferred input table names, in order (compared ignoring case and spaces).
INPUT_TABLE_NAMES = ("customers", "customer", "transactions", "transaction", "orders", "sales")

# The modules installed add-ins import by name: the functions (the add-in's config and
# the VBA wrappers name it) and the ribbon buttons (SegmentationRibbon.bas names it).
# Both are thin shims over addin.excel; keep these names for add-ins already installed.
FUNCTIONS_IMPORT = "addin.udfs"
BUTTONS_IMPORT = "addin.ribbon_actions"

# The add-in's name for its own files: the user config in ~/.segmentation (what the
# hardened VBA reads) and the log of unexpected errors beside it.
PROJECT_NAME = "segmentation"
ERROR_LOG = "ribbon-errors.log"

# Campaigns and readouts (issue 17).
CAMPAIGN_PREFIX = "Campaign "  # + the campaign's name: its customer list
READOUT_PREFIX = "Readout "  # + the campaign's name: its results
CAMPAIGNS_SHEET = "Segmentation Campaigns"  # hidden: the campaigns drawn in a workbook
# Safe writes: names of the tool's temporary, lock and backup files beside a user's file.
# Temporaries carry the writing process's id, so a later run can tell a killed run's
# leftovers from a live run's work.
TEMPORARY_PREFIX = ".~segment-"
LOCK_NAME = ".~segment-lock.{name}"
BACKUP_NAME = "{stem} (backup {stamp}){suffix}"
MAX_CELL_CHARACTERS = 32_767  # Excel's limit for the text of one cell (UTF-16 units)
# Customer value: the sheet and its Excel Tables.
VALUE_SHEET = "Customer Value"
VALUE_SEGMENTS_TABLE = "CustomerValueBySegment"
VALUE_TRACKING_TABLE = "CustomerValueTracking"
# Change over time: the Segment Changes and Segment History sheets, and the hidden snapshot
# of last run's segments kept for a customer table (its own rows may be pasted over).
CHANGES_SHEET = "Segment Changes"
HISTORY_SHEET = "Segment History"
SNAPSHOT_SHEET = "Segmentation Last Run"
CHANGES_MATRIX_TABLE = "SegmentMoves"
CHANGES_CUSTOMERS_TABLE = "SegmentMovers"
HISTORY_TABLE = "SegmentHistory"
SNAPSHOT_TABLE = "SegmentationLastRun"
CHANGE_COLUMNS = (columns.PREVIOUS_SEGMENT, columns.MOVEMENT, columns.PREVIOUS_CLUSTER)
# Pseudonymised runs (issue 17, privacy): the key file the Excel side reads, in the user's
# home folder, when the SEGMENT_PSEUDONYM_KEY environment variable is not set.
PSEUDONYM_KEY_FILE = f".{PROJECT_NAME}/pseudonym.key"
