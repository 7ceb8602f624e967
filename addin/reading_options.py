"""Date order and custom break points as the user writes them: command-line flags and
Settings cells, read into the engine's ``date_format`` and ``breaks``."""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable

from addin.names import SETTINGS_SHEET
from segmentation import names

DATE_FORMAT_HELP = (
    "the order of dates written as text: DMY (31/12/2024), MDY (12/31/2024) or YMD; or a "
    "format such as %%d.%%m.%%Y (default: found from the data, month first when it cannot "
    "tell); also reads --as-of"
)
BREAKS_EXAMPLE = "recency=30,90,180,365"
BREAKS_HELP = (
    f"your own break points for a score, e.g. --breaks {BREAKS_EXAMPLE} (days), "
    "frequency=2,4,8 (purchases) or monetary=100,500,1000 (money); k points make k + 1 "
    "scores; may be repeated, or given as recency=30,90;frequency=2,4"
)


def add_date_format_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date-format", metavar="ORDER", help=DATE_FORMAT_HELP)


def add_breaks_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--breaks", action="append", default=[], metavar="SCORE=N,N,...", help=BREAKS_HELP
    )


def _points(text: str, where: str) -> list[float]:
    from addin.errors import WorkbookError  # imported late: `segment --help` stays light

    points = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        try:
            number = float(part)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise WorkbookError(
                f"{where}: '{part}' is not a number. Write break points as numbers separated "
                f"by commas, e.g. {BREAKS_EXAMPLE.split('=')[1]}."
            )
        points.append(number)
    return points


def parse_breaks(specs: Iterable[str], where: str = "--breaks") -> dict[str, list[float]] | None:
    """``["recency=30,90,180,365", "frequency=2,4;monetary=100,500"]`` -> break points.

    The engine checks the points themselves (how many, increasing).
    """
    from addin.errors import WorkbookError

    breaks: dict[str, list[float]] = {}
    for spec in specs:
        for item in str(spec).split(";"):
            if not item.strip():
                continue
            score, sep, text = item.partition("=")
            score = score.strip().lower()
            if score in ("r", "f", "m"):
                score = {"r": "recency", "f": "frequency", "m": "monetary"}[score]
            if not sep or score not in names.DIMENSIONS:
                raise WorkbookError(
                    f"{where} needs SCORE=NUMBERS with SCORE one of "
                    f"{', '.join(names.DIMENSIONS)}, e.g. {where} {BREAKS_EXAMPLE}; got '{item}'."
                )
            if score in breaks:
                raise WorkbookError(
                    f"{where} gives break points for {score} twice; give them once."
                )
            breaks[score] = _points(text, f"{where} {score}")
    return breaks or None


def settings_breaks(settings: dict[str, object]) -> dict[str, list[float]] | None:
    """Break points from the Settings rows 'Recency breaks', 'Frequency breaks', ..."""
    breaks: dict[str, list[float]] = {}
    for dimension in names.DIMENSIONS:
        text = settings.get(f"{dimension}_breaks")
        if text:
            label = f"'{dimension.capitalize()} breaks' on the {SETTINGS_SHEET} sheet"
            breaks[dimension] = _points(str(text), label)
    return breaks or None
