"""Runs one benchmark case in a fresh process and prints its timings as JSON.

A fresh process per case keeps peak memory honest: each figure is the case's own.
"""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc

import numpy as np
import pandas as pd

from bench.cases import CASES
from bench.memory import peak_rss_bytes


def main(name: str, data_path: str, repeats: int) -> None:
    case = CASES[name]
    arrays = np.load(data_path)
    log = pd.DataFrame({key: arrays[key] for key in arrays.files})
    log.columns = [c.replace("_", " ") for c in log.columns]
    data = case.prepare(log)
    del log
    gc.collect()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        case.run(data)
        seconds.append(time.perf_counter() - start)
        gc.collect()
    # One more, untimed run under tracemalloc (numpy reports its buffers to it): the
    # memory this step itself allocates at its peak, apart from its input.
    tracemalloc.start()
    case.run(data)
    _, step_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows": case.rows(data),
                "peak_bytes": peak_rss_bytes(),
                "step_peak_bytes": step_peak,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
