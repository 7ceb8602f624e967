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

# Campaigns, readouts and segment tests (issue 17).
CONTROL_SHARE = 0.10
BASELINE_RESPONSE_RATE = 0.05  # the response rate a campaign's power is planned for
SIGNIFICANCE = 0.05
POWER = 0.80
# A test that can only see a lift above half the baseline rate tells nothing useful.
MAX_USEFUL_RELATIVE_LIFT = 0.5
FISHER_BELOW = 5  # an expected cell count below this: Fisher's exact test, not the z-test
SRM_SIGNIFICANCE = 0.001  # sample-ratio mismatch: the usual, strict threshold
STABLE_JACCARD, UNSTABLE_JACCARD = 0.75, 0.6
BOOTSTRAP_RESAMPLES = 20
BOOTSTRAP_SAMPLE = 2_000  # bootstrap stability runs on at most this many customers
# Customer value (expected purchases, P(alive), CLV): segmentation.value.
VALUE_MODELS = ("bgnbd", "mbgnbd", "auto")
VALUE_MODEL = "auto"
VALUE_UNITS = ("weeks", "days")
VALUE_UNIT = "weeks"  # the papers' unit; the fitted alpha is per this unit
HORIZON = "12m"
HORIZON_UNITS = {"d": "days", "w": "weeks", "m": "months"}
MAX_HORIZON_DAYS = 3653  # ten years
DISCOUNT_RATE = 0.10  # annual
MARGIN = 1.0
MIN_REPEAT_BUYERS = 20  # fewer repeat buyers cannot pin down four parameters
MIN_VALUE_SPAN_DAYS = 28  # a log spanning less says nothing about drop-out
AT_RISK_P_ALIVE = 0.5  # value at risk: predicted CLV of customers below this P(alive)
PRIORITY_BY = ("revenue", "clv")
# Change over time (segmentation.change): drift threshold, top moves, history periods.
PSI_REFIT = 0.25  # above this, the saved break points no longer describe the data
PSI_WATCH = 0.10  # between this and PSI_REFIT: a moderate shift worth watching
PSI_FLOOR = 1e-4  # an empty bin's share, so the PSI stays finite
DRIFT_FEATURE_BINS = 10  # cluster features are binned at the previous period's deciles
TOP_TIERS = 2  # tiers 1..TOP_TIERS are "the top": downgrades out of them matter most
TOP_MOVES = 10
HISTORY_FREQUENCIES = ("month", "quarter")
HISTORY_PERIODS = 12
# Reading and cleaning (hostile inputs): a spreadsheet cell holds at most this much text,
# so a longer id could not be written back whole.
MAX_ID_CHARS = 32_767
# The date orders a user can name instead of a strftime format.
DATE_ORDERS = ("DMY", "MDY", "YMD")
# Amounts beyond this are not money (1e308 overflows any sum): refused, with their rows.
MAX_AMOUNT = 1e15
