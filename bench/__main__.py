"""Run the benchmarks: ``python -m bench [--sizes 100k,1M,10M] [--repeats 3] [--save]``.

Each size's synthetic log is generated once, saved, and every case runs on that same
data in a fresh process. The table lists min and median seconds, rows per second
(rows = the case's input rows), the step's own peak allocation (tracemalloc, in one
extra untimed run) and the process's peak resident memory (input data included).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.cases import CASES, PEERS
from bench.data import transactions

SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}
RESULTS = Path(__file__).parent / "results" / "latest.md"


def _run_case(name: str, data_path: Path, repeats: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", name, str(data_path), str(repeats)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(size: str, name: str, result: dict) -> str:
    if "error" in result:
        return f"| {size} | {name} | failed: {result['error']} | | | | |"
    seconds = result["seconds"]
    best, median = min(seconds), statistics.median(seconds)
    rate = result["rows"] / best if best else float("inf")
    return (
        f"| {size} | {name} | {best:.3f} / {median:.3f} | {rate:,.0f} | "
        f"{result['rows']:,} | {result['step_peak_bytes'] / 2**30:.2f} GB | "
        f"{result['peak_bytes'] / 2**30:.2f} GB |"
    )


def _available(name: str) -> bool:
    import importlib.util

    needs = PEERS[name][2] if name in PEERS else "numba" if name.startswith("floor") else None
    return needs is None or importlib.util.find_spec(needs) is not None


def _ratios(size: str, results: dict) -> list[str]:
    """peer / ours on the same step, from the best times of this run."""
    ours = {
        CASES[n].step: r for n, r in results.items() if n.startswith("ours") and "error" not in r
    }
    lines = []
    floor = next(
        (r for n, r in results.items() if n.startswith("floor") and "error" not in r), None
    )
    if floor is not None and "transactions -> RFM" in ours:
        ratio = min(ours["transactions -> RFM"]["seconds"]) / min(floor["seconds"])
        lines.append(
            f"| {size} | ratio ours / floor (transactions -> RFM) | {ratio:.1f}x | | | | |"
        )
    for name, result in results.items():
        step = CASES[name].step
        if name in PEERS and "error" not in result and step in ours:
            ratio = min(result["seconds"]) / min(ours[step]["seconds"])
            lines.append(f"| {size} | ratio {name[6:]} / ours ({step}) | {ratio:.1f}x | | | | |")
    return lines


def _startup_row(repeats: int) -> str:
    """How long `segment --help` takes: what an analyst waits for before anything runs."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    seconds = []
    for _ in range(max(3, repeats)):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "addin.cli.main", "--help"],
            capture_output=True,
            env=env,
            check=True,
        )
        seconds.append(time.perf_counter() - start)
    return (
        f"| - | start-up: segment --help (whole process) | {min(seconds):.3f} / "
        f"{statistics.median(seconds):.3f} | | | | |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="1M,10M", help="comma-separated: 100k, 1M, 10M")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", default="", help="only cases whose name contains this")
    parser.add_argument("--save", action="store_true", help=f"also write {RESULTS.name}")
    args = parser.parse_args(argv)

    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}",
        "",
        "| transactions | case | seconds (min / median) | rows/s | input rows "
        "| step peak memory | process peak |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes.split(","):
            log = transactions(SIZES[size.strip()])
            path = Path(folder) / f"log_{size}.npz"
            np.savez(path, **{c.replace(" ", "_"): log[c].to_numpy() for c in log.columns})
            del log
            results = {}
            for name in CASES:
                if args.cases and args.cases not in name:
                    continue
                if not _available(name):
                    needs = PEERS[name][2] if name in PEERS else "numba"
                    line = f"| {size} | {name} | skipped: {needs} is not installed | | | | |"
                else:
                    results[name] = _run_case(name, path, args.repeats)
                    line = _row(size, name, results[name])
                lines.append(line)
                print(line, flush=True)
            for line in _ratios(size, results):
                lines.append(line)
                print(line, flush=True)
    lines.append(_startup_row(args.repeats))
    print(lines[-1], flush=True)
    if args.save:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
