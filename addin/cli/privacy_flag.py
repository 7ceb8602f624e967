"""--pseudonymise [KEYFILE]: one flag for `segment run`, `segment campaign` and `readout`."""

from __future__ import annotations

import argparse

RUN_HELP = (
    "write keyed pseudonyms instead of customer IDs in every output this run makes (the "
    "Customers sheet, --customers-file, the last-run snapshot, Segment Changes); your own "
    "table keeps its IDs. The key is read from KEYFILE, or from the SEGMENT_PSEUDONYM_KEY "
    "environment variable, and is never written anywhere; the same key gives the same "
    "pseudonyms on every run"
)


def add_pseudonymise_option(parser: argparse.ArgumentParser, help_text: str = RUN_HELP) -> None:
    parser.add_argument(
        "--pseudonymise", nargs="?", const="", metavar="KEYFILE", help=help_text
    )  # fmt: skip


def pseudonym_key(args: argparse.Namespace) -> bytes | None:
    """The key asked for with --pseudonymise (a file, or the environment); None without."""
    asked = getattr(args, "pseudonymise", None)
    if asked is None:
        return None
    from segmentation.privacy.pseudonyms import load_key

    return load_key(asked or None)
