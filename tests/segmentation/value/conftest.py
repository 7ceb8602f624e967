"""The CDNOW 1/10 sample (2,357 customers) as the papers use it, and simulated logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.conftest import cdnow_path

CALIBRATION_AS_OF = "1997-10-01"  # the analysis date: calibration runs to 1997-09-30


@pytest.fixture(scope="session")
def cdnow_sample() -> pd.DataFrame:
    """CDNOW_sample.txt from the lifetimes package: one line per purchase, with an order
    number per line (identical lines are separate purchases in the published data)."""
    path = cdnow_path()
    if path is None:
        pytest.fail("lifetimes is not installed: install the test extra")
    log = pd.read_csv(
        path.with_name("CDNOW_sample.txt"),
        sep=r"\s+",
        header=None,
        names=["Customer ID", "Panel ID", "Date", "CDs", "Amount"],
        dtype={"Customer ID": str},
    )
    log["Date"] = pd.to_datetime(log["Date"].astype(str), format="%Y%m%d")
    log.insert(0, "Order ID", np.arange(1, len(log) + 1))
    return log[["Order ID", "Customer ID", "Date", "CDs", "Amount"]]


def simulated_log(
    n: int, *, seed: int = 0, params=(0.5, 10.0, 0.8, 3.0), days: int = 540
) -> pd.DataFrame:
    """Purchases drawn from a BG/NBD process (rates per week), first purchases spread
    over the first quarter, spend from a Gamma-Gamma process; vectorised by purchase."""
    r, alpha, a, b = params
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, n) / 7.0  # per day
    drop = rng.beta(a, b, n)
    first = rng.integers(0, 90, n)
    spend_scale = rng.gamma(3.0, 1 / 20.0, n)
    # Up to 60 purchase opportunities each: gaps ~ exponential, after each a drop-out coin.
    gaps = rng.exponential(1.0, (n, 60)) / np.maximum(rate, 1e-9)[:, None]
    times = first[:, None] + np.cumsum(gaps, axis=1)
    alive = np.cumprod(rng.random((n, 60)) >= drop[:, None], axis=1).astype(bool)
    alive = np.concatenate([np.ones((n, 1), bool), alive[:, :-1]], axis=1)
    keep = alive & (times < days)
    customer = np.repeat(np.arange(n), keep.sum(axis=1))
    day = np.floor(times[keep]).astype(np.int64)
    customer = np.concatenate([np.arange(n), customer])
    day = np.concatenate([first, day])
    amount = np.round(rng.gamma(6.0, 1.0 / spend_scale[customer]), 2)
    start = np.datetime64("2023-01-01")
    return pd.DataFrame(
        {
            "Order ID": np.arange(1, len(day) + 1),
            "Customer ID": [f"S{c:05d}" for c in customer],
            "Date": pd.to_datetime(start + day.astype("timedelta64[D]")),
            "Amount": amount,
        }
    )
