"""Seeded sample data for the templates: realistic sizes, skews and attributes."""

from __future__ import annotations

import numpy as np
import pandas as pd

END = pd.Timestamp("2024-12-31")


def transactions(n_customers: int = 400, seed: int = 11) -> pd.DataFrame:
    """Order lines of an online shop over two years (Pareto-like repeat purchases)."""
    rng = np.random.default_rng(seed)
    orders = 1 + np.minimum(rng.pareto(1.4, n_customers).astype(int), 30)
    customer = np.repeat(np.arange(n_customers), orders)
    first = rng.integers(0, 700, n_customers)
    offset = first[customer] + rng.integers(0, 730, len(customer)) % (730 - first[customer])
    dates = END - pd.to_timedelta(729 - offset, unit="D")
    amounts = np.round(rng.lognormal(3.6, 0.7, len(customer)), 2)
    frame = pd.DataFrame(
        {
            "Order ID": [f"SO-{10_000 + i}" for i in range(len(customer))],
            "Customer ID": [f"CU-{1_000 + c}" for c in customer],
            "Order Date": dates,
            "Amount": amounts,
            "Channel": np.array(["Web", "App", "Store"])[rng.choice(3, len(customer),
                                                                    p=[0.55, 0.3, 0.15])],
        }
    )  # fmt: skip
    return frame.sort_values(["Order Date", "Order ID"]).reset_index(drop=True)


def customers(n: int = 600, seed: int = 23) -> pd.DataFrame:
    """A customer table with behaviour (last purchase, orders, spend) and attributes."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, n, p=[0.2, 0.35, 0.45])
    orders = np.select([group == 0, group == 1], [rng.integers(8, 30, n), rng.integers(2, 8, n)], 1)
    spend = np.round(orders * rng.lognormal(np.array([4.4, 3.9, 3.4])[group], 0.4), 2)
    days = np.select(
        [group == 0, group == 1],
        [rng.integers(1, 45, n), rng.integers(30, 200, n)],
        rng.integers(150, 700, n),
    )
    return pd.DataFrame(
        {
            "Customer ID": [f"CU-{5_000 + i}" for i in range(n)],
            "Last Purchase": END - pd.to_timedelta(days, unit="D"),
            "Orders": orders,
            "Total Spend": spend,
            "Age": rng.integers(18, 80, n),
            "Tenure Months": np.minimum(120, orders * 3 + rng.integers(0, 24, n)),
            "Satisfaction": np.clip(np.round(4.5 - group * 0.8 + rng.normal(0, 0.7, n)), 1, 5),
            "Region": np.array(["North", "South", "East", "West"])[rng.integers(0, 4, n)],
            "Plan": np.array(["Premium", "Standard", "Basic"])[
                np.clip(group + rng.integers(-1, 2, n), 0, 2)
            ],
        }
    )
