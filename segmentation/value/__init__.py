"""Customer value: expected purchases, P(alive), order value and CLV per customer."""
