"""Customer segmentation engine: RFM scores, named segments, behavioural clusters.

Plain DataFrames in and out; no Excel. The add-in, the command line and the
formulas all call these functions.
"""

__version__ = "0.1.0"

# Imported on first use, so `segment --help` and `from segmentation import defaults` stay
# light (pandas and scikit-learn load only when something needs them).
_PUBLIC = {
    "SegmentationResult": "segmentation.api",
    "cluster_segments": "segmentation.api",
    "rfm_segments": "segmentation.api",
    "rfm_table": "segmentation.api",
    "segment_customers": "segmentation.api",
    "ClusterSegmenter": "segmentation.clustering.estimator",
    "SegmentationError": "segmentation.errors",
    "SegmentationWarning": "segmentation.errors",
    "SegmentationModel": "segmentation.models",
    "segment_differences": "segmentation.profiles",
    "segment_profile": "segmentation.profiles",
    "size_balance": "segmentation.profiles",
    "ColumnMap": "segmentation.reading.columns",
    "detect_columns": "segmentation.reading.columns",
    "CustomerData": "segmentation.reading.customers",
    "read_customers": "segmentation.reading.customers",
    "MISSING_MARKERS": "segmentation.reading.quality",
    "DataQualityReport": "segmentation.reading.quality",
    "RFMSegmenter": "segmentation.rfm.scoring",
    "PRESETS": "segmentation.rfm.segment_maps",
    "SegmentMap": "segmentation.rfm.segment_maps",
    "get_segment_map": "segmentation.rfm.segment_maps",
    # Customer value.
    "CustomerValueModel": "segmentation.value.model",
    "ValueOptions": "segmentation.value.options",
    "history_from_log": "segmentation.value.history",
}


def __getattr__(name: str) -> object:
    if name in _PUBLIC:
        import importlib

        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'segmentation' has no attribute {name!r}")


__all__ = [
    "MISSING_MARKERS",
    "PRESETS",
    "ClusterSegmenter",
    "ColumnMap",
    "CustomerData",
    "CustomerValueModel",
    "DataQualityReport",
    "RFMSegmenter",
    "SegmentMap",
    "SegmentationError",
    "SegmentationModel",
    "SegmentationResult",
    "SegmentationWarning",
    "ValueOptions",
    "__version__",
    "cluster_segments",
    "detect_columns",
    "get_segment_map",
    "history_from_log",
    "read_customers",
    "rfm_segments",
    "rfm_table",
    "segment_customers",
    "segment_differences",
    "segment_profile",
    "size_balance",
]
