"""Customer-value options from command-line flags and the Settings sheet, resolved once."""

from __future__ import annotations

from segmentation import defaults
from segmentation.value.horizon import parse_rate
from segmentation.value.options import ValueOptions

# RunOptions.value holds what the user gave (flags, ribbon): these keys, None = not given.
KEYS = ("value", "value_model", "horizon", "discount_rate", "margin", "priority_by")


def resolve_value(given: dict | ValueOptions | None, settings: dict) -> ValueOptions:
    """Flags first, then the Settings sheet, then the defaults."""
    if isinstance(given, ValueOptions):
        return given
    given = given or {}

    def pick(key: str, default: object) -> object:
        value = given.get(key)
        return value if value is not None else settings.get(key, default)

    enabled = pick("value", "yes")
    return ValueOptions(
        enabled=enabled not in (False, "no"),
        model=str(pick("value_model", defaults.VALUE_MODEL)),
        horizon=pick("horizon", defaults.HORIZON),
        discount_rate=parse_rate(pick("discount_rate", defaults.DISCOUNT_RATE), "discount_rate"),
        margin=parse_rate(pick("margin", defaults.MARGIN), "margin"),
        priority_by=str(pick("priority_by", "revenue")),
    )
