"""Column names that are part of the product.

Templates, formulas and users' own sheets refer to these exact strings, so each
is defined here once and used from here everywhere else.
"""

CUSTOMER_ID = "Customer ID"
LAST_PURCHASE = "Last Purchase"
RECENCY = "Recency"
FREQUENCY = "Frequency"
MONETARY = "Monetary"

R_SCORE = "R"
F_SCORE = "F"
M_SCORE = "M"
RFM_SCORE = "RFM Score"
RFM_SEGMENT = "RFM Segment"

CLUSTER = "Cluster"
CLUSTER_NAME = "Cluster Name"

RFM_VALUES = (RECENCY, FREQUENCY, MONETARY)
RFM_SCORES = (R_SCORE, F_SCORE, M_SCORE)

# Dimension keys used in parameters and saved models.
DIMENSIONS = ("recency", "frequency", "monetary")
VALUE_COLUMN = dict(zip(DIMENSIONS, RFM_VALUES))
SCORE_COLUMN = dict(zip(DIMENSIONS, RFM_SCORES))

# Columns of the segment and cluster profiles (the Segment Summary and Cluster Profiles).
SEGMENT = "Segment"
CUSTOMERS = "Customers"
SHARE_CUSTOMERS = "% Customers"
REVENUE = "Revenue"
SHARE_REVENUE = "% Revenue"
PRIORITY = "Priority"
DESCRIPTION = "Description"
ACTION = "Recommended Action"

# Campaigns and readouts (issue 17).
GROUP = "Group"
TREATMENT, CONTROL = "Treatment", "Control"
GROUPS = (TREATMENT, CONTROL)
RESPONSE = "Response"
# Customer value (segmentation.value): per customer; the horizon follows some headers,
# e.g. "Expected Purchases (12 months)".
FIRST_PURCHASE = "First Purchase"
CUSTOMER_AGE = "Customer Age"
EXPECTED_PURCHASES = "Expected Purchases"
P_ALIVE = "P(Alive)"
EXPECTED_ORDER_VALUE = "Expected Order Value"
PREDICTED_CLV = "Predicted CLV"
VALUE_COLUMNS = (EXPECTED_PURCHASES, P_ALIVE, EXPECTED_ORDER_VALUE, PREDICTED_CLV)
# ... and per segment or cluster.
TOTAL_CLV = "Total Predicted CLV"
MEAN_CLV = "Mean Predicted CLV"
SHARE_CLV = "% Predicted CLV"
MEAN_P_ALIVE = "Mean P(Alive)"
VALUE_AT_RISK = "Value at Risk"
# Change over time (segmentation.change): per-customer columns and the Segment Changes tables.
PREVIOUS_SEGMENT = "Previous Segment"
PREVIOUS_CLUSTER = "Previous Cluster"
MOVEMENT = "Movement"
MOVED_UP, MOVED_DOWN, SAME_TIER, NEW_CUSTOMER, RETURNING = (
    "up", "down", "same", "new", "returning"
)  # fmt: skip
MOVEMENTS = (MOVED_UP, MOVED_DOWN, SAME_TIER, NEW_CUSTOMER, RETURNING)
TIER = "Tier"
PREVIOUS_TIER = "Previous Tier"
NEW_ROW = "(new this period)"  # the matrix row of customers not in the previous period
GONE_COLUMN = "(not present now)"  # the matrix column of customers absent this period
PREVIOUS_MONETARY = "Previous Monetary"
FROM_SEGMENT, TO_SEGMENT = "From", "To"
VALUE_AT_STAKE = "Value at Stake"
DRIFT_MEASURE, PSI, DRIFT_VERDICT = "Measure", "PSI", "Verdict"
PERIOD_END = "Period End"
