"""Joints no sensor measured, estimated from what was measured — with an uncertainty band.

Clinics rarely put sensors on the thighs: feet + lower back, or feet + shanks + lower back, give no hip
and no knee (shanks only, or feet only: no ankle either). The unmeasured curves are estimated with a
**Gaussian conditional model** over one side's stride-normalised curves (phase 0 = that side's contact):

    z = [c(hip), c(knee), c(ankle), speed_m_s] ~ N(μ, Σ)

where ``c(·)`` are the 2H + 1 Fourier coefficients (mean, cos, sin of harmonics 1…H) of a 101-point
curve. μ and Σ are fitted (EM, the IMU clips have no ankle) on the healthy optical and IMU StrokeAvatar
clips AND the stroke survivors' IMU clips (:mod:`rl_gait.atlas.joint_model`, shipped as
``rl_gait/data/atlas/joint_model_v1.npz`` with the command that built it in its JSON sidecar).

What the sensors give is a linear function of ``z`` plus noise, ``y = H z + ε``, ``ε ~ N(0, R)``:

- a shank's sagittal inclination = hip − knee (pelvis taken level; pelvic tilt moves ±2–4° and is
  part of the noise), its cycle mean removed (a functional calibration leaves its offset unknown);
- a foot's inclination = hip − knee + ankle, mean removed;
- a measured joint curve (absolute), e.g. the ankle from foot and shank sensors;
- the walking speed (given, or from foot-worn IMUs).

The estimate is the Gaussian posterior (a Kalman update): ``S = H Σ Hᵀ + R``, ``K = Σ Hᵀ S⁻¹``,
``μ' = μ + K (y − H μ)``, ``Σ' = Σ − K H Σ``; a joint's curve is ``B μ'`` and its band ``±sqrt(diag(B Σ' Bᵀ))``
(``B`` the ``[101, 2H + 1]`` Fourier basis). With nothing measured the estimate is the population mean
and its band the population spread; every measurement narrows it by what it explains.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rl_gait.errors import InputFormatError
from rl_gait.io.jsonio import read_json, sha256_file, write_json
from rl_gait.joints import JOINT_TYPES, N_CURVE_POINTS

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "atlas" / "joint_model_v1.npz"
MODEL_FORMAT = "rl_gait.joint_curve_model"
OBSERVABLES: tuple[str, ...] = ("shank", "foot", "hip", "knee", "ankle", "speed")
"""What may be measured: segment inclination shapes (``shank``, ``foot``), joint curves, speed."""


def fourier_basis(n_harmonics: int, n_points: int = N_CURVE_POINTS) -> np.ndarray:
    """``[n_points, 2H + 1]`` columns 1, cos(2π h φ), sin(2π h φ) (h = 1…H) at φ = 0 … 1 (inclusive)."""
    phi = np.linspace(0.0, 1.0, n_points)
    cols = [np.ones_like(phi)]
    for h in range(1, n_harmonics + 1):
        cols += [np.cos(2 * np.pi * h * phi), np.sin(2 * np.pi * h * phi)]
    return np.stack(cols, axis=1)


def curve_coefficients(curves: np.ndarray, n_harmonics: int) -> np.ndarray:
    """``[..., 2H + 1]`` least-squares Fourier coefficients of ``[..., 101]`` curves."""
    return np.asarray(curves, float) @ np.linalg.pinv(fourier_basis(n_harmonics)).T


@dataclass(frozen=True)
class ObservationNoise:
    """Standard deviations of ``ε`` per observed coefficient (a prior on the measurement, not fitted).

    Attributes:
        shape_deg: a cos/sin coefficient of a measured inclination or joint curve (IMU angle error ≈ 2°).
        offset_deg: the mean of a measured joint curve (functional calibration: ±5–9° on S02).
        speed_m_s: a given or foot-IMU walking speed.
    """

    shape_deg: float = 2.0
    offset_deg: float = 5.0
    speed_m_s: float = 0.1


@dataclass(frozen=True)
class JointEstimate:
    """One estimated joint curve: ``mean_rad`` and ``sd_rad`` ``[101]`` (phase 0 = the side's contact)."""

    mean_rad: np.ndarray
    sd_rad: np.ndarray


@dataclass(frozen=True)
class JointCurveModel:
    """``z ~ N(mean, cov)`` over one side's ``[c(hip), c(knee), c(ankle), speed]`` (see the module docstring).

    Attributes:
        n_harmonics: H.
        mean: ``[3 (2H + 1) + 1]``.
        cov: ``[D, D]``.
        meta: the JSON sidecar (command, sources with sha256, sample counts).
    """

    n_harmonics: int
    mean: np.ndarray
    cov: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def n_coef(self) -> int:
        return 2 * self.n_harmonics + 1

    def _rows(self, what: str) -> np.ndarray:
        """``[k, D]`` rows of ``H`` for one observable (see the module docstring)."""
        k = self.n_coef
        d = len(self.mean)
        block = {j: slice(i * k, (i + 1) * k) for i, j in enumerate(JOINT_TYPES)}
        if what == "speed":
            h = np.zeros((1, d))
            h[0, -1] = 1.0
            return h
        h = np.zeros((k, d))
        eye = np.eye(k)
        if what in JOINT_TYPES:
            h[:, block[what]] = eye
            return h
        h[:, block["hip"]] = eye
        h[:, block["knee"]] = -eye
        if what == "foot":
            h[:, block["ankle"]] = eye
        return h[1:]  # inclinations: mean removed

    def estimate(self, observed: dict[str, np.ndarray | float],
                 noise: ObservationNoise = ObservationNoise()) -> dict[str, JointEstimate]:  # noqa: B008
        """``{"hip"|"knee"|"ankle": JointEstimate}`` given ``observed`` (keys of :data:`OBSERVABLES`:
        ``[101]`` curves in rad, phase 0 = the side's contact; ``speed`` in m/s). NaN inputs are skipped."""
        rows, ys, var = [], [], []
        shape_var = np.deg2rad(noise.shape_deg) ** 2
        for key, value in observed.items():
            if key not in OBSERVABLES:
                raise ValueError(f"unknown observable {key!r}; use {', '.join(OBSERVABLES)}")
            if key == "speed":
                if value is None or not np.isfinite(value):
                    continue
                rows.append(self._rows(key))
                ys.append(np.array([float(value)]))
                var.append(np.array([noise.speed_m_s ** 2]))
                continue
            curve = np.asarray(value, float)
            if curve.shape != (N_CURVE_POINTS,) or not np.all(np.isfinite(curve)):
                continue
            c = curve_coefficients(curve, self.n_harmonics)
            if key in ("shank", "foot"):
                c = c[1:]
                v = np.full(len(c), shape_var)
            else:
                v = np.full(len(c), shape_var)
                v[0] = np.deg2rad(noise.offset_deg) ** 2
            rows.append(self._rows(key))
            ys.append(c)
            var.append(v)
        mu, cov = self.mean, self.cov
        if rows:
            h = np.concatenate(rows)
            y = np.concatenate(ys)
            s = h @ cov @ h.T + np.diag(np.concatenate(var))
            gain = np.linalg.solve(s, h @ cov).T  # Σ Hᵀ S⁻¹ (S symmetric)
            mu = mu + gain @ (y - h @ mu)
            cov = cov - gain @ h @ cov
        b = fourier_basis(self.n_harmonics)
        k = self.n_coef
        out = {}
        for i, j in enumerate(JOINT_TYPES):
            sl = slice(i * k, (i + 1) * k)
            var_pts = np.einsum("pk,kl,pl->p", b, cov[sl, sl], b)
            out[j] = JointEstimate(mean_rad=b @ mu[sl], sd_rad=np.sqrt(np.maximum(var_pts, 0.0)))
        return out

    # ---------------------------------------------------------------- persistence (npz + JSON, no pickle)
    def save(self, path: str | Path) -> Path:
        path = Path(path).with_suffix(".npz")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, mean=self.mean, cov=self.cov)
        meta = {**self.meta, "format": MODEL_FORMAT, "format_version": 1, "n_harmonics": self.n_harmonics,
                "state": "[Fourier coefficients of hip, knee, ankle (rad): mean, cos 1, sin 1, ..., cos H, sin H], "
                         "speed_m_s",
                "npz_sha256": sha256_file(path)}
        write_json(path.with_suffix(".json"), meta)
        return path


def load_joint_model(path: str | Path | None = None) -> JointCurveModel:
    """Load a model (``.npz`` + ``.json``; the npz hash is checked against the sidecar before reading)."""
    path = Path(path or DEFAULT_MODEL_PATH).with_suffix(".npz")
    meta_path = path.with_suffix(".json")
    fix = "rebuild it: rl-gait atlas joint-model --source ../shared/data --out rl_gait/data/atlas/joint_model_v1.npz"
    if not path.is_file() or not meta_path.is_file():
        raise InputFormatError("joint-curve model not found (need .npz and .json)", path=path.name, fix=fix)
    meta = read_json(meta_path, fix=fix)
    if not isinstance(meta, dict) or meta.get("format") != MODEL_FORMAT:
        raise InputFormatError("not a joint-curve model sidecar", path=meta_path.name, fix=fix)
    if sha256_file(path) != meta.get("npz_sha256"):
        raise InputFormatError("the model's npz does not match the sha256 in its sidecar", path=path.name, fix=fix)
    with np.load(path, allow_pickle=False) as z:
        return JointCurveModel(n_harmonics=int(meta["n_harmonics"]), mean=z["mean"], cov=z["cov"], meta=meta)


def estimate_missing_joints(model: JointCurveModel, missing: tuple[str, ...], joint_curves: dict[str, np.ndarray],
                            inclination_curves: dict[str, np.ndarray], speed_m_s: float | None,
                            noise: ObservationNoise = ObservationNoise()) -> dict[str, JointEstimate]:  # noqa: B008
    """``{joint: JointEstimate}`` for each name in ``missing`` (e.g. ``knee_r``), from the same side's
    measured ``joint_curves`` (``{joint: [101]}`` rad) and ``inclination_curves`` (``{"shank_r": [101]}``)
    and the speed (``None``/NaN when unknown)."""
    out = {}
    for side in sorted({j.rsplit("_", 1)[1] for j in missing}):
        observed: dict[str, np.ndarray | float] = {jt: joint_curves[f"{jt}_{side}"] for jt in JOINT_TYPES
                                                   if f"{jt}_{side}" in joint_curves}
        for seg in ("shank", "foot"):
            if f"{seg}_{side}" in inclination_curves:
                observed[seg] = inclination_curves[f"{seg}_{side}"]
        if speed_m_s is not None and np.isfinite(speed_m_s):
            observed["speed"] = float(speed_m_s)
        est = model.estimate(observed, noise)
        out.update({f"{jt}_{side}": est[jt] for jt in JOINT_TYPES if f"{jt}_{side}" in missing})
    return out


def cycle_phase(time_s: np.ndarray, initial_contact_s: np.ndarray) -> np.ndarray:
    """``[T]`` gait phase in cycles (integer part = stride count) of one side: linear between consecutive
    initial contacts, extrapolated with the median stride before the first and after the last."""
    ic = np.sort(np.asarray(initial_contact_s, float))
    if ic.size < 2:
        raise ValueError("need at least two initial contacts")
    period = float(np.median(np.diff(ic)))
    knots_t = np.concatenate([[ic[0] - period], ic, [ic[-1] + period]])
    knots_k = np.arange(-1, ic.size + 1, dtype=float)
    t = np.asarray(time_s, float)
    phase = np.interp(t, knots_t, knots_k)
    phase = np.where(t < knots_t[0], -1.0 + (t - knots_t[0]) / period, phase)
    return np.where(t > knots_t[-1], knots_k[-1] + (t - knots_t[-1]) / period, phase)


def curve_time_series(curve_101: np.ndarray, phase_cycles: np.ndarray) -> np.ndarray:
    """``[T]`` a ``[101]`` stride-normalised curve (0…100 %, periodic) played at ``[T]`` phase (cycles)."""
    return np.interp(np.mod(phase_cycles, 1.0), np.linspace(0.0, 1.0, N_CURVE_POINTS), np.asarray(curve_101, float))
