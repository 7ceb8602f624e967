"""Saving and loading fitted models as JSON.

A :class:`SegmentationModel` bundles the fitted RFM and cluster models with the
settings that produced them, so a workbook (or a file) can carry it and score next
month's customers on the same scale. The JSON holds data only: numbers, names and
texts, never code or paths to run.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segmentation.clustering.estimator import ClusterSegmenter
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.rfm.scoring import RFMSegmenter
from segmentation.value.model import CustomerValueModel

FORMAT = "excel-segmentation-model"
FORMAT_VERSION = 1


def _package_version() -> str:
    from segmentation import __version__

    return __version__


def _json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON: store them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _json_safe(value.item())
    return value


@dataclass
class SegmentationModel:
    """Fitted models plus the settings they were fitted with.

    Attributes
    ----------
    rfm : RFMSegmenter or None
    clusters : ClusterSegmenter or None
    settings : dict
        Plain settings (method, bins, tie rule, column mapping, ...).
    version : str
        The package version that fitted the models.
    """

    rfm: RFMSegmenter | None = None
    clusters: ClusterSegmenter | None = None
    settings: dict = field(default_factory=dict)
    version: str = field(default_factory=_package_version)
    value: CustomerValueModel | None = None  # customer value: fitted parameters only

    def to_dict(self) -> dict:
        return _json_safe(
            {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "version": self.version,
                "settings": self.settings,
                "rfm": self.rfm.to_dict() if self.rfm is not None else None,
                "clusters": self.clusters.to_dict() if self.clusters is not None else None,
                "value": self.value.to_dict() if self.value is not None else None,
            }
        )

    def to_json(self, *, indent: int | None = None) -> str:
        """Deterministic JSON text (sorted keys): the same model gives the same text."""
        return json.dumps(self.to_dict(), sort_keys=True, indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict) -> SegmentationModel:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise SegmentationError(
                "This is not a saved segmentation model (its 'format' field is missing or "
                "different). Save a model with `segment run` first, or pick another file."
            )
        if int(data.get("format_version", 0)) > FORMAT_VERSION:
            raise SegmentationError(
                f"The saved model uses format {data['format_version']}, newer than this "
                f"version ({_package_version()}) reads. Update the add-in."
            )
        saved_version = str(data.get("version", "unknown"))
        if saved_version != _package_version():
            warnings.warn(
                f"The model was saved by version {saved_version} and is loaded by "
                f"{_package_version()}; scores should agree, but check a few customers.",
                SegmentationWarning,
                stacklevel=3,
            )
        try:
            rfm = RFMSegmenter.from_dict(data["rfm"]) if data.get("rfm") else None
            clusters = (
                ClusterSegmenter.from_dict(_restore_nan(data["clusters"]))
                if data.get("clusters")
                else None
            )
            value = CustomerValueModel.from_dict(data["value"]) if data.get("value") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise SegmentationError(
                f"The saved model is damaged ({type(exc).__name__}: {exc}). Fit and save the "
                "model again."
            ) from exc
        return cls(rfm, clusters, dict(data.get("settings") or {}), saved_version, value)

    @classmethod
    def from_json(cls, text: str) -> SegmentationModel:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SegmentationError(
                f"The saved model is not valid JSON (line {exc.lineno}, column {exc.colno}): "
                "was it edited by hand? Fit and save the model again."
            ) from exc
        return cls.from_dict(data)

    def save(self, path: str | Path) -> None:
        """Write the JSON next to ``path`` first, then swap it in: never a half file."""
        path = Path(path)
        partial = path.with_name(f"~{path.name}.partial")
        partial.write_text(self.to_json(indent=1), encoding="utf-8")
        os.replace(partial, path)

    @classmethod
    def load(cls, path: str | Path) -> SegmentationModel:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise SegmentationError(
                f"No saved model at '{path}'. Check the file name, or fit a model first."
            ) from exc
        return cls.from_json(text)


def _restore_nan(data: dict) -> dict:
    validation = {k: (float("nan") if v is None else v) for k, v in data["validation"].items()}
    return {**data, "validation": validation}
