"""Fit the joint-curve model that estimates unmeasured joints (:mod:`rl_gait.ingest.missing_joints`).

Training samples: one per clip and side, ``z = [c(hip), c(knee), c(ankle), speed]`` (Fourier
coefficients of the side's curves cut at its own contact, :func:`rl_gait.atlas.build.cycles_from_clips`)
from three StrokeAvatar folders: ``mocap_healthy`` (optical, all joints; the knee and ankle rest-pose
offsets of the shipped atlas removed, so they share the IMU clips' zero), ``imu_healthy`` and
``imu_patient`` (the stroke survivors; IMU clips have no ankle). The hip's rest-pose offset differs by
device (mean hip over the cycle: optical 16.7°, Noitom IMU −2.6° on the healthy clips): per device one
constant moves its healthy clips' mean hip to the walking prior's 10° (Perry & Burnfield; what
``rl_gait.ingest.joint_angles.WalkingPriors`` gives IMU trials without a standing period), the stroke IMU
clips moved with their device — otherwise the model learns "an IMU-like shank swing means a hip near 0°"
from the device, not the gait. The Gaussian's mean and covariance are
the maximum-likelihood estimate with the missing ankles (EM for a multivariate normal with missing
values, Little & Rubin 2002, ch. 11), then shrunk 5 % towards their diagonal (a regularised
covariance: 350 samples for 52 dimensions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rl_gait._version import __version__
from rl_gait.atlas.build import cycles_from_clips
from rl_gait.atlas.model import load_atlas
from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clips
from rl_gait.ingest.joint_angles import WalkingPriors
from rl_gait.ingest.missing_joints import JointCurveModel, curve_coefficients
from rl_gait.io.jsonio import sha256_file
from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, SIDES

FOLDERS: dict[str, str] = {"optical_healthy": "strokeavatar/mocap_healthy", "imu_healthy": "strokeavatar/imu_healthy",
                           "imu_stroke": "strokeavatar/imu_patient"}
DEVICES: dict[str, str] = {"optical": "optical_healthy", "imu": "imu_healthy"}
"""Device → its healthy folder, whose mean hip sets the device's hip offset (the stroke IMU clips share it)."""
N_HARMONICS = 8
SHRINKAGE = 0.05


def gaussian_em(x: np.ndarray, n_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """``(mean [D], cov [D, D])`` maximum-likelihood estimate from ``[n, D]`` samples with NaN for missing
    values (EM: each sample's missing part replaced by its conditional mean, plus its conditional
    covariance in the M step)."""
    x = np.asarray(x, float)
    miss = ~np.isfinite(x)
    mu = np.nanmean(x, axis=0)
    filled = np.where(miss, mu, x)
    cov = np.cov(filled, rowvar=False) + 1e-9 * np.eye(x.shape[1])
    for _ in range(n_iter):
        extra = np.zeros_like(cov)
        filled = np.where(miss, 0.0, x)
        for pattern in np.unique(miss, axis=0):
            rows = np.all(miss == pattern, axis=1)
            m, o = pattern, ~pattern
            if not m.any():
                continue
            k = np.linalg.solve(cov[np.ix_(o, o)], cov[np.ix_(o, m)]).T  # Σ_mo Σ_oo⁻¹
            filled[np.ix_(rows, m)] = mu[m] + (x[np.ix_(rows, o)] - mu[o]) @ k.T
            extra[np.ix_(m, m)] += rows.sum() * (cov[np.ix_(m, m)] - k @ cov[np.ix_(o, m)])
        mu = filled.mean(axis=0)
        d = filled - mu
        cov = (d.T @ d + extra) / len(x)
    return mu, cov


def fit_gaussian(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(mean, cov)`` of the model from ``[n, D]`` samples (NaN = missing): EM, then shrunk towards the diagonal."""
    mu, cov = gaussian_em(x)
    return mu, (1.0 - SHRINKAGE) * cov + SHRINKAGE * np.diag(np.diag(cov))


def clip_samples(source_dir: Path) -> dict[str, tuple[np.ndarray, list[Path]]]:
    """``{folder name: ([2 n, D] side samples (right sides then left), [n] clip paths)}`` of :data:`FOLDERS`,
    rest-pose offsets removed per device (see the module docstring)."""
    offsets = np.deg2rad([load_atlas().meta["offsets_deg"]["optical"][j] for j in JOINT_NAMES])
    curves, speeds, paths = {}, {}, {}
    for name, rel in FOLDERS.items():
        folder = source_dir / rel
        files = sorted(folder.glob("*.json"))
        if not files:
            raise InputFormatError("no StrokeAvatar clips", path=folder,
                                   fix="pass --source pointing at the shared data folder (holding strokeavatar/)")
        cyc = cycles_from_clips(read_strokeavatar_clips(files))
        curves[name] = cyc.curves_rad + (offsets[None, :, None] if name == "optical_healthy" else 0.0)
        speeds[name], paths[name] = cyc.speed_m_s, files
    hips = [JOINT_NAMES.index(f"hip_{s}") for s in SIDES]
    for device, healthy in DEVICES.items():
        shift = WalkingPriors().hip_flexion_mean_rad - float(np.mean(curves[healthy][:, hips]))
        for name in (n for n in FOLDERS if n.startswith(device)):
            curves[name][:, hips] += shift
    return {name: (side_samples(curves[name], speeds[name]), paths[name]) for name in FOLDERS}


def side_samples(curves_rad: np.ndarray, speed_m_s: np.ndarray, n_harmonics: int = N_HARMONICS) -> np.ndarray:
    """``[2 n, 3 (2H + 1) + 1]`` per clip and side: hip, knee, ankle coefficients (NaN where absent), speed,
    from ``[n, J, 101]`` curves over ``JOINT_NAMES`` and ``[n]`` speeds."""
    rows = []
    for s in SIDES:
        blocks = [curve_coefficients(curves_rad[:, JOINT_NAMES.index(f"{j}_{s}")], n_harmonics) for j in JOINT_TYPES]
        rows.append(np.concatenate(blocks + [speed_m_s[:, None]], axis=1))
    return np.concatenate(rows)


def fit_joint_model(source_dir: str | Path, command: str = "") -> JointCurveModel:
    """Fit the model on the clips under ``source_dir`` (the shared data folder). See the module docstring."""
    source_dir = Path(source_dir)
    data = clip_samples(source_dir)
    samples = [x for x, _ in data.values()]
    sources = {name: {"folder": FOLDERS[name], "files": {f.name: sha256_file(f) for f in files}} for name, (_, files) in data.items()}
    counts = {name: {"clips": len(files), "side_samples": 2 * len(files)} for name, (_, files) in data.items()}
    mu, cov = fit_gaussian(np.concatenate(samples))
    meta = {"package_version": __version__, "command": command, "sources": sources, "counts": counts,
            "method": f"Gaussian over Fourier coefficients (H = {N_HARMONICS}) + speed; EM for missing ankles; "
                      f"covariance shrunk {SHRINKAGE:.0%} towards its diagonal",
            "optical_offsets": "knee and ankle offsets of the shipped atlas (atlas_v1.json offsets_deg) removed",
            "hip_offsets": "per device, its healthy clips' mean hip moved to the walking prior (10 deg)"}
    return JointCurveModel(n_harmonics=N_HARMONICS, mean=mu, cov=cov, meta=meta)
