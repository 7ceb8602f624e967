"""Shared fixtures: small hand-written tables and the public CDNOW data set."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).parent / "segmentation" / "data"
# The shared OOXML check (ECMA-376 and customUI schemas, and the rules Excel enforces),
# beside the project as CI lays it out; never copied into the project.
OOXML_VALIDATE = Path(__file__).resolve().parents[2] / "shared" / "ooxml" / "ooxml_validate.py"


def ooxml_check(*packages: Path) -> list[dict]:
    """The OOXML check's report per package: ``{"file", "parts", "findings"}``."""
    if not OOXML_VALIDATE.exists():
        pytest.skip(f"the OOXML check is not beside this checkout ({OOXML_VALIDATE})")
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        subprocess.run(
            [sys.executable, OOXML_VALIDATE, *packages, "--json", report, "-q"],
            capture_output=True,
            check=False,
            timeout=300,
        )
        return json.loads(report.read_text(encoding="utf-8"))


def ooxml_errors(*packages: Path) -> list[str]:
    """Every error the OOXML check finds, as 'file: part line: message'."""
    return [
        f"{Path(r['file']).name}: {f['part']} {f.get('line') or ''}: {f['message']}"
        for r in ooxml_check(*packages)
        for f in r["findings"]
        if f["severity"] == "error"
    ]


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
