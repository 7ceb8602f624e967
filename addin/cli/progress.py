"""A progress bar for the command line (tqdm), fed with (step, fraction) reports."""

from __future__ import annotations

import sys


class ProgressBar:
    def __init__(self, *, enabled: bool = True) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=100,
                file=sys.stderr,
                bar_format="{desc:<34} {bar} {percentage:3.0f}% {elapsed}",
                leave=False,
                dynamic_ncols=True,
            )

    def update(self, step: str, fraction: float) -> None:
        if self._bar is None:
            return
        target = round(max(0.0, min(1.0, fraction)) * 100)
        self._bar.set_description_str(step[:34])
        if target > self._bar.n:
            self._bar.update(target - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
