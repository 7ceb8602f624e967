"""Defaults, limits and choices of the engine, defined once.

The command line, the Settings sheet, the worksheet functions and their help texts all
take these from here, so a limit cannot drift between front ends.
"""

METHODS = ("rfm", "cluster", "both")
METHOD = "rfm"

N_BINS = 5
MIN_BINS, MAX_BINS = 3, 10
TIE_RULES = ("quantile", "rank")
TIES = "quantile"

# Segments should be few and actionable: k is tried in 3..6 unless asked otherwise.
K_RANGE = (3, 6)
MIN_CLUSTERS, MAX_CLUSTERS = 2, 10

SEGMENT_MAP = "default"
RANDOM_STATE = 0

# Reading and cleaning (hostile inputs): a spreadsheet cell holds at most this much text,
# so a longer id could not be written back whole.
MAX_ID_CHARS = 32_767
# The date orders a user can name instead of a strftime format.
DATE_ORDERS = ("DMY", "MDY", "YMD")
# Amounts beyond this are not money (1e308 overflows any sum): refused, with their rows.
MAX_AMOUNT = 1e15
