"""The segment maps that ship with the product, and the columns of a segment map.

The default map names all 125 score combinations on five bins with 11 segments; the
R rfm package's vignette map has 10. Both are plain tables a user can edit.
"""

from __future__ import annotations

import pandas as pd

SEGMENT = "Segment"
DESCRIPTION = "Description"
ACTION = "Action"
TIER = "Tier"
RANGE_COLUMNS = ("R Min", "R Max", "F Min", "F Max", "M Min", "M Max", "FM Min", "FM Max")
MAP_COLUMNS = (SEGMENT, *RANGE_COLUMNS, DESCRIPTION, ACTION, TIER)

# The common 11-segment grid: recency score against the mean of F and M.
# Every one of the 125 score combinations on five bins lands in exactly one row.
_DEFAULT_ROWS = [
    (
        "Champions",
        4,
        5,
        4,
        5,
        "Bought recently, buy often and spend the most.",
        "Reward them: loyalty perks, early access to new products; ask for reviews and referrals.",
    ),
    (
        "Loyal",
        3,
        5,
        3,
        5,
        "Spend well and come back regularly.",
        "Upsell higher-value products; enrol them in the loyalty programme.",
    ),
    (
        "Potential Loyalist",
        4,
        5,
        2,
        2.5,
        "Recent customers with average frequency and spend.",
        "Offer membership or a loyalty programme; recommend related products.",
    ),
    (
        "New",
        5,
        5,
        1,
        1.5,
        "Bought very recently, but only once or for little.",
        "Give a warm onboarding: welcome series, first-month support, a second-purchase offer.",
    ),
    (
        "Promising",
        4,
        4,
        1,
        1.5,
        "Fairly recent shoppers who have not spent much yet.",
        "Build the relationship: free shipping threshold, product education, a small incentive.",
    ),
    (
        "Need Attention",
        3,
        3,
        2,
        2.5,
        "Average recency, frequency and spend, drifting.",
        "Send limited-time, personalised offers based on past purchases before they slip.",
    ),
    (
        "About to Sleep",
        3,
        3,
        1,
        1.5,
        "Below-average recency, frequency and spend.",
        "Reconnect with popular products and a discount; ask what would bring them back.",
    ),
    (
        "Can't Lose Them",
        1,
        2,
        4.5,
        5,
        "Used to buy most often and spend the most, but have not come back for a long time.",
        "Win them back personally: account-manager call, strong offer, survey what went wrong.",
    ),
    (
        "At Risk",
        1,
        2,
        3,
        4,
        "Spent good money and bought often, but long ago.",
        "Send personalised reactivation emails and renewal offers with helpful resources.",
    ),
    (
        "Hibernating",
        2,
        2,
        1,
        2.5,
        "Last purchase long ago, few orders, low spend.",
        "Offer relevant products and special discounts; recreate brand value cheaply.",
    ),
    (
        "Lost",
        1,
        1,
        1,
        2.5,
        "Lowest recency, frequency and spend.",
        "Try one low-cost reactivation campaign; otherwise stop spending on them.",
    ),
]

# The ten segments of the R `rfm` package's vignette, with its R/F/M score ranges.
_R_VIGNETTE_ROWS = [
    (
        "Champions",
        (5, 5),
        (5, 5),
        (5, 5),
        "Best customers: recent, frequent, high spend.",
        "Reward them and make them ambassadors.",
    ),
    (
        "Potential Loyalist",
        (3, 5),
        (3, 5),
        (2, 5),
        "Recent customers with good frequency.",
        "Offer a membership or loyalty programme.",
    ),
    (
        "Loyal Customers",
        (2, 4),
        (2, 4),
        (2, 4),
        "Steady customers who respond to promotions.",
        "Upsell higher-value products; ask for reviews.",
    ),
    (
        "Promising",
        (3, 4),
        (1, 3),
        (3, 5),
        "Recent shoppers who have not bought often.",
        "Create brand awareness; offer free trials.",
    ),
    (
        "New Customers",
        (4, 5),
        (1, 3),
        (1, 5),
        "Bought most recently, but not often.",
        "Provide onboarding support and early success.",
    ),
    (
        "Can't Lose Them",
        (1, 2),
        (3, 4),
        (4, 5),
        "Made big purchases, often, but long ago.",
        "Win them back with renewals or new products.",
    ),
    (
        "At Risk",
        (1, 2),
        (2, 5),
        (4, 5),
        "Spent big and bought often, but long ago.",
        "Send personalised emails to reconnect.",
    ),
    (
        "Need Attention",
        (1, 3),
        (3, 5),
        (3, 5),
        "Above-average values that are slipping.",
        "Make limited-time offers based on past purchases.",
    ),
    (
        "About To Sleep",
        (2, 3),
        (1, 3),
        (1, 4),
        "Below-average recency and frequency.",
        "Share valuable resources and popular products.",
    ),
    (
        "Lost",
        (1, 1),
        (1, 5),
        (1, 5),
        "Lowest recency: gone for a long time.",
        "Revive interest with outreach; otherwise ignore.",
    ),
]


# Tiers rank segments by value for "moved up" and "moved down" (1 = the top tier).
# Segments of one tier are worth about the same: a move between them is no change.
SHIPPED_TIERS = {
    "Champions": 1,
    "Loyal": 1,
    "Loyal Customers": 1,
    "Potential Loyalist": 2,
    "New": 2,
    "New Customers": 2,
    "Promising": 2,
    "Need Attention": 3,
    "Can't Lose Them": 4,
    "At Risk": 4,
    "About to Sleep": 4,
    "About To Sleep": 4,
    "Hibernating": 5,
    "Lost": 5,
}


def default_table() -> pd.DataFrame:
    rows = [
        {
            SEGMENT: name,
            "R Min": r0,
            "R Max": r1,
            "FM Min": fm0,
            "FM Max": fm1,
            DESCRIPTION: text,
            ACTION: action,
            TIER: SHIPPED_TIERS[name],
        }
        for name, r0, r1, fm0, fm1, text, action in _DEFAULT_ROWS
    ]
    return pd.DataFrame(rows).reindex(columns=list(MAP_COLUMNS))


def r_vignette_table() -> pd.DataFrame:
    rows = [
        {
            SEGMENT: name,
            "R Min": r[0],
            "R Max": r[1],
            "F Min": f[0],
            "F Max": f[1],
            "M Min": m[0],
            "M Max": m[1],
            DESCRIPTION: text,
            ACTION: action,
            TIER: SHIPPED_TIERS[name],
        }
        for name, r, f, m, text, action in _R_VIGNETTE_ROWS
    ]
    return pd.DataFrame(rows).reindex(columns=list(MAP_COLUMNS))
