"""The same clusters on any machine: thread counts and BLAS kernels change no bit."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# Kernels of the OpenBLAS that numpy ships which every x86-64 CPU able to run SkylakeX
# code can also run; on another CPU (ARM) the variable is ignored by name.
SETTINGS = [
    {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
    {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"},
    {"OPENBLAS_CORETYPE": "Haswell"},
    {"OPENBLAS_CORETYPE": "Sandybridge", "OMP_NUM_THREADS": "1"},
    {"OPENBLAS_CORETYPE": "Nehalem"},
    {"OPENBLAS_CORETYPE": "Prescott", "OMP_NUM_THREADS": "2"},
]


def fingerprints(settings: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "OPENBLAS_"))}
    env.update(settings)
    done = subprocess.run(
        [sys.executable, "-m", "tests.segmentation.clustering.cluster_fingerprint"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def runs() -> list[tuple[dict, dict]]:
    return [(settings, fingerprints(settings)) for settings in SETTINGS]


def test_cluster_assignments_are_bit_identical_across_threads_and_kernels(runs):
    first_settings, first = runs[0]
    for settings, other in runs[1:]:
        for case, expected in first.items():
            assert other[case] == expected, (
                f"{case}: {settings} gave {other[case]}, {first_settings} gave {expected}"
            )


def test_the_kernels_asked_for_were_the_ones_used():
    probe = "import threadpoolctl, json; print(json.dumps(threadpoolctl.threadpool_info()))"
    env = dict(os.environ, OPENBLAS_CORETYPE="Nehalem")
    done = subprocess.run(
        [sys.executable, "-c", "import numpy;" + probe],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    blas = [i for i in json.loads(done.stdout) if i["internal_api"] == "openblas"]
    x86 = platform.machine().lower() in ("x86_64", "amd64")
    if not (x86 and blas and blas[0].get("architecture")):
        pytest.skip("numpy here has no OpenBLAS with selectable x86-64 kernels")
    assert blas[0]["architecture"] == "Nehalem"
