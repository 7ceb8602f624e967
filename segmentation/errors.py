"""The one exception type for bad input, the warning type, and row-number formatting."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def python_setting(parameter: str, value: object) -> str:
    """How a Python caller sets a parameter: ``n_bins=4``."""
    return f"{parameter}={value!r}"


class SegmentationError(ValueError):
    """Input that makes a segmentation meaningless.

    The message names the column (and, for bad cells, the first few row
    numbers as the user sees them in the spreadsheet) and says how to fix it.
    Besides the text, worded for Python callers, it carries the facts that each front
    end words in its own terms (command-line flags, Settings cells, function
    arguments):

    - ``parameter``, ``value``, ``allowed``, ``label``: a setting with a value it cannot
      take, the values it can take and the setting itself, in plain words ("a whole
      number from 3 to 10", "the number of score bins");
    - ``what`` and ``fix``: the problem, and a fix sentence whose ``{parameter}``
      placeholders stand for settings, filled from ``suggest`` (parameter -> value);
    - ``python_hint``: advice only a Python caller can follow (a function to call),
      left out by every other front end.
    """

    def __init__(
        self,
        what: str,
        *,
        fix: str = "",
        suggest: dict[str, object] | None = None,
        parameter: str | None = None,
        value: object = None,
        allowed: str | None = None,
        label: str | None = None,
        python_hint: str = "",
    ) -> None:
        self.what, self.fix, self.suggest = what, fix, dict(suggest or {})
        self.parameter, self.value, self.allowed = parameter, value, allowed
        self.label = label or (parameter or "").replace("_", " ")
        super().__init__(f"{self.worded(type(self).default_setting)} {python_hint}".strip())

    # How str(error) names settings; a front end's own errors may name them otherwise.
    default_setting = staticmethod(python_setting)

    def worded(self, setting: Callable[[str, object], str]) -> str:
        """The message with every setting written as ``setting(parameter, value)`` does."""
        fix = self.fix.format(**{k: setting(k, v) for k, v in self.suggest.items()})
        return f"{self.what} {fix}".strip()

    @classmethod
    def bad_parameter(
        cls, owner: str, parameter: str, value: object, allowed: str, *, label: str
    ) -> SegmentationError:
        """A parameter with a value it cannot take, in scikit-learn's words for Python.

        ``label`` names the setting in plain words, for a front end that has no name of
        its own for it.
        """
        return cls(
            f"The '{parameter}' parameter of {owner} must be {allowed}. Got {value!r} instead.",
            parameter=parameter,
            value=value,
            allowed=allowed,
            label=label,
        )


class SegmentationWarning(UserWarning):
    """Odd but usable input, or a result the user should look at twice."""


def describe_rows(row_numbers: Sequence[int] | np.ndarray, limit: int = 5) -> str:
    """Return "row 7" or "rows 3, 8, 12 and 40 more" for spreadsheet row numbers."""
    rows = [int(r) for r in np.asarray(row_numbers)[:limit]]
    total = len(row_numbers)
    if total == 1:
        return f"row {rows[0]}"
    listed = ", ".join(str(r) for r in rows)
    more = total - len(rows)
    return f"rows {listed}" + (f" and {more} more" if more else "")
