"""One-call functions for the common path, and the whole job in one call.

``rfm_table`` (raw table -> customers), ``rfm_segments`` (customers -> scores and
named segments), ``cluster_segments`` (customers -> clusters), ``segment_profile``
(segments -> profile) each take and return plain DataFrames. ``segment_customers``
runs the lot, as the add-in and the command line do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from segmentation import names
from segmentation.clustering.estimator import ClusterSegmenter
from segmentation.defaults import K_RANGE, METHOD, METHODS, N_BINS, RANDOM_STATE, SEGMENT_MAP, TIES
from segmentation.errors import SegmentationError
from segmentation.models import SegmentationModel
from segmentation.profiles import segment_differences, segment_profile
from segmentation.reading.customers import CustomerData, read_customers
from segmentation.rfm.scoring import RFMSegmenter
from segmentation.rfm.segment_maps import SegmentMap
from segmentation.validation.differences import segment_tests
from segmentation.value.options import ValueOptions, value_step
from segmentation.value.step import ValueResult, first_purchase_column

Method = Literal["rfm", "cluster", "both"]
Progress = Callable[[str, float], None]


def rfm_table(frame: pd.DataFrame, **read_options: object) -> pd.DataFrame:
    """Per-customer Recency, Frequency and Monetary from a transaction log or customer table.

    Keyword arguments go to :func:`segmentation.read_customers`.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"Customer ID": [1, 1, 2], "Date": ["2024-01-01",
    ...     "2024-01-20", "2024-01-10"], "Amount": [10, 15, 40]})
    >>> rfm_table(log)[["Customer ID", "Recency", "Frequency", "Monetary"]]
       Customer ID  Recency  Frequency  Monetary
    0            1        1          2      25.0
    1            2       11          1      40.0
    """
    return read_customers(frame, **read_options).table


def rfm_segments(
    customers: pd.DataFrame,
    *,
    n_bins: int | Mapping[str, int] = N_BINS,
    ties: str = TIES,
    breaks: Mapping[str, list[float]] | None = None,
    segment_map: str | pd.DataFrame | SegmentMap | None = SEGMENT_MAP,
) -> pd.DataFrame:
    """The customer table with ``R``, ``F``, ``M``, ``RFM Score`` and ``RFM Segment`` added."""
    model = RFMSegmenter(n_bins, ties=ties, breaks=breaks, segment_map=segment_map)
    return customers.join(model.fit(customers).segment(customers))


def cluster_segments(
    customers: pd.DataFrame,
    *,
    n_clusters: int | str = "auto",
    k_range: tuple[int, int] = K_RANGE,
    features: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    random_state: int = RANDOM_STATE,
) -> pd.DataFrame:
    """The customer table with ``Cluster`` (1 = most valuable) and ``Cluster Name`` added."""
    model = ClusterSegmenter(
        n_clusters,
        k_range=k_range,
        features=features,
        categorical=categorical,
        random_state=random_state,
    )
    return customers.join(model.fit(customers).segment(customers))


@dataclass
class SegmentationResult:
    """Everything one segmentation run produced.

    Attributes
    ----------
    customers : DataFrame
        One row per customer: the customer table plus the score, segment and cluster
        columns. For a customer-table input, the index is the input's index.
    data : CustomerData
        The customer table as read, with its data-quality report.
    model : SegmentationModel
        The fitted (or loaded) models, ready to save.
    rfm_profile, cluster_profile : DataFrame or None
    cluster_differences : DataFrame or None
        Kruskal-Wallis test per feature across clusters.
    """

    customers: pd.DataFrame
    data: CustomerData
    model: SegmentationModel
    rfm_profile: pd.DataFrame | None = None
    cluster_profile: pd.DataFrame | None = None
    cluster_differences: pd.DataFrame | None = None
    # Do the segments differ? (segmentation.validation.differences; reading in .attrs)
    rfm_tests: pd.DataFrame | None = None
    cluster_tests: pd.DataFrame | None = None
    value: ValueResult | None = None  # customer value; None when not estimated
    value_note: str | None = None  # why value was not estimated


def _noop(step: str, fraction: float) -> None:
    return None


def read_for_run(
    frame: pd.DataFrame,
    *,
    model: SegmentationModel | None = None,
    columns: Mapping[str, str] | None = None,
    kind: str | None = None,
    as_of: object = None,
    features: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    first_row: int = 2,
    date_format: str | None = None,
    drop_duplicates: bool = True,
) -> CustomerData:
    """The table read as :func:`segment_customers` reads it: with a saved model, its
    column mapping (when the headers match), date order and cluster features."""
    if model is not None:
        saved_columns = model.settings.get("columns") or {}
        # The saved mapping helps only when the new table has the same headers.
        if not columns and saved_columns and set(saved_columns.values()) <= set(frame.columns):
            columns = saved_columns
        date_format = date_format or model.settings.get("date_format")
    extras = list(dict.fromkeys([*(features or []), *(categorical or [])])) or None
    if model is not None and model.clusters is not None:
        extras = [*model.clusters.numeric_features_, *model.clusters.category_levels_] or None
    first_purchase = first_purchase_column(frame)  # customer value needs it, when present
    if extras is not None and first_purchase is not None and first_purchase not in extras:
        extras = [*extras, first_purchase]
    return read_customers(
        frame,
        columns=columns,
        kind=kind,
        as_of=as_of,
        extras=extras,
        first_row=first_row,
        drop_duplicates=drop_duplicates,
        date_format=date_format,
    )


def segment_customers(
    frame: pd.DataFrame | CustomerData,
    *,
    method: Method = METHOD,
    model: SegmentationModel | None = None,
    columns: Mapping[str, str] | None = None,
    kind: str | None = None,
    as_of: object = None,
    n_bins: int | Mapping[str, int] = N_BINS,
    ties: str = TIES,
    breaks: Mapping[str, list[float]] | None = None,
    segment_map: str | pd.DataFrame | SegmentMap | None = SEGMENT_MAP,
    n_clusters: int | str = "auto",
    k_range: tuple[int, int] = K_RANGE,
    features: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    random_state: int = RANDOM_STATE,
    first_row: int = 2,
    date_format: str | None = None,
    drop_duplicates: bool = True,
    progress: Progress | None = None,
    value: ValueOptions | None = None,
) -> SegmentationResult:
    """Read a table, score and segment its customers, and profile the segments.

    ``frame`` may also be a table already read (:class:`CustomerData`, e.g. a large log
    aggregated by :func:`segmentation.logs.read_log`); reading options are then unused.
    With ``model``, the saved models score the data instead of new ones being
    fitted, so new customers land on the saved scale. Other parameters are those of
    :func:`read_customers`, :class:`RFMSegmenter` and :class:`ClusterSegmenter`.
    ``progress(step, fraction)`` is called as the work goes on. ``value`` sets the
    customer-value step (:class:`segmentation.value.options.ValueOptions`; on by default).
    """
    report_progress = progress or _noop
    if model is None and method not in METHODS:
        raise SegmentationError.bad_parameter(
            "segment_customers",
            "method",
            method,
            f"one of {', '.join(METHODS)}",
            label="the method",
        )
    if model is not None:
        method = "both" if model.rfm and model.clusters else "rfm" if model.rfm else "cluster"

    report_progress("Reading the table", 0.05)
    data = (
        frame
        if isinstance(frame, CustomerData)
        else read_for_run(
            frame,
            model=model,
            columns=columns,
            kind=kind,
            as_of=as_of,
            features=features,
            categorical=categorical,
            first_row=first_row,
            date_format=date_format,
            drop_duplicates=drop_duplicates,
        )
    )
    customers = data.table
    parts = [customers]
    rfm_model = cluster_model = None
    rfm_profile = cluster_profile = differences = None
    extra_columns = [c for c in customers.columns if c not in (*_BASE_COLUMNS,)]

    if method in ("rfm", "both"):
        report_progress("Scoring R, F and M", 0.35)
        rfm_model = (
            model.rfm
            if model is not None
            else RFMSegmenter(n_bins, ties=ties, breaks=breaks, segment_map=segment_map).fit(
                customers
            )
        )
        scored = rfm_model.segment(customers)
        parts.append(scored)
    if method in ("cluster", "both"):
        report_progress("Finding behavioural clusters", 0.55)
        cluster_model = (
            model.clusters
            if model is not None
            else ClusterSegmenter(
                n_clusters,
                k_range=k_range,
                features=features,
                categorical=categorical,
                random_state=random_state,
            ).fit(customers)
        )
        parts.append(cluster_model.segment(customers))

    report_progress("Estimating customer value", 0.7)
    value_options = value or ValueOptions()
    value_result, value_note = value_step(data, model, value_options)
    if value_result is not None:
        parts.append(value_result.predictions)

    report_progress("Profiling segments", 0.85)
    result_table = pd.concat(parts, axis=1)
    if rfm_model is not None:
        rfm_profile = segment_profile(
            result_table,
            names.RFM_SEGMENT,
            actions=rfm_model.segment_map_.actions(),
            descriptions=rfm_model.segment_map_.descriptions(),
            extras=extra_columns,
        )
    if cluster_model is not None:
        cluster_profile = segment_profile(
            result_table,
            names.CLUSTER_NAME,
            actions=dict(zip(cluster_model.names_, cluster_model.actions_)),
            extras=extra_columns,
        )
        cluster_profile.insert(
            1,
            names.CLUSTER,
            cluster_profile[names.SEGMENT].map(
                {name: i + 1 for i, name in enumerate(cluster_model.names_)}
            ),
        )
        differences = segment_differences(
            result_table,
            names.CLUSTER,
            [*names.RFM_VALUES, *cluster_model.numeric_features_],
        )

    if value_result is not None:
        rfm_profile, cluster_profile = value_options.add_to_profiles(
            value_result, result_table, rfm_profile, cluster_profile
        )
    settings = {
        "method": method,
        "columns": dict(data.columns.roles),
        "kind": data.kind,
        "n_bins": n_bins if not isinstance(n_bins, Mapping) else dict(n_bins),
        "ties": ties,
        "n_clusters": n_clusters,
        "k_range": list(k_range),
        "features": list(features or []),
        "categorical": list(categorical or []),
        "date_format": date_format,
        "as_of": None if data.as_of is None else str(data.as_of.date()),
    }
    settings.update(value_options.settings())
    saved = model or SegmentationModel(
        rfm_model, cluster_model, settings, value=value_result.model if value_result else None
    )
    report_progress("Testing the segments", 0.95)
    rfm_tests, cluster_tests = _segment_tests(result_table, extra_columns, rfm_model, cluster_model)
    report_progress("Done", 1.0)
    return SegmentationResult(
        result_table, data, saved, rfm_profile, cluster_profile, differences,
        rfm_tests=rfm_tests, cluster_tests=cluster_tests, value=value_result,
        value_note=value_note,
    )  # fmt: skip


def _segment_tests(
    table: pd.DataFrame, extras: list[str], rfm_model: object, cluster_model: object
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Kruskal-Wallis and pairwise tests per numeric attribute, chi-square per category."""
    categories = [c for c in extras if table[c].dtype.kind not in "biufcmM"
                  and 2 <= table[c].nunique() <= 20]  # fmt: skip
    rfm = cluster = None
    if rfm_model is not None:
        rfm = segment_tests(table, names.RFM_SEGMENT, numeric=names.RFM_VALUES,
                            categorical=categories)  # fmt: skip
    if cluster_model is not None:
        numeric = [*names.RFM_VALUES, *cluster_model.numeric_features_]
        chosen = list(dict.fromkeys([*cluster_model.category_levels_, *categories]))
        cluster = segment_tests(table, names.CLUSTER_NAME, numeric=numeric, categorical=chosen)
    return rfm, cluster


_BASE_COLUMNS = (names.CUSTOMER_ID, *names.RFM_VALUES, names.LAST_PURCHASE)
# Customer value: the first purchase and age are not profiled as extras.
_BASE_COLUMNS += (names.FIRST_PURCHASE, names.CUSTOMER_AGE)


# Change over time (segmentation.change): this run against an earlier one.
def compare_runs(current: SegmentationResult, previous: SegmentationResult):
    """Who moved where between two runs: ``current`` scored the later period (best with
    ``previous.model``, so both are on one scale). Returns
    :class:`segmentation.change.PeriodChanges`."""
    from segmentation.change import PreviousPeriod, compare_periods

    earlier = PreviousPeriod(previous.customers, previous.model, previous.data.as_of)
    return compare_periods(
        current.customers, earlier, model=current.model, as_of=current.data.as_of
    )
