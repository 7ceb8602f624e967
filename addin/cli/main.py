"""The ``segment`` command: segment customers in a workbook, CSV or Parquet file.

Kept light at import time (no pandas, no scikit-learn) so that ``segment --help``
answers at once; the work is imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from addin.cli.campaign_parser import add_campaign_commands
from addin.cli.change import COMPARE_EPILOG, add_compare_options, add_history_command
from addin.cli.privacy_flag import add_pseudonymise_option
from addin.reading_options import add_breaks_flag, add_date_format_flag
from segmentation import defaults

DESCRIPTION = """\
Segment customers: RFM scores, named segments (Champions, At Risk, ...) and
behavioural clusters, from a customer table or a transaction log in an Excel
workbook (.xlsx, .xlsm), a CSV or a Parquet file."""

RUN_EPILOG = """\
examples:
  segment run orders.xlsx
      RFM segments for the transaction log in orders.xlsx; the results go to
      orders.segmented.xlsx (a Customers sheet, a Segment Summary with charts,
      and the saved model). orders.xlsx is not changed.
  segment run customers.xlsx --table Customers --method both --segments auto
      RFM segments and 3-6 behavioural clusters, added as columns to the
      'Customers' table.
  segment run june.csv --model may.segmented.xlsx -o june.xlsx
      Score June's customers with the model saved in May's results, so the
      segments mean the same thing in both months.
"""


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "input",
        type=Path,
        help="an .xlsx or .xlsm workbook; or a transaction log as a .csv or .parquet file, "
        "a folder of them, or a quoted pattern such as 'logs/*.parquet'",
    )
    parser.add_argument("--sheet", help="the sheet holding the table (default: found by headers)")
    parser.add_argument("--table", help="the Excel Table (ListObject) to use, by name")
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="analysis date, e.g. 2024-12-31 (default: the day after the last purchase)",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="ROLE=HEADER",
        help="name a column explicitly, e.g. --column amount='Net Sales' (roles: customer_id, "
        "date, amount, quantity, unit_price, order_id, recency, last_purchase, frequency, "
        "monetary); may be repeated",
    )
    parser.add_argument(
        "--engine",
        choices=("auto", "pandas", "duckdb", "spark"),
        default="auto",
        help="for CSV/Parquet logs: pandas reads into memory; duckdb aggregates logs of any "
        "size on disk; spark runs on Apache Spark (pip install excel-segmentation[spark]); "
        "auto: pandas for one file of up to 1M lines (Parquet) or 64 MB (CSV), else duckdb",
    )
    parser.add_argument(
        "--memory-limit",
        default="1GB",
        metavar="SIZE",
        help="memory DuckDB may use before spilling to a temporary folder (default: 1GB)",
    )
    add_date_format_flag(parser)


def _add_method_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--method",
        choices=defaults.METHODS,
        help="rfm: scores and named segments; cluster: behavioural clusters; both (default: "
        "the workbook's Segmentation Settings sheet, else rfm)",
    )
    parser.add_argument(
        "--segments",
        metavar="K|auto",
        help=f"number of behavioural clusters ({defaults.MIN_CLUSTERS} to "
        f"{defaults.MAX_CLUSTERS}), or auto to choose {defaults.K_RANGE[0]}-"
        f"{defaults.K_RANGE[1]} (default: auto)",
    )
    parser.add_argument(
        "--bins",
        type=int,
        metavar="N",
        help=f"scores per R, F and M dimension, {defaults.MIN_BINS} to {defaults.MAX_BINS} "
        f"(default: {defaults.N_BINS})",
    )
    parser.add_argument(
        "--ties",
        choices=defaults.TIE_RULES,
        help="quantile: tied values share a score, as the R rfm package does; rank: "
        "equal-sized score groups (default: quantile)",
    )
    parser.add_argument(
        "--features",
        metavar="COLUMNS",
        help="extra columns to cluster on, comma-separated (text columns become categories)",
    )
    parser.add_argument(
        "--model",
        type=Path,
        metavar="WORKBOOK_OR_JSON",
        help="score with a model saved earlier (a segmented workbook or a .json file) "
        "instead of fitting a new one",
    )
    from addin.cli.value_flags import add_value_options  # customer value

    add_value_options(parser)
    add_breaks_flag(parser)


def _version() -> str:
    # From the installed metadata: importing the engine would load pandas and sklearn.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("excel-segmentation")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segment", description=DESCRIPTION, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"segment {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser(
        "run",
        help="segment the customers and write the results to a workbook",
        description="Segment the customers in INPUT and write the results to a workbook.",
        epilog=RUN_EPILOG + COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_input_options(run)
    _add_method_options(run)
    run.add_argument(
        "-o",
        "--output",
        type=Path,
        help="the workbook to write (default: INPUT.segmented.xlsx beside the input)",
    )
    run.add_argument(
        "--in-place",
        action="store_true",
        help="update the input workbook itself (a backup copy is written first)",
    )
    run.add_argument("--save-model", type=Path, metavar="JSON", help="also save the model here")
    run.add_argument(
        "--customers-file",
        type=Path,
        metavar="PARQUET_OR_CSV",
        help="also write every customer with scores and segments to this file (written "
        "anyway, beside the output, when there are more customers than a sheet can hold)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    add_compare_options(run)
    add_pseudonymise_option(run)  # privacy (issue 17)

    importer = commands.add_parser(
        "import",
        help="aggregate a transaction log (any size) into a per-customer table in a workbook",
        description="Aggregate the transaction log INPUT (a CSV/Parquet file, folder or "
        "pattern) to one row per customer and write it as the 'Customers' table of a new "
        "workbook, ready for the ribbon's buttons.",
    )
    _add_input_options(importer)
    importer.add_argument("-o", "--output", type=Path, required=True, help="the new workbook")
    importer.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")

    profile = commands.add_parser(
        "profile",
        help="print the segment profile without writing anything",
        description="Segment INPUT and print the per-segment profile; nothing is written.",
    )
    _add_input_options(profile)
    _add_method_options(profile)

    validate = commands.add_parser(
        "validate",
        help="check the data and print the data-quality report; nothing is written",
        description="Read INPUT as the segmentation would and report every fix and problem.",
    )
    _add_input_options(validate)
    add_history_command(commands)
    template = commands.add_parser(
        "template",
        help="list the template workbooks, or copy one to start from",
        description="Template workbooks with settings, a segment map and sample data.",
    )
    template_commands = template.add_subparsers(dest="template_command", metavar="ACTION")
    template_commands.required = True
    template_commands.add_parser("list", help="show the templates")
    new = template_commands.add_parser("new", help="copy a template to a new workbook")
    new.add_argument("name", help="the template, e.g. rfm-starter (see: segment template list)")
    new.add_argument("-o", "--output", type=Path, help="where to write it (default: its name)")
    add_campaign_commands(commands)
    addin_parser = commands.add_parser(
        "addin",
        help="build the Excel add-in (.xlam), or check its installation",
        description="The Segmentation add-in for Excel (ribbon tab and worksheet functions).",
    )
    addin_commands = addin_parser.add_subparsers(dest="addin_command", metavar="ACTION")
    addin_commands.required = True
    build = addin_commands.add_parser("build", help="build Segmentation.xlam and its VBA modules")
    build.add_argument(
        "-o", "--output", type=Path, default=Path("dist") / "Segmentation.xlam",
        help="the .xlam to write (default: dist/Segmentation.xlam)",
    )  # fmt: skip
    addin_commands.add_parser("status", help="which xlwings and add-in versions are here")
    addin_commands.add_parser("install", help="install the add-in into Excel (Windows, macOS)")
    addin_commands.add_parser("uninstall", help="remove the add-in from Excel (Windows, macOS)")
    addin_commands.add_parser(
        "selftest",
        help="run every button and worksheet function in Excel and print a pass/fail table",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from addin.cli.commands import run_command

    return run_command(args)


if __name__ == "__main__":
    sys.exit(main())
