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

# Change over time (segmentation.change): drift threshold, top moves, history periods.
PSI_REFIT = 0.25  # above this, the saved break points no longer describe the data
PSI_WATCH = 0.10  # between this and PSI_REFIT: a moderate shift worth watching
PSI_FLOOR = 1e-4  # an empty bin's share, so the PSI stays finite
DRIFT_FEATURE_BINS = 10  # cluster features are binned at the previous period's deciles
TOP_TIERS = 2  # tiers 1..TOP_TIERS are "the top": downgrades out of them matter most
TOP_MOVES = 10
HISTORY_FREQUENCIES = ("month", "quarter")
HISTORY_PERIODS = 12
