"""Behavioural clusters: features, a machine-independent k-means, names and actions."""
