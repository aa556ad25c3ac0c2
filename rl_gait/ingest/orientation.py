"""Sensor orientation: an AHRS filter from the ``ahrs`` library, and angular velocity from quaternions.

Quaternions are scalar first ``(w, x, y, z)`` and rotate sensor-frame vectors into a world frame
whose z axis is up (ENU/NWU). Only the direction of gravity in each sensor frame is used downstream,
so the unobservable heading of a 6-axis filter does not matter for the sagittal angles.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

FilterName = Literal["madgwick", "mahony"]


def _wxyz_to_xyzw(q: np.ndarray) -> np.ndarray:
    return q[..., [1, 2, 3, 0]]


def rotation_from_wxyz(quat_wxyz: np.ndarray) -> Rotation:
    """scipy ``Rotation`` from ``[T, 4]`` scalar-first quaternions."""
    return Rotation.from_quat(_wxyz_to_xyzw(np.asarray(quat_wxyz, dtype=np.float64)))


def initial_quat_from_acc(acc_m_s2: np.ndarray) -> np.ndarray:
    """``[4]`` (w, x, y, z) that puts the mean of the first accelerometer samples on world +z."""
    a = np.mean(acc_m_s2[: max(1, min(len(acc_m_s2), 10))], axis=0)
    a = a / np.linalg.norm(a)
    rot, _ = Rotation.align_vectors([[0.0, 0.0, 1.0]], [a])
    x, y, z, w = rot.as_quat()
    return np.array([w, x, y, z])


def estimate_orientation(acc_m_s2: np.ndarray, gyr_rad_s: np.ndarray, sample_rate_hz: float, *,
                         mag: np.ndarray | None = None, filter_name: FilterName = "madgwick",
                         gain: float | None = None) -> np.ndarray:
    """``[T, 4]`` sensor→world quaternions (w, x, y, z; world z up) from ``[T, 3]`` acc (m/s²) and gyro (rad/s).

    Madgwick (default gain 0.033 without, 0.041 with magnetometer) or Mahony (``k_P`` = gain, default 1.0)
    from :mod:`ahrs`; the filter starts at the attitude of the first accelerometer samples.
    """
    from ahrs.filters import Madgwick, Mahony

    acc = np.asarray(acc_m_s2, dtype=np.float64)
    gyr = np.asarray(gyr_rad_s, dtype=np.float64)
    q0 = initial_quat_from_acc(acc)
    kwargs: dict = {"gyr": gyr, "acc": acc, "frequency": float(sample_rate_hz), "q0": q0}
    if mag is not None and np.all(np.isfinite(mag)) and np.median(np.linalg.norm(mag, axis=1)) > 0:
        kwargs["mag"] = np.asarray(mag, dtype=np.float64)
    if filter_name == "madgwick":
        if gain is not None:
            kwargs["gain"] = gain
        q = Madgwick(**kwargs).Q
    elif filter_name == "mahony":
        q = Mahony(k_P=gain if gain is not None else 1.0, **kwargs).Q
    else:
        raise ValueError(f"unknown filter {filter_name!r}; use 'madgwick' or 'mahony'")
    return q / np.linalg.norm(q, axis=1, keepdims=True)


def angular_velocity_from_quat(quat_wxyz: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """``[T, 3]`` body-frame angular velocity (rad/s) from ``[T, 4]`` orientations (central differences).

    ω(t) ≈ rotvec(R(t−1)⁻¹ R(t+1)) · fs / 2, ends by one-sided differences. Exact for a constant rate.
    """
    rot = rotation_from_wxyz(quat_wxyz)
    n = len(rot)
    omega = np.zeros((n, 3))
    if n < 2:
        return omega
    step = (rot[:-1].inv() * rot[1:]).as_rotvec() * sample_rate_hz  # [T-1, 3], at t + 1/2
    omega[1:-1] = 0.5 * (step[:-1] + step[1:])
    omega[0], omega[-1] = step[0], step[-1]
    return omega


def up_in_sensor_frame(quat_wxyz: np.ndarray) -> np.ndarray:
    """``[T, 3]`` world up (+z) expressed in the sensor frame."""
    return rotation_from_wxyz(quat_wxyz).inv().apply(np.array([0.0, 0.0, 1.0]))
