"""The customer-value flags of `segment run` and `segment profile`."""

from __future__ import annotations

import argparse

from segmentation import defaults


def add_value_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "customer value (expected purchases, P(alive), CLV; transaction logs)"
    )
    group.add_argument(
        "--horizon",
        metavar="SPAN",
        help=f"how far ahead to predict: days, weeks or months such as 90d, 39w or 12m "
        f"(default: {defaults.HORIZON})",
    )
    group.add_argument(
        "--discount-rate",
        metavar="RATE",
        help=f"annual discount rate for CLV, e.g. 10%% or 0.1 (default: "
        f"{defaults.DISCOUNT_RATE * 100:g}%%)",
    )
    group.add_argument(
        "--margin",
        metavar="SHARE",
        help=f"profit margin applied to spend, e.g. 30%% (default: {defaults.MARGIN * 100:g}%%)",
    )
    group.add_argument(
        "--value-model",
        choices=defaults.VALUE_MODELS,
        help="bgnbd (BG/NBD), mbgnbd (MBG/NBD) or auto: the better fit (default: auto)",
    )
    group.add_argument(
        "--priority-by",
        choices=defaults.PRIORITY_BY,
        help="order segment priorities by past revenue or by predicted CLV (default: revenue)",
    )
    group.add_argument(
        "--no-value", action="store_true", help="leave customer value out of this run"
    )


def value_overrides(args: argparse.Namespace) -> dict:
    """The flags given, keyed as the Settings sheet's value settings."""
    return {
        "value": "no" if getattr(args, "no_value", False) else None,
        "value_model": getattr(args, "value_model", None),
        "horizon": getattr(args, "horizon", None),
        "discount_rate": getattr(args, "discount_rate", None),
        "margin": getattr(args, "margin", None),
        "priority_by": getattr(args, "priority_by", None),
    }
