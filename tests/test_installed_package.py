"""The package as users get it: a wheel in a fresh environment, run outside the checkout.

Builds the wheel from a copy of the sources, installs it with the locked runtime
dependencies into a new virtual environment, and from an unrelated folder runs what
README promises: the add-in build, every template and the sample run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin import names
from addin.installer.xlam import CUSTOMUI_PART
from addin.templates import TEMPLATES, template_path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "runtime.lock"
# Not sources: environments, caches and build output (at the top only: addin/installer is ours).
NOT_SOURCES = (".venv", ".git", "*.egg-info", "__pycache__", ".*_cache")
TOP_ONLY = ("build", "dist")


def run(command: list[str | Path], cwd: Path, timeout: int = 600) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's scripts folder, a working folder outside the checkout)."""
    base = tmp_path_factory.mktemp("installed")
    sources = base / "sources"
    patterns = shutil.ignore_patterns(*NOT_SOURCES)

    def ignore(folder: str, names: list[str]) -> set[str]:
        top = {n for n in names if n in TOP_ONLY} if Path(folder) == ROOT else set()
        return set(patterns(folder, names)) | top

    shutil.copytree(ROOT, sources, ignore=ignore)
    wheels = base / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, sources], base)
    (wheel,) = wheels.glob("excel_segmentation-*.whl")
    environment = base / "env"
    run([sys.executable, "-m", "venv", environment], base)
    scripts = environment / ("Scripts" if os.name == "nt" else "bin")
    fresh_pip = [scripts / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    run([*fresh_pip, "install", "--require-hashes", "-r", LOCK], base)
    run([*fresh_pip, "install", "--no-deps", wheel], base)
    work = base / "work"
    work.mkdir()
    return scripts, work


def test_the_installed_package_is_the_one_that_runs(installed):
    scripts, work = installed
    where = run([scripts / "python", "-c", "import addin, segmentation, addin.templates as t;"
                 "print(addin.__file__, segmentation.__file__, t.__file__)"], work)  # fmt: skip
    assert all(str(ROOT) not in path and "site-packages" in path for path in where.split())
    # Nothing installs a top-level package of a generic name such as `templates`.
    found = run([scripts / "python", "-c", "import importlib.util as u;"
                 "print(u.find_spec('templates'), u.find_spec('tests'))"], work)  # fmt: skip
    assert found.split() == ["None", "None"]


def test_addin_build_from_the_installed_package(installed):
    scripts, work = installed
    output = run([scripts / "segment", "addin", "build", "-o", work / "dist" / "Seg.xlam"], work)
    written = sorted(p.name for p in (work / "dist").iterdir())
    assert written == ["Seg.xlam", "SegmentationFunctions.bas", "SegmentationRibbon.bas",
                       "xlwings.bas"], output  # fmt: skip
    with zipfile.ZipFile(work / "dist" / "Seg.xlam") as package:
        assert b'label="Segmentation"' in package.read(CUSTOMUI_PART)
    ribbon = (work / "dist" / "SegmentationRibbon.bas").read_bytes()
    assert ribbon == (ROOT / "addin" / "installer" / "vba" / "SegmentationRibbon.bas").read_bytes()


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_every_template_from_the_installed_package(installed, key):
    scripts, work = installed
    target = work / f"{key}.xlsx"
    run([scripts / "segment", "template", "new", key, "-o", target], work)
    assert target.read_bytes() == template_path(key).read_bytes()


def test_sample_run_from_the_installed_package(installed):
    scripts, work = installed
    sample = work / "online_shop_transactions.xlsx"
    shutil.copy(ROOT / "examples" / sample.name, sample)
    run([scripts / "segment", "run", sample.name, "--method", "both", "-q"], work)
    book = load_workbook(work / "online_shop_transactions.segmented.xlsx", read_only=True)
    assert {names.CUSTOMERS_SHEET, names.SUMMARY_SHEET, names.CLUSTERS_SHEET} <= set(
        book.sheetnames
    )
    customers = book[names.CUSTOMERS_SHEET]
    header = next(customers.iter_rows(max_row=1, values_only=True))
    assert "RFM Segment" in header and "Cluster Name" in header
    assert customers.max_row > 100
