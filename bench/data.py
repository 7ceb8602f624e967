"""Synthetic transaction logs shaped like real retail data, generated reproducibly.

Purchase counts per customer follow a Pareto-like (Zipf) law, so most customers buy
once and a few buy very often; amounts are lognormal; dates spread over two years with
each customer's purchases after their first visit. Sizes are given in transactions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = np.datetime64("2023-01-01")
DAYS = 730


def transactions(n_transactions: int, *, customers_per_transaction: float = 0.1, seed: int = 0):
    """A transaction log with ``n_transactions`` rows and about a tenth as many customers.

    Columns: ``Customer ID`` (int64), ``Order Date`` (datetime64), ``Amount`` (float64).
    """
    rng = np.random.default_rng(seed)
    n_customers = max(1, int(n_transactions * customers_per_transaction))
    counts = rng.zipf(1.9, n_customers).astype(np.int64)
    counts = np.minimum(counts, 500)
    # Scale the counts so that they add up to exactly n_transactions.
    counts = np.maximum(1, np.floor(counts * (n_transactions / counts.sum()))).astype(np.int64)
    shortfall = n_transactions - counts.sum()
    if shortfall > 0:
        np.add.at(counts, rng.integers(0, n_customers, shortfall), 1)
    elif shortfall < 0:
        big = np.flatnonzero(counts > 1)
        counts[big[:-shortfall]] -= 1
    ids = np.repeat(np.arange(1, n_customers + 1, dtype=np.int64), counts)
    first_visit = rng.integers(0, DAYS, n_customers)
    offsets = first_visit[ids - 1] + rng.integers(0, DAYS, len(ids)) % (DAYS - first_visit[ids - 1])
    dates = START + offsets.astype("timedelta64[D]")
    amounts = np.round(rng.lognormal(3.5, 0.9, len(ids)), 2)
    returns = rng.random(len(ids)) < 0.02
    amounts[returns] *= -1
    order = rng.permutation(len(ids))
    return pd.DataFrame(
        {
            "Customer ID": ids[order],
            "Order Date": dates[order].astype("datetime64[ns]"),
            "Amount": amounts[order],
        }
    )
