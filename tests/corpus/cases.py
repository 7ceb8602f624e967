"""The hostile-input corpus: each case builds its input and says what must come out.

A case expects a result (exit 0; ``notes`` are what `validate` must tell the user, and
``as_of`` the analysis date it must find, which proves the dates were read right) or a
refusal (exit 1; ``refuse`` are parts of the message: the column, row, cell or file and
the fix). ``rows`` are the same values as a worksheet range, for the worksheet functions
and the ribbon buttons, where those apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus.builders import Rows

ALL = ("run", "validate", "profile", "import")
WORKBOOK = ("run", "validate", "profile")


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], Path]
    refuse: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()  # must not be in validate's report
    as_of: str | None = None
    flags: tuple[str, ...] = ()
    commands: tuple[str, ...] = ALL
    rows: Rows | None = field(default=None, compare=False)
    output: str = "out/result.xlsx"

    @property
    def refused(self) -> bool:
        return bool(self.refuse)


def _collect() -> list[Case]:
    from tests.corpus import cases_files, cases_values

    return [*cases_values.cases(), *cases_files.cases()]


CASES = _collect()
