"""Engine errors in the words of each front end.

The engine's errors carry facts (:class:`segmentation.errors.SegmentationError`): the
setting with a bad value and what it allows, or a fix whose settings are placeholders.
Here each front end names those settings its own way: flags on the command line, cells
of the Settings sheet and buttons in Excel, arguments of a worksheet function. A fix
that a front end has no way to do is left out rather than worded in Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from addin import names
from segmentation.errors import SegmentationError

Vocabulary = Mapping[str, tuple[str, Callable[[object], str | None]]]


def _columns_flags(mapping: object) -> str:
    return " ".join(f"--column {role}='{header}'" for role, header in dict(mapping).items())


def _listed(values: object) -> str:
    return ",".join(str(v) for v in values) if isinstance(values, list | tuple) else str(values)


def _settings_cell(label: str) -> str:
    return f"'{label}' on the {names.SETTINGS_SHEET} sheet"


# parameter -> (what the user calls it, how to set it to a value; None: no way here)
COMMAND_LINE: Vocabulary = {
    "n_bins": ("--bins", lambda v: f"--bins {v}"),
    "ties": ("--ties", lambda v: f"--ties {v}"),
    "method": ("--method", lambda v: f"--method {v}"),
    "n_clusters": ("--segments", lambda v: f"--segments {v}"),
    "k_range": ("--segments", lambda v: "--segments auto"),
    "as_of": ("--as-of", lambda v: f"--as-of {v}"),
    "features": ("--features", lambda v: f"--features {_listed(v)}"),
    "categorical": ("--features", lambda v: None),
    "columns": ("--column", _columns_flags),
    "table": ("--table", lambda v: "--sheet NAME or --table NAME"),
    "output": ("-o", lambda v: "-o OTHER.xlsx"),
    "fit_model": ("--model", lambda v: "a run without --model, which fits and saves one"),
    # Customer value.
    "horizon": ("--horizon", lambda v: f"--horizon {v}"),
    "discount_rate": ("--discount-rate", lambda v: f"--discount-rate {v}"),
    "margin": ("--margin", lambda v: f"--margin {v}"),
    "value_model": ("--value-model", lambda v: f"--value-model {v}"),
    "priority_by": ("--priority-by", lambda v: f"--priority-by {v}"),
    "refit": ("--refit", lambda v: "--refit"),  # change over time
    # Reading and scoring options (date order, break points)
    "date_format": ("--date-format", lambda v: f"--date-format {v}"),
    "breaks": ("--breaks", lambda v: " ".join(f"--breaks {k}={_listed(p)}" for k, p in v.items())),
}

EXCEL: Vocabulary = {
    "n_bins": (_settings_cell("Score bins"), lambda v: f"{_settings_cell('Score bins')} at {v}"),
    "ties": (_settings_cell("Tie rule"), lambda v: f"{_settings_cell('Tie rule')} at {v}"),
    "method": (_settings_cell("Method"), lambda v: f"{_settings_cell('Method')} at {v}"),
    "n_clusters": ("the number of clusters", lambda v: None),
    "k_range": (
        "'Fewest clusters' and 'Most clusters' on the Segmentation Settings sheet",
        lambda v: None,
    ),
    "as_of": (_settings_cell("Analysis date"), lambda v: f"{_settings_cell('Analysis date')} {v}"),
    "features": (_settings_cell("Cluster on columns"), lambda v: None),
    "categorical": (_settings_cell("Cluster on columns"), lambda v: None),
    "columns": ("the column headers", lambda v: None),
    "table": ("the table", lambda v: "a click in the table before you press the button"),
    "output": ("the output file", lambda v: None),
    "fit_model": ("RFM Segments", lambda v: "RFM Segments (or Cluster Segments)"),
    # Customer value.
    "horizon": (_settings_cell("CLV horizon"), lambda v: None),
    "discount_rate": (_settings_cell("Discount rate"), lambda v: None),
    "margin": (_settings_cell("Margin"), lambda v: None),
    "value_model": (_settings_cell("Value model"), lambda v: None),
    "priority_by": (_settings_cell("Prioritise by"), lambda v: None),
    "refit": (  # change over time
        _settings_cell("Use saved model"),
        lambda v: f"{_settings_cell('Use saved model')} at no",
    ),
    # Reading and scoring options (date order, break points)
    "date_format": (_settings_cell("Date order"), lambda v: f"{_settings_cell('Date order')} {v}"),
    "breaks": (
        _settings_cell("Recency breaks"),
        lambda v: " ".join(
            f"{_listed(p)} in {_settings_cell(k.capitalize() + ' breaks')}" for k, p in v.items()
        ),
    ),
}

FUNCTIONS: Vocabulary = {
    "n_bins": ("bins", lambda v: f"bins {v}"),
    "ties": ("ties", lambda v: f'ties "{v}"'),
    "n_clusters": ("k", lambda v: f"k {v}"),
    "as_of": ("as_of", lambda v: f"as_of {v}"),
    "features": ("columns", lambda v: f'columns "{_listed(v)}"'),
    "table": ("table", lambda v: "the whole table's range, header row included"),
    # A function reads its range's headers as they are and has no categorical argument.
    "columns": ("the column headers", lambda v: None),
    "categorical": ("columns", lambda v: None),
    "horizon": ("horizon", lambda v: f'horizon "{v}"'),  # customer value
}
# Campaigns are run from the command line and the ribbon, never from a function.
FUNCTIONS.update(
    dict.fromkeys(
        (
            "response_column",
            "revenue_column",
            "segment_run",
            "redraw",
            "campaign_name",
            "campaign_segments",
            "pseudonymise",
        ),
        ("the campaign", lambda v: None),
    )
)
# SEGMENT_CHANGES compares two columns it is given: it neither scores nor refits.
FUNCTIONS["refit"] = ("the previous run", lambda v: None)
# Functions take real dates and the data's own break points: no argument sets either.
FUNCTIONS["date_format"] = ("the dates", lambda v: None)
FUNCTIONS["breaks"] = ("the break points", lambda v: None)


def worded(exc: BaseException, vocabulary: Vocabulary) -> str:
    """The error's message with every setting named as ``vocabulary`` names it."""
    if not isinstance(exc, SegmentationError):
        return str(exc)
    if exc.allowed is not None:
        # A setting this front end has no name for is named in the engine's plain words.
        if exc.parameter in vocabulary:
            label = vocabulary[exc.parameter][0]
        else:
            label = exc.label[:1].upper() + exc.label[1:]
        return f"{label} must be {exc.allowed}; it is {exc.value!r}."
    if not exc.fix:
        return exc.what
    settings = {}
    for parameter, value in exc.suggest.items():
        how = vocabulary.get(parameter, ("", lambda v: None))[1](value)
        if how is None:  # this front end has no way to do that fix
            return exc.what
        settings[parameter] = how
    return f"{exc.what} {exc.fix.format(**settings)}"


def for_command_line(exc: BaseException) -> str:
    return worded(exc, COMMAND_LINE)


def for_excel(exc: BaseException) -> str:
    return worded(exc, EXCEL)


def for_function(exc: BaseException) -> str:
    return worded(exc, FUNCTIONS)


# Campaigns and readouts (issue 17).
def _settings_row(label: str) -> tuple[str, Callable[[object], str | None]]:
    return (_settings_cell(label), lambda v: f"{_settings_cell(label)}")


COMMAND_LINE = {
    **COMMAND_LINE,
    "campaign_name": ("--name", lambda v: f"--name '{v}'"),
    "campaign_segments": ("--segments", lambda v: f'--segments "{v}"'),
    "control_share": ("--control", lambda v: f"--control {v}"),
    "baseline_rate": ("--baseline", lambda v: f"--baseline {v}"),
    "redraw": ("--redraw", lambda v: "--redraw"),
    "response_column": ("--response-column", lambda v: f"--response-column '{v}'"),
    "revenue_column": ("--revenue-column", lambda v: f"--revenue-column '{v}'"),
    "segment_run": ("segment run", lambda v: "`segment run WORKBOOK`"),
    "pseudonymise": ("--pseudonymise", lambda v: "--pseudonymise KEYFILE"),
}
EXCEL = {
    **EXCEL,
    "campaign_name": _settings_row("Campaign name"),
    "campaign_segments": _settings_row("Campaign segments"),
    "control_share": _settings_row("Control share"),
    "baseline_rate": _settings_row("Baseline response rate"),
    "redraw": ("a new campaign", lambda v: None),
    "response_column": ("the response column", lambda v: None),
    "revenue_column": ("the revenue column", lambda v: None),
    "segment_run": ("RFM Segments", lambda v: "RFM Segments (or Cluster Segments)"),
    "pseudonymise": _settings_row("Pseudonymise IDs"),
}


# Pseudonymised runs (issue 17, privacy): where the key comes from, per front end.
_KEY_VARIABLE = "the SEGMENT_PSEUDONYM_KEY environment variable"
COMMAND_LINE["pseudonym_key"] = (
    "--pseudonymise KEYFILE",
    lambda v: f"--pseudonymise KEYFILE (a file holding the key) or {_KEY_VARIABLE}",
)
EXCEL["pseudonym_key"] = (
    _settings_cell("Pseudonymise IDs"),
    lambda v: (
        f"the file ~/{names.PSEUDONYM_KEY_FILE} or {_KEY_VARIABLE} (or set "
        f"{_settings_cell('Pseudonymise IDs')} to no)"
    ),
)
FUNCTIONS["pseudonym_key"] = ("the key", lambda v: None)
