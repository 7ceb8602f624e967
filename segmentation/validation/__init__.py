"""Are the segments real? Tests that segments differ, and how stable clusters are."""
