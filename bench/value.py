"""Customer-value benchmark: fit and predict for 1M customers, ours against the peers.

``python -m bench.value [--customers 1M] [--repeats 3] [--save]``

The input is the per-customer summary (x, t_x, T in weeks, mean repeat spend) of the
synthetic 10M-line log of ``bench.data`` (1M customers), built once, untimed. Each case
runs in a fresh process: fit both purchase models (BG/NBD, MBG/NBD) and Gamma-Gamma and
predict expected purchases, P(alive), expected order value and CLV for every customer
(ours); lifetimes' BetaGeoFitter + GammaGammaFitter doing the same four figures; and
pymc-marketing's BetaGeoModel with fit_method="map" (purchases only). With ``--save``
the rows are appended to ``bench/results/latest.md``.
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
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench.memory import peak_rss_bytes

RESULTS = Path(__file__).parent / "results" / "latest.md"
SIZES = {"100k": 100_000, "1M": 1_000_000}
HORIZON_WEEKS = 52


def summary_of(customers: int, path: Path) -> None:
    """The calibration summary of the synthetic log with ``customers`` customers."""
    from bench.data import transactions
    from segmentation.value.history import history_from_log

    log = transactions(customers * 10)
    ids, history = history_from_log(log, "Customer ID", "Order Date", "Amount")
    summary = history.summary("weeks")
    np.savez(path, **{c: summary[c].to_numpy() for c in summary.columns})


def _ours(summary: pd.DataFrame) -> object:
    from segmentation.value.model import CustomerValueModel

    model = CustomerValueModel("auto").fit(summary)  # fits BG/NBD and MBG/NBD
    return model.predict(summary, horizon=f"{HORIZON_WEEKS}w")


def _lifetimes(summary: pd.DataFrame) -> object:
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    x, t_x, T = summary["x"], summary["t_x"], summary["T"]
    purchases = BetaGeoFitter().fit(x, t_x, T)
    repeat = summary[(x > 0) & (summary["repeat_value"] > 0)]
    spend = GammaGammaFitter().fit(repeat["x"], repeat["repeat_value"])
    expected = purchases.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_WEEKS, x, t_x, T
    )
    alive = purchases.conditional_probability_alive(x, t_x, T)
    value = summary["repeat_value"].where(summary["repeat_value"] > 0, 0.0)
    order_value = spend.conditional_expected_average_profit(x.where(value > 0, 0), value)
    clv = spend.customer_lifetime_value(
        purchases, x, t_x, T, value, time=12, discount_rate=0.008, freq="W"
    )
    return expected, alive, order_value, clv


def _pymc_marketing(summary: pd.DataFrame) -> object:
    from pymc_marketing.clv import BetaGeoModel

    data = pd.DataFrame(
        {
            "customer_id": np.arange(len(summary)),
            "frequency": summary["x"].to_numpy(),
            "recency": summary["t_x"].to_numpy(),
            "T": summary["T"].to_numpy(),
        }
    )
    model = BetaGeoModel(data=data)
    model.fit(fit_method="map")
    expected = model.expected_purchases(future_t=HORIZON_WEEKS)
    alive = model.expected_probability_alive()
    return expected, alive


CASES = {
    "ours: BG/NBD + MBG/NBD + Gamma-Gamma fit, 4 columns predicted": (_ours, "segmentation"),
    "peer: lifetimes BetaGeoFitter + GammaGammaFitter, 4 columns": (_lifetimes, "lifetimes"),
    'peer: pymc-marketing BetaGeoModel fit_method="map" (purchases, P(alive))': (
        _pymc_marketing,
        "pymc_marketing",
    ),
}


def worker(name: str, data_path: str, repeats: int) -> None:
    arrays = np.load(data_path)
    summary = pd.DataFrame({key: arrays[key] for key in arrays.files})
    function = CASES[name][0]
    seconds = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeats):
            start = time.perf_counter()
            function(summary)
            seconds.append(time.perf_counter() - start)
    print(json.dumps({"seconds": seconds, "rows": len(summary), "peak_bytes": peak_rss_bytes()}))


def _run(name: str, path: Path, repeats: int, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.value", "--worker", name, str(path), str(repeats)],
            capture_output=True, text=True, env=env, check=False, timeout=timeout,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(size: str, name: str, result: dict) -> str:
    if "error" in result:
        return f"| {size} customers | {name} | failed: {result['error']} | | | | |"
    best, median = min(result["seconds"]), statistics.median(result["seconds"])
    return (
        f"| {size} customers | {name} | {best:.3f} / {median:.3f} | "
        f"{result['rows'] / best:,.0f} | {result['rows']:,} | - | "
        f"{result['peak_bytes'] / 2**30:.2f} GB |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.value", description=__doc__)
    parser.add_argument("--customers", default="1M", help="100k or 1M")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--peer-repeats", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--save", action="store_true", help=f"append to {RESULTS.name}")
    parser.add_argument("--cases", default="", help="only cases whose name contains this")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--make-summary", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return 0
    if args.make_summary:
        summary_of(int(args.make_summary[0]), Path(args.make_summary[1]))
        return 0
    import importlib.util

    lines = [
        "",
        f"Customer value, {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')} (`python -m bench.value`):",
        "",
        "| input | case | seconds (min / median) | customers/s | customers | step peak memory "
        "| process peak |",
        "|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "summary.npz"
        # In a process of its own: a worker started from a parent that once held the 10M
        # lines would inherit its peak resident memory (Linux keeps ru_maxrss over exec).
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
        subprocess.run(
            [sys.executable, "-m", "bench.value", "--make-summary",
             str(SIZES[args.customers]), str(path)],
            check=True, env=env,
        )  # fmt: skip
        for name, (_, needs) in CASES.items():
            if args.cases and args.cases not in name:
                continue
            if importlib.util.find_spec(needs) is None:
                line = f"| {args.customers} customers | {name} | skipped: {needs} missing | | | | |"
            else:
                repeats = args.repeats if name.startswith("ours") else args.peer_repeats
                results[name] = _run(name, path, repeats, args.timeout)
                line = _row(args.customers, name, results[name])
            lines.append(line)
            print(line, flush=True)
    ours = next((r for n, r in results.items() if n.startswith("ours") and "seconds" in r), None)
    for name, result in results.items():
        if name.startswith("peer") and ours and "seconds" in result:
            ratio = min(result["seconds"]) / min(ours["seconds"])
            line = (
                f"| {args.customers} customers | ratio {name[6:]} / ours | {ratio:.1f}x | | | | |"
            )
            lines.append(line)
            print(line, flush=True)
    if args.save:
        with RESULTS.open("a", encoding="utf-8") as stream:
            stream.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
