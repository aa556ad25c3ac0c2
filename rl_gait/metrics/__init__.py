"""Fidelity metrics between simulated and measured gait (pure numpy; see :mod:`rl_gait.metrics.fidelity`)."""

from rl_gait.metrics.fidelity import (
    cadence_steps_per_min,
    curve_fidelity,
    dtw_distance,
    endpoint_error_cm,
    fall_rate,
    initial_contact_indices,
    pearson_r,
    relative_error_pct,
    rmse,
    rmse_deg,
    stance_mask,
    stance_pct,
    stride_curves,
    stride_normalise,
    symmetry_index_pct,
)

__all__ = [
    "cadence_steps_per_min",
    "curve_fidelity",
    "dtw_distance",
    "endpoint_error_cm",
    "fall_rate",
    "initial_contact_indices",
    "pearson_r",
    "relative_error_pct",
    "rmse",
    "rmse_deg",
    "stance_mask",
    "stance_pct",
    "stride_curves",
    "stride_normalise",
    "symmetry_index_pct",
]
