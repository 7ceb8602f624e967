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
