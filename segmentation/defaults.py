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
