"""A clean synthetic walk rendered as raw IMU data (test helper, seeded).

Sagittal gait only: the pelvis stays vertical and heads along world +x; each leg segment rotates about
the medio-lateral axis. Segment frame: x forward, y left, z up; a segment inclination θ (positive =
distal end forward) is a rotation by −θ about +y. Each sensor is mounted with a fixed, arbitrary rotation.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

G = 9.80665


def _bump(phi: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (phi - centre + 0.5) % 1.0 - 0.5
    return np.exp(-0.5 * (d / width) ** 2)


def gait_curves_deg(phi: np.ndarray, knee_peak_deg: float = 60.0) -> dict[str, np.ndarray]:
    """Hip, knee, ankle (deg) over phase ``phi`` (0 = initial contact)."""
    # the thigh flexes faster in swing (60-100 %) than it extends in stance: warp the phase
    warped = phi + 0.06 * np.sin(2 * np.pi * phi)
    hip = 8.0 + 17.0 * np.cos(2 * np.pi * warped)
    knee = 4.0 + 12.0 * _bump(phi, 0.15, 0.06) + (knee_peak_deg - 4.0) * _bump(phi, 0.72, 0.11)
    ankle = 3.0 * np.sin(2 * np.pi * phi) - 12.0 * _bump(phi, 0.62, 0.05)
    return {"hip": hip, "knee": knee, "ankle": ankle}


def synthetic_walk(*, fs: float = 100.0, stride_s: float = 1.2, n_strides: float = 10.0, stand_s: float = 2.0,
                   knee_peak_deg: dict[str, float] | None = None, seed: int = 0, noise: float = 0.01,
                   segments: tuple[str, ...] = ("pelvis", "thigh_r", "shank_r", "foot_r", "thigh_l", "shank_l",
                                                "foot_l")) -> tuple[dict, dict]:
    """``(sensors, truth)``: sensors as for ``write_generic_imu_csv``; truth = {"time_s", joint: rad [T],
    "ic_s": {"r", "l"}}."""
    rng = np.random.default_rng(seed)
    peaks = {"r": 60.0, "l": 60.0, **(knee_peak_deg or {})}
    t = np.arange(int((stand_s + 1.0 + n_strides * stride_s) * fs)) / fs
    ramp = np.clip((t - stand_s) / 1.0, 0.0, 1.0)
    ramp = ramp * ramp * (3 - 2 * ramp)  # smoothstep from standing into walking
    walk_t = np.maximum(t - stand_s, 0.0)
    truth: dict = {"time_s": t, "ic_s": {}}
    theta: dict[str, np.ndarray] = {"pelvis": np.zeros_like(t)}
    for side, offset in (("r", 0.0), ("l", 0.5)):
        phi = (walk_t / stride_s + offset) % 1.0
        c = gait_curves_deg(phi, peaks[side])
        hip, knee, ankle = (np.deg2rad(c[k]) * ramp for k in ("hip", "knee", "ankle"))
        theta[f"thigh_{side}"] = hip
        theta[f"shank_{side}"] = hip - knee
        theta[f"foot_{side}"] = hip - knee + ankle
        truth.update({f"hip_{side}": hip, f"knee_{side}": knee, f"ankle_{side}": ankle})
        first = stand_s + ((1.0 - offset) % 1.0) * stride_s
        truth["ic_s"][side] = np.arange(first, t[-1], stride_s)
    sensors = {}
    for seg in segments:
        mount = Rotation.from_euler("xyz", rng.uniform(-np.pi, np.pi, 3))
        seg_rot = Rotation.from_rotvec(np.outer(-theta[seg], [0.0, 1.0, 0.0]))
        sensor_rot = seg_rot * mount
        omega_world = np.outer(-np.gradient(theta[seg], 1 / fs), [0.0, 1.0, 0.0])
        gyr = sensor_rot.inv().apply(omega_world)
        acc = sensor_rot.inv().apply(np.tile([0.0, 0.0, G], (len(t), 1)))
        x, y, z, w = sensor_rot.as_quat().T
        sensors[seg] = {"acc": acc + noise * G * rng.standard_normal(acc.shape),
                        "gyr": gyr + noise * rng.standard_normal(gyr.shape),
                        "quat": np.stack([w, x, y, z], axis=1)}
    return sensors, truth


def write_c3d(path, points: dict[str, np.ndarray], rate: float, invalid: dict[str, slice] | None = None):
    """A C3D file (ezc3d) with ``points`` (label → ``[T, 3]``) at ``rate`` Hz; ``invalid`` marks samples of a
    label invalid the way labs do (residual −1; ezc3d reads them back as NaN). Returns ``path``."""
    import ezc3d

    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [rate]
    c["parameters"]["POINT"]["LABELS"]["value"] = tuple(points)
    n = len(next(iter(points.values())))
    pts = np.ones((4, len(points), n))
    for i, xyz in enumerate(points.values()):
        pts[:3, i, :] = xyz.T
    c["data"]["points"] = pts
    c.write(str(path))
    if invalid:
        c = ezc3d.c3d(str(path))
        pts = c["data"]["points"]
        for label, sl in invalid.items():
            pts[:3, list(points).index(label), sl] = np.nan
        c["data"]["points"] = pts
        c.write(str(path))
    return path
