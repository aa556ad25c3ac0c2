"""Reader for StrokeAvatar gait-cycle clips (the JSON format of Dai et al.'s public data).

One file is one gait cycle segmented from a 20 m level walk. Keys: ``walk`` (frames × 62 floats),
``aveVelocity`` (m/s), ``stepLength`` (m — really the *stride* length), ``stepFrequency`` (Hz — really
``rate / (N - 1)``, i.e. one over the cycle duration), ``fai`` (phase 0…1 per frame).

Two layouts share the format (see ``../shared/data/README.md``):

- **IMU clips** (Noitom suit, 90 Hz): columns 0–2 pelvis position (m, Unity axes), then global segment
  quaternions stored **(x, y, z, w)**: 3–6 pelvis, 7–10 left thigh, 11–14 left shank, 15–18 right thigh,
  19–22 right shank; 23–61 are zero. There is no foot sensor, so no ankle angle. The clip starts at about
  left foot-off.
- **Mocap clips** (optical, 120 Hz): columns 0–2 hip position, then BVH Euler angles in degrees. Per leg
  the layout is thigh (3 channels), knee (1 channel, flexion), foot (3 channels): right 48–50 / 51 /
  52–54, left 55–57 / 58 / 59–61 (7 + 7 channels close the 62 columns). The clip starts at right heel strike.

Joint angles (radians, clinical signs of :mod:`rl_gait.joints`):

- IMU: knee = inv(Q_thigh)·Q_shank, hip = inv(Q_pelvis)·Q_thigh; flexion is the first angle of the
  intrinsic ``'XZY'`` sequence, knee flexion +X, hip flexion −X (checked on the data, see README).
- Mocap: hip flexion = −thigh channel 1, knee flexion = +knee channel, ankle dorsiflexion = −foot
  channel 1. The foot's first channel rotates about the same (medio-lateral) axis as the thigh's first
  channel, so dorsiflexion (toes up) has the sign of hip flexion; on the 118 healthy clips its
  per-cycle range is ~30° with plantarflexion peaking at push-off (~60 % of the cycle), as expected.
  The BVH rest pose is not the clinical zero: mocap knee and ankle carry constant offsets relative to
  the IMU clips (knee +13–17° in stance); they are kept as recorded here and handled by the atlas.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from scipy.spatial.transform import Rotation

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.base import ReadContext, refuse_orientation_filter
from rl_gait.ingest.formats.table import check_angle_units
from rl_gait.ingest.kinematics import Kinematics, strokeavatar_kinematics
from rl_gait.joints import JOINT_NAMES

READER_VERSION = "1"
IMU_RATE_HZ = 90.0
MOCAP_RATE_HZ = 120.0
N_COLUMNS = 62

IMU_SEGMENTS: tuple[str, ...] = ("pelvis", "thigh_l", "shank_l", "thigh_r", "shank_r")
_IMU_QUAT_COL: dict[str, int] = {"pelvis": 3, "thigh_l": 7, "shank_l": 11, "thigh_r": 15, "shank_r": 19}
IMU_JOINTS: tuple[str, ...] = ("hip_r", "knee_r", "hip_l", "knee_l")

# (column, sign): clinical angle (deg) = sign * column
_MOCAP_JOINT_COLS: dict[str, tuple[int, float]] = {
    "hip_r": (48, -1.0),
    "knee_r": (51, +1.0),
    "ankle_r": (52, -1.0),
    "hip_l": (55, -1.0),
    "knee_l": (58, +1.0),
    "ankle_l": (59, -1.0),
}

ClipKind = Literal["imu", "mocap"]


@dataclass(frozen=True)
class StrokeAvatarClip:
    """One StrokeAvatar gait-cycle clip.

    Attributes:
        path: the file read.
        kind: ``"imu"`` (Noitom, 90 Hz) or ``"mocap"`` (optical, 120 Hz).
        sample_rate_hz: 90 (imu) or 120 (mocap).
        time_s: ``[T]`` seconds from the first frame. The last frame closes the cycle (it equals the
            first frame of the next cycle), so the cycle duration is ``time_s[-1]``.
        segment_names: ``IMU_SEGMENTS`` for IMU clips, ``()`` for mocap.
        segment_quat_wxyz: ``[T, S, 4]`` global segment orientations, scalar first, in a right-handed
            frame obtained from Unity's left-handed one by mirroring x (the stored (x, y, z, w) becomes
            (w, x, −y, −z), as the original StrokeAvatar code does); ``[T, 0, 4]`` for mocap.
        joint_names: subset of :data:`rl_gait.joints.JOINT_NAMES` in that order (no ankles for IMU).
        joint_angles_rad: ``[T, J]`` sagittal joint angles, radians, clinical signs.
        pelvis_position_m: ``[T, 3]`` pelvis (imu) / hip (mocap) position as recorded.
        ave_velocity_m_s: mean walking speed of the cycle (``aveVelocity``).
        stride_length_m: distance per cycle (the file's ``stepLength``).
        phase_zero: ``"left_foot_off"`` (imu) or ``"right_initial_contact"`` (mocap).
    """

    path: Path
    kind: ClipKind
    sample_rate_hz: float
    time_s: np.ndarray
    segment_names: tuple[str, ...]
    segment_quat_wxyz: np.ndarray
    joint_names: tuple[str, ...]
    joint_angles_rad: np.ndarray
    pelvis_position_m: np.ndarray
    ave_velocity_m_s: float
    stride_length_m: float
    phase_zero: str

    @property
    def n_frames(self) -> int:
        return int(self.time_s.shape[0])

    @property
    def cycle_duration_s(self) -> float:
        return float(self.time_s[-1])

    def angle(self, joint: str) -> np.ndarray:
        """``[T]`` angle (rad) of ``joint``."""
        return self.joint_angles_rad[:, self.joint_names.index(joint)]


def _kind_from(path: Path, walk: np.ndarray) -> ClipKind:
    """IMU clips hold unit quaternions in 3–22 and zeros from column 23; mocap clips hold Euler degrees."""
    tail_zero = not np.any(walk[:, 23:])
    quats = walk[:, 3:23].reshape(len(walk), 5, 4)
    unit = np.allclose(np.linalg.norm(quats, axis=-1), 1.0, atol=1e-2)
    if tail_zero and unit:
        return "imu"
    if not tail_zero:
        return "mocap"
    raise InputFormatError(
        "columns 3–22 are neither unit quaternions (IMU clip) nor followed by BVH Euler angles (mocap clip)",
        path=path, fix="pass an original StrokeAvatar NoitomData or MocapData JSON file",
    )


def _imu_angles(q_xyzw: dict[str, np.ndarray]) -> np.ndarray:
    """``[T, 4]`` hip_r, knee_r, hip_l, knee_l (rad) from global (x, y, z, w) quaternions."""
    rot = {k: Rotation.from_quat(v) for k, v in q_xyzw.items()}
    out = []
    for s in ("r", "l"):
        hip = (rot["pelvis"].inv() * rot[f"thigh_{s}"]).as_euler("XZY")[:, 0]
        knee = (rot[f"thigh_{s}"].inv() * rot[f"shank_{s}"]).as_euler("XZY")[:, 0]
        out += [-hip, knee]
    return np.stack(out, axis=1)


def read_strokeavatar_clip(path: str | Path) -> StrokeAvatarClip:
    """Read one StrokeAvatar clip (IMU or mocap, detected from the columns).

    Raises :class:`InputFormatError` (one line) for a missing, non-JSON or wrongly shaped file.
    """
    path = Path(path)
    fix = "pass an original StrokeAvatar clip (JSON with walk, aveVelocity, stepLength)"
    if not path.is_file():
        raise InputFormatError("file not found", path=path, fix="check the path")
    try:
        raw = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFormatError(f"not valid JSON ({exc.__class__.__name__}: {exc})", path=path, fix=fix) from None
    if not isinstance(raw, dict) or "walk" not in raw:
        raise InputFormatError("no 'walk' array: not a StrokeAvatar clip", path=path, fix=fix)
    missing = [k for k in ("aveVelocity", "stepLength") if k not in raw]
    if missing:
        raise InputFormatError(f"missing key(s) {', '.join(missing)}", path=path, fix=fix)
    try:
        walk = np.asarray(raw["walk"], dtype=np.float64)
        speed = float(raw["aveVelocity"])
        stride = float(raw["stepLength"])
    except (TypeError, ValueError):
        raise InputFormatError("'walk' is not a numeric frames × 62 array", path=path, fix=fix) from None
    if walk.ndim != 2 or walk.shape[1] != N_COLUMNS:
        raise InputFormatError(f"'walk' has shape {walk.shape}, expected (frames, {N_COLUMNS})", path=path, fix=fix)
    if walk.shape[0] < 20:
        raise InputFormatError(f"only {walk.shape[0]} frames; one gait cycle needs at least 20", path=path, fix=fix)
    if not np.all(np.isfinite(walk)):
        raise InputFormatError("'walk' contains NaN or inf", path=path, fix=fix)
    if not (np.isfinite(speed) and speed > 0 and np.isfinite(stride) and stride > 0):
        raise InputFormatError(f"aveVelocity={speed} / stepLength={stride} must be positive", path=path, fix=fix)

    kind = _kind_from(path, walk)
    n = walk.shape[0]
    if kind == "imu":
        rate = IMU_RATE_HZ
        q_xyzw = {seg: walk[:, c : c + 4] / np.linalg.norm(walk[:, c : c + 4], axis=1, keepdims=True)
                  for seg, c in _IMU_QUAT_COL.items()}
        angles = _imu_angles(q_xyzw)
        joint_names = IMU_JOINTS
        # Unity (left-handed) -> right-handed by mirroring x: (x, y, z, w) -> (w, x, -y, -z)
        quat = np.stack([np.stack([q[:, 3], q[:, 0], -q[:, 1], -q[:, 2]], axis=1)
                         for q in (q_xyzw[s] for s in IMU_SEGMENTS)], axis=1)
        segments = IMU_SEGMENTS
        phase_zero = "left_foot_off"
    else:
        rate = MOCAP_RATE_HZ
        joint_names = tuple(j for j in JOINT_NAMES if j in _MOCAP_JOINT_COLS)
        angles = np.deg2rad(np.stack([sign * walk[:, col] for col, sign in
                                      (_MOCAP_JOINT_COLS[j] for j in joint_names)], axis=1))
        quat = np.zeros((n, 0, 4))
        segments = ()
        phase_zero = "right_initial_contact"
    check_angle_units(angles, joint_names, path)
    return StrokeAvatarClip(
        path=path, kind=kind, sample_rate_hz=rate, time_s=np.arange(n) / rate, segment_names=segments,
        segment_quat_wxyz=quat, joint_names=joint_names, joint_angles_rad=angles,
        pelvis_position_m=walk[:, 0:3].copy(), ave_velocity_m_s=speed, stride_length_m=stride,
        phase_zero=phase_zero,
    )


def read_strokeavatar_clips(paths: Iterable[str | Path]) -> list[StrokeAvatarClip]:
    """Read several clips (e.g. ``sorted(folder.glob('walk*.json'))``), in the given order."""
    return [read_strokeavatar_clip(p) for p in paths]


class StrokeAvatarFormat:
    """``strokeavatar``: StrokeAvatar JSON gait-cycle clips of one patient (continuing clips are joined)."""

    name = "strokeavatar"
    description = "StrokeAvatar JSON gait-cycle clips (one patient)"

    def detect(self, path: Path) -> bool:
        return path.suffix.lower() == ".json"

    def read(self, files: list[Path], ctx: ReadContext) -> list[StrokeAvatarClip]:
        refuse_orientation_filter("StrokeAvatar clip", ctx)
        return read_strokeavatar_clips(files)

    def kinematics(self, data: list[StrokeAvatarClip], ctx: ReadContext) -> Kinematics:
        return strokeavatar_kinematics(data, ctx.options)


STROKEAVATAR = StrokeAvatarFormat()
