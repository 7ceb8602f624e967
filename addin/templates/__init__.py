"""The template workbooks that teams share, and their catalogue.

Built reproducibly from code by ``python -m templates.build`` in a checkout.
"""

from pathlib import Path

FOLDER = Path(__file__).parent

# File name -> one-line description, in the order `segment template list` shows them.
TEMPLATES = {
    "rfm-starter": ("RFM Starter.xlsx", "RFM scores and named segments for a transaction log"),
    "behavioural-clusters": (
        "Behavioural Clusters.xlsx",
        "behavioural clusters from a customer table with descriptive attributes",
    ),
    "team-scoring": (
        "Team Scoring.xlsx",
        "a saved model and an empty customer table: score next month on the same scale",
    ),
}


def template_path(name: str) -> Path:
    return FOLDER / TEMPLATES[name][0]
