"""Customer segmentation engine: RFM scores, named segments, behavioural clusters.

Plain DataFrames in and out; no Excel. The add-in, the command line and the
formulas all call these functions.
"""

__version__ = "0.1.0"

from segmentation.api import (
    SegmentationResult,
    cluster_segments,
    rfm_segments,
    rfm_table,
    segment_customers,
)
from segmentation.clustering.estimator import ClusterSegmenter
from segmentation.errors import SegmentationError, SegmentationWarning
from segmentation.models import SegmentationModel
from segmentation.profiles import segment_differences, segment_profile, size_balance
from segmentation.reading.columns import ColumnMap, detect_columns
from segmentation.reading.customers import CustomerData, read_customers
from segmentation.reading.quality import MISSING_MARKERS, DataQualityReport
from segmentation.rfm.scoring import RFMSegmenter
from segmentation.rfm.segment_maps import PRESETS, SegmentMap, get_segment_map

__all__ = [
    "MISSING_MARKERS",
    "PRESETS",
    "ClusterSegmenter",
    "ColumnMap",
    "CustomerData",
    "DataQualityReport",
    "RFMSegmenter",
    "SegmentMap",
    "SegmentationError",
    "SegmentationModel",
    "SegmentationResult",
    "SegmentationWarning",
    "__version__",
    "cluster_segments",
    "detect_columns",
    "get_segment_map",
    "read_customers",
    "rfm_segments",
    "rfm_table",
    "segment_customers",
    "segment_differences",
    "segment_profile",
    "size_balance",
]
