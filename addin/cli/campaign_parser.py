"""The flags of `segment campaign` and `segment readout` (light: argparse only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from addin.cli.privacy_flag import add_pseudonymise_option
from segmentation import defaults

CAMPAIGN_EPILOG = """\
examples:
  segment campaign shop.segmented.xlsx --name "Spring win-back" \\
          --segments "At Risk,Can't Lose Them" --control 10% --in-place
      Every customer of the two segments gets Group = Treatment or Control (10% of
      each segment), on a sheet 'Campaign Spring win-back'; the same name and data
      always give the same groups.
  segment campaign shop.segmented.xlsx --name Spring --segments "At Risk" \\
          -o spring.xlsx --export mailing/
      The same into a new workbook, plus one CSV per segment and group in mailing/.
"""

READOUT_EPILOG = """\
example:
  segment readout spring.xlsx --name Spring --responses results.csv --in-place
      Matches results.csv (customer ID, a 0/1 or yes/no response, optionally revenue)
      to the campaign's groups: lift, interval and p-values per segment on a sheet
      'Readout Spring'.
"""


def _output_options(parser: argparse.ArgumentParser, suffix: str) -> None:
    parser.add_argument("workbook", type=Path, help="a workbook segmented by `segment run`")
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-o", "--output", type=Path,
        help=f"the workbook to write (default: WORKBOOK.{suffix}.xlsx beside it)",
    )  # fmt: skip
    where.add_argument(
        "--in-place", action="store_true",
        help="update the workbook itself (a backup copy is written first)",
    )  # fmt: skip
    parser.add_argument("--name", help="the campaign's name (default: the Settings sheet's)")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary")
    add_pseudonymise_option(
        parser,
        "campaign lists carry keyed pseudonyms instead of customer IDs; the key is "
        "read from KEYFILE, or from the SEGMENT_PSEUDONYM_KEY environment variable, and "
        "is never written anywhere (readouts need the same key)",
    )


def add_campaign_commands(commands: argparse._SubParsersAction) -> None:
    campaign = commands.add_parser(
        "campaign",
        help="treatment and control groups for a campaign on chosen segments",
        description="Give every customer of the chosen segments Group = Treatment or "
        "Control, stratified by segment and the same on every run, with the smallest lift "
        "each segment's test can detect.",
        epilog=CAMPAIGN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _output_options(campaign, "campaign")
    campaign.add_argument(
        "--segments", metavar="LIST",
        help="the segments to target, comma-separated (default: the Settings sheet's)",
    )  # fmt: skip
    campaign.add_argument(
        "--control", metavar="SHARE",
        help=f"share of each segment held out as control, e.g. 10%% (default: "
        f"{defaults.CONTROL_SHARE:.0%})",
    )  # fmt: skip
    campaign.add_argument(
        "--baseline", metavar="RATE",
        help=f"response rate expected without the campaign, for the power check (default: "
        f"{defaults.BASELINE_RESPONSE_RATE:.0%})",
    )  # fmt: skip
    campaign.add_argument("--seed", type=int, default=0, help="a different draw (default: 0)")
    campaign.add_argument(
        "--opt-out-column", metavar="HEADER",
        help="the column saying who opted out or consented (default: found by its header)",
    )  # fmt: skip
    campaign.add_argument(
        "--segment-column", metavar="HEADER",
        help="the segment column (default: RFM Segment, else Cluster Name)",
    )  # fmt: skip
    campaign.add_argument(
        "--export", type=Path, metavar="FOLDER",
        help="also write one CSV per segment and group into FOLDER (UTF-8, for mail tools)",
    )  # fmt: skip
    campaign.add_argument(
        "--redraw", action="store_true",
        help="draw new groups for a campaign name that exists already",
    )  # fmt: skip

    readout = commands.add_parser(
        "readout",
        help="the results of a campaign against its control group",
        description="Match a file of responses to a campaign's groups and write the lift, "
        "its interval and p-values per segment.",
        epilog=READOUT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _output_options(readout, "readout")
    readout.add_argument(
        "--responses", type=Path, required=True, metavar="FILE",
        help="a .csv, .xlsx or .parquet file: customer ID and a response (1/0 or yes/no)",
    )  # fmt: skip
    readout.add_argument("--response-column", metavar="HEADER", help="default: found by header")
    readout.add_argument(
        "--revenue-column", metavar="HEADER",
        help="revenue per customer, compared by Welch's t-test (default: found by header)",
    )  # fmt: skip
