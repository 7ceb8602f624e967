"""Print a fingerprint of cluster fits, to compare across threads and BLAS kernels.

Run as ``python -m tests.segmentation.clustering.cluster_fingerprint``; the test starts it in
subprocesses with different ``OMP_NUM_THREADS``/``OPENBLAS_CORETYPE`` settings.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pandas as pd

from addin.templates import sample_data
from segmentation import names
from segmentation.clustering.estimator import ClusterSegmenter
from segmentation.reading.customers import read_customers

TEMPLATE_FEATURES = ["Age", "Tenure Months", "Satisfaction", "Region", "Plan"]


def synthetic_customers(n: int, seed: int = 5) -> pd.DataFrame:
    """Overlapping groups: many customers sit near a boundary between two centres."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            names.CUSTOMER_ID: np.arange(n).astype(str),
            names.RECENCY: rng.integers(1, 720, n),
            names.FREQUENCY: 1 + rng.poisson(rng.gamma(0.7, 3, n)),
            names.MONETARY: np.round(rng.lognormal(4, 1, n), 2),
            "Age": rng.integers(18, 80, n),
            "Region": np.array(["North", "South", "East"])[rng.integers(0, 3, n)],
        }
    )


def cases() -> dict[str, tuple[pd.DataFrame, dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = read_customers(sample_data.customers()).table
    return {
        "behavioural-clusters template": (table, {"features": TEMPLATE_FEATURES}),
        "100k synthetic": (synthetic_customers(100_000), {"features": ["Age", "Region"]}),
    }


def fingerprint(table: pd.DataFrame, options: dict) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ClusterSegmenter(**options).fit(table)
        labels = model.predict(table).to_numpy(dtype=np.int64)
    digest = hashlib.sha256(labels.tobytes() + model.centers_.tobytes()).hexdigest()
    return {
        "k": model.n_clusters_,
        "sizes": np.bincount(labels).tolist(),
        "names": model.names_,
        "silhouette": model.validation_["silhouette"],
        "labels_and_centres_sha256": digest,
    }


if __name__ == "__main__":
    print(json.dumps({name: fingerprint(*case) for name, case in cases().items()}))
