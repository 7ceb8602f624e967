"""Shared fixtures: small hand-written tables and the public CDNOW data set."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "segmentation" / "data"


def cdnow_path() -> Path | None:
    """CDNOW_master.txt as shipped inside the lifetimes package (a test dependency)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "datasets" / "CDNOW_master.txt"
    return path if path.exists() else None


@pytest.fixture(scope="session")
def cdnow_log() -> pd.DataFrame:
    path = cdnow_path()
    if path is None:
        pytest.fail("CDNOW_master.txt not found: install the test extra (pip install -e .[test])")
    return pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str})


@pytest.fixture(scope="session")
def r_reference() -> pd.DataFrame:
    return pd.read_csv(DATA / "r_rfm_cdnow_reference.csv.gz", dtype={"customer_id": str})


def synthetic_customers(n: int, seed: int = 0) -> pd.DataFrame:
    """A customer table with skewed, tie-heavy R/F/M like real retail data."""
    rng = np.random.default_rng(seed)
    frequency = rng.zipf(2.0, n).clip(max=60)
    return pd.DataFrame(
        {
            "Customer ID": [f"C{i:05d}" for i in range(n)],
            "Recency": rng.integers(1, 720, n),
            "Frequency": frequency,
            "Monetary": np.round(frequency * rng.lognormal(3.5, 0.8, n), 2),
        }
    )


@pytest.fixture
def customers() -> pd.DataFrame:
    return synthetic_customers(400)


@pytest.fixture(autouse=True)
def _warnings_are_visible():
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        yield
