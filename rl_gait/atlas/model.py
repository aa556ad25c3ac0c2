"""The Healthy Motion Atlas: speed-conditioned healthy joint-angle curves and spatio-temporal norms.

Speed conditioning is a **linear regression on speed at every gait-phase point** (per joint and side):
``mean(φ, v) = a(φ) + b(φ)·(v − v_ref)``, with the between-stride SD taken as the residual SD at each
phase point. Why regression rather than speed bins: (1) the healthy clips are spread over a continuous
range of speeds (few strides per bin would make bin means noisy), (2) the curve is then a smooth (affine)
function of speed by construction, with no jump at a bin edge, and (3) joint-angle features of healthy
gait change close to linearly with speed over the normal range (Lelas et al. 2003 Gait Posture 17:106;
Schwartz et al. 2008 J Biomech 41:1639). Speeds outside the range seen in the data are clamped to that
range (no extrapolation), and :meth:`HealthyAtlas.mean_curves` says so through ``speed_range_m_s``.

Two sources are kept separately because they differ by device, not by people:

- ``"optical"`` — the 118 optical-mocap clips, all six joints. Knee and ankle carry constant offsets of
  the BVH rest pose; the atlas removes them (see ``offsets_deg`` in the sidecar and
  :mod:`rl_gait.atlas.build`). This is the default (the gold standard, and the only one with ankles).
- ``"imu"`` — the 44 Noitom IMU clips, hips and knees only (ankles ``nan``). Used to score IMU trials
  (device-matched: the Noitom hip amplitude is ~30 % smaller than optical mocap's).

Arrays are ``[J, 101]`` in radians over :data:`rl_gait.joints.JOINT_NAMES`, each side with phase 0 at
its own initial contact.

Frontal-plane curves (:data:`FRONTAL_REFERENCE_NAMES`, names and signs of :mod:`rl_gait.ingest.frontal`) are
``[F, 101]`` radians per source that has segment orientations — the IMU clips only (the optical clips hold BVH
Euler angles whose channel order is not published): ``pelvic_obliquity`` over right strides (phase 0 = right
initial contact, each clip's cycle mean removed: see :mod:`rl_gait.atlas.build`), each ``hip_adduction_*``
from its own initial contact. Same speed regression as the sagittal curves. Atlases built before them have none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError, RlGaitError
from rl_gait.io.documents import load_document, write_document
from rl_gait.io.jsonio import sha256_file
from rl_gait.joints import FRONTAL_REFERENCE_NAMES, JOINT_NAMES, N_CURVE_POINTS

SOURCES: tuple[str, ...] = ("optical", "imu")
DEFAULT_ATLAS_PATH = Path(__file__).resolve().parents[1] / "data" / "atlas" / "atlas_v1.npz"
SPATIOTEMPORAL_KEYS: tuple[str, ...] = ("cadence_steps_per_min", "stride_length_m", "stance_pct")
"""Frontal curves of the atlas (rad; left side up / adduction positive, :mod:`rl_gait.ingest.frontal`)."""


@dataclass(frozen=True)
class SpeedRegression:
    """Per-point linear model ``y(v) = intercept + slope·(clamp(v) − speed_ref_m_s)`` with residual SD.

    Attributes:
        intercept: ``[...]`` value at ``speed_ref_m_s``.
        slope_per_m_s: ``[...]`` change per m/s.
        sd: ``[...]`` residual SD (same unit as ``intercept``).
        speed_ref_m_s: centring speed (mean speed of the data).
        speed_range_m_s: ``(min, max)`` speeds of the data; queries are clamped to it.
        n: number of strides behind the fit (per element, ``[...]``-broadcastable).
    """

    intercept: np.ndarray
    slope_per_m_s: np.ndarray
    sd: np.ndarray
    speed_ref_m_s: float
    speed_range_m_s: tuple[float, float]
    n: np.ndarray

    def at(self, speed_m_s: float) -> tuple[np.ndarray, np.ndarray]:
        """``(mean, sd)`` at ``speed_m_s`` (clamped to ``speed_range_m_s``)."""
        v = float(np.clip(speed_m_s, *self.speed_range_m_s))
        return self.intercept + self.slope_per_m_s * (v - self.speed_ref_m_s), self.sd


def fit_speed_regression(y: np.ndarray, speed_m_s: np.ndarray) -> SpeedRegression:
    """Least-squares ``y = a + b (v − v̄)`` independently at every element of ``y[i, ...]``.

    Args:
        y: ``[n, ...]`` one row per stride; ``nan`` rows are ignored element-wise.
        speed_m_s: ``[n]`` speed of each stride.
    Returns:
        A :class:`SpeedRegression`; ``sd`` is the residual SD with ``n − 2`` degrees of freedom.
    """
    y = np.asarray(y, dtype=np.float64)
    v = np.asarray(speed_m_s, dtype=np.float64)
    if y.shape[0] != v.shape[0] or y.shape[0] < 3:
        raise ValueError(f"need >= 3 strides with one speed each, got y {y.shape} and speeds {v.shape}")
    ok = np.isfinite(y)
    vb = v.reshape((-1,) + (1,) * (y.ndim - 1))
    n = ok.sum(axis=0)
    v_ref = float(v.mean())
    x = np.where(ok, vb - v_ref, 0.0)
    yz = np.where(ok, y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = x.sum(0) / n
        y_mean = yz.sum(0) / n
        dx = np.where(ok, x - x_mean, 0.0)
        slope = (dx * (yz - y_mean)).sum(0) / (dx**2).sum(0)
        intercept = y_mean - slope * x_mean
        resid = np.where(ok, yz - intercept - slope * x, 0.0)
        sd = np.sqrt((resid**2).sum(0) / (n - 2))
    bad = n < 3
    intercept, slope, sd = (np.where(bad, np.nan, a) for a in (intercept, slope, sd))
    return SpeedRegression(intercept, slope, sd, v_ref, (float(v.min()), float(v.max())), np.asarray(n))


@dataclass(frozen=True)
class HealthyAtlas:
    """Speed-conditioned healthy curves (per source) and spatio-temporal norms.

    Attributes:
        joint_names: :data:`rl_gait.joints.JOINT_NAMES`.
        curves: ``{source: SpeedRegression}`` with arrays ``[J, 101]`` (radians).
        spatiotemporal: ``{key: SpeedRegression}`` with scalar arrays, keys :data:`SPATIOTEMPORAL_KEYS`.
        meta: the JSON sidecar (command, sources with hashes, counts, offsets, cross-check, version).
        frontal: ``{source: SpeedRegression}`` with arrays ``[F, 101]`` (radians) over ``frontal_names``;
            empty for an atlas built before frontal curves, and without a source that lacks segment orientations.
        frontal_names: :data:`FRONTAL_REFERENCE_NAMES` (``()`` without frontal curves).
    """

    joint_names: tuple[str, ...]
    curves: dict[str, SpeedRegression]
    spatiotemporal: dict[str, SpeedRegression]
    meta: dict = field(default_factory=dict)
    frontal: dict[str, SpeedRegression] = field(default_factory=dict)
    frontal_names: tuple[str, ...] = ()

    def source_for(self, source: str) -> SpeedRegression:
        if source not in self.curves:
            raise RlGaitError(f"atlas has no source {source!r}; available: {', '.join(self.curves)}")
        return self.curves[source]

    def mean_curves(self, speed_m_s: float, source: str = "optical") -> np.ndarray:
        """``[J, 101]`` mean curves (rad) at ``speed_m_s`` (clamped to the source's speed range)."""
        return self.source_for(source).at(speed_m_s)[0]

    def sd_curves(self, source: str = "optical") -> np.ndarray:
        """``[J, 101]`` between-stride SD (rad), speed-independent."""
        return self.source_for(source).sd

    def frontal_mean_curves(self, speed_m_s: float, source: str = "optical") -> dict[str, np.ndarray]:
        """``{name: [101]}`` healthy frontal mean curves (rad) at ``speed_m_s`` (clamped to the source's speed
        range); ``{}`` for an atlas built before frontal curves. Raises :class:`RlGaitError` naming the sources
        that have them when ``source`` has none (the shipped atlas: ``"imu"`` only)."""
        if not self.frontal:
            return {}
        if source not in self.frontal:
            raise RlGaitError(f"atlas has frontal curves for source {', '.join(map(repr, self.frontal))} only, not "
                              f"{source!r} (the optical clips carry no segment orientations); pass source='imu'")
        mean = self.frontal[source].at(speed_m_s)[0]
        return {name: mean[i] for i, name in enumerate(self.frontal_names)}

    def spatiotemporal_at(self, speed_m_s: float) -> dict[str, float]:
        """Norms at ``speed_m_s``: ``{key: mean}`` plus ``{key + "_sd": sd}``."""
        out: dict[str, float] = {}
        for k, reg in self.spatiotemporal.items():
            mean, sd = reg.at(speed_m_s)
            out[k] = float(mean)
            out[f"{k}_sd"] = float(sd)
        return out

    @property
    def comfortable_speed_m_s(self) -> float:
        """Mean speed of the optical strides (the default speed of the healthy reference)."""
        return self.curves["optical"].speed_ref_m_s

    # ------------------------------------------------------------------ persistence (npz + JSON)
    def save(self, path: str | Path) -> Path:
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        regs: dict[str, dict] = {}
        for group, d in (("curves", self.curves), ("st", self.spatiotemporal), ("frontal", self.frontal)):
            for name, reg in d.items():
                key = f"{group}__{name}"
                arrays[f"{key}__intercept"] = np.asarray(reg.intercept, dtype=np.float32)
                arrays[f"{key}__slope_per_m_s"] = np.asarray(reg.slope_per_m_s, dtype=np.float32)
                arrays[f"{key}__sd"] = np.asarray(reg.sd, dtype=np.float32)
                arrays[f"{key}__n"] = np.asarray(reg.n, dtype=np.int32)
                regs[key] = {"speed_ref_m_s": reg.speed_ref_m_s, "speed_range_m_s": list(reg.speed_range_m_s)}
        np.savez_compressed(path, **arrays)
        meta = {k: v for k, v in self.meta.items() if k not in ("format", "format_version", "schema", "frontal_names")}
        meta.update({
            "joint_names": list(self.joint_names), "n_curve_points": N_CURVE_POINTS,
            "units": {"curves": "rad", "slope": "per m/s", "cadence": "steps/min", "stance_pct": "%"},
            "regressions": regs,
            **({"frontal_names": list(self.frontal_names)} if self.frontal else {}),
            "npz_sha256": sha256_file(path),
        })
        write_document(path.with_suffix(".json"), "atlas", meta)
        return path


def load_atlas(path: str | Path | None = None) -> HealthyAtlas:
    """Load an atlas (``.npz`` + ``.json`` sidecar); default: the one shipped with the package."""
    path = Path(path or DEFAULT_ATLAS_PATH).with_suffix(".npz")
    meta_path = path.with_suffix(".json")
    fix = "build one with `rl-gait atlas build --source ../shared/data --out <file>.npz`"
    if not path.is_file() or not meta_path.is_file():
        raise InputFormatError("atlas not found (need the .npz and its .json sidecar)", path=path, fix=fix)
    meta = load_document(meta_path, "atlas")
    if sha256_file(path) != meta["npz_sha256"]:
        raise InputFormatError("atlas .npz does not match the hash in its sidecar (altered?)", path=path, fix=fix)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k].astype(np.float64) if z[k].dtype.kind == "f" else z[k] for k in z.files}
    groups: dict[str, dict[str, SpeedRegression]] = {"curves": {}, "st": {}, "frontal": {}}
    for key, info in meta["regressions"].items():
        group, name = key.split("__", 1)
        groups[group][name] = SpeedRegression(
            intercept=arrays[f"{key}__intercept"], slope_per_m_s=arrays[f"{key}__slope_per_m_s"],
            sd=arrays[f"{key}__sd"], speed_ref_m_s=float(info["speed_ref_m_s"]),
            speed_range_m_s=tuple(info["speed_range_m_s"]), n=arrays[f"{key}__n"],
        )
    return HealthyAtlas(tuple(meta["joint_names"]), groups["curves"], groups["st"], meta, groups["frontal"],
                        tuple(meta.get("frontal_names", ())))


__all__ = ["FRONTAL_REFERENCE_NAMES", "HealthyAtlas", "SpeedRegression", "fit_speed_regression", "load_atlas", "JOINT_NAMES"]
