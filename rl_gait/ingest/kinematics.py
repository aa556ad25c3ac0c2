"""Format front ends: what a reader produced → :class:`Kinematics` (time, joint angles, leg angular velocity).

Three front ends serve every format of :mod:`rl_gait.ingest.formats.registry`: :func:`imu_kinematics`
(raw inertial sensors: orientation → sensor-to-segment axes → sagittal inclinations → joint angles),
:func:`angle_table_kinematics` (joint angles read from a file) and :func:`strokeavatar_kinematics`
(StrokeAvatar clips: joint angles + segment orientations). The common back end
(:func:`rl_gait.ingest.pipeline.trial_from_kinematics`) turns a :class:`Kinematics` into a ``GaitTrial``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rl_gait.errors import DataQualityError, InputFormatError
from rl_gait.ingest import alignment
from rl_gait.ingest import frontal as fr
from rl_gait.ingest.formats.table import JointAngleTable
from rl_gait.ingest.joint_angles import apply_walking_priors, joint_angles_from_inclinations
from rl_gait.ingest.options import IngestOptions
from rl_gait.ingest.orientation import angular_velocity_from_quat, estimate_orientation
from rl_gait.ingest.sensors import SEGMENTS, ImuRecording, ImuSet, check_units, repair_gaps, synchronise

if TYPE_CHECKING:
    from rl_gait.ingest.formats.strokeavatar import StrokeAvatarClip


@dataclass(frozen=True)
class FootSignals:
    """A foot sensor's synchronised raw signals, for stride length (:mod:`rl_gait.ingest.zupt`):
    ``acc_m_s2`` ``[T, 3]`` specific force and ``gyr_rad_s`` ``[T, 3]`` in the sensor frame, ``quat_wxyz``
    ``[T, 4]`` sensor→world (z up)."""

    acc_m_s2: np.ndarray
    gyr_rad_s: np.ndarray
    quat_wxyz: np.ndarray


@dataclass(frozen=True)
class Kinematics:
    """What a format-specific front end hands to the common back end.

    ``inclinations_rad`` (segment → ``[T]`` sagittal inclination, positive = distal end forward / toes up)
    and ``segment_omega_rad_s`` (segment → ``[T]`` sagittal angular velocity) exist for IMU formats;
    ``feet`` (side → :class:`FootSignals`) where a foot sensor has an accelerometer.
    """

    time_s: np.ndarray
    sample_rate_hz: float
    angles_rad: dict[str, np.ndarray]
    segment_names: tuple[str, ...]
    segment_quat_wxyz: np.ndarray
    omega_sagittal: dict[str, np.ndarray]  # side -> [T] shank-like sagittal angular velocity (rad/s)
    omega_source: dict[str, str]
    breaks_s: np.ndarray  # times where the recording is discontinuous
    speed_m_s: float | None
    notes: tuple[str, ...]
    calibration: str
    inclinations_rad: dict[str, np.ndarray] = field(default_factory=dict)
    segment_omega_rad_s: dict[str, np.ndarray] = field(default_factory=dict)
    feet: dict[str, FootSignals] = field(default_factory=dict)
    frontal_rad: dict[str, np.ndarray] = field(default_factory=dict)  # rl_gait.ingest.frontal.FRONTAL_NAMES -> [T]


def imu_kinematics(imu: ImuSet, opts: IngestOptions) -> Kinematics:
    """Orientation → sensor-to-segment axes → sagittal inclinations → joint angles (rad)."""
    recs, notes = imu.recordings, list(imu.notes)
    segs = {r.segment for r in recs}
    if not ({"shank_r", "shank_l"} <= segs or {"foot_r", "foot_l"} <= segs or {"thigh_r", "thigh_l"} <= segs):
        raise InputFormatError(
            f"sensors found on {', '.join(sorted(segs)) or 'no segment'}; need both shanks (or both feet/thighs)",
            path=recs[0].path.parent if recs else None,
            fix="add the missing sensor files or fix the sensor map",
        )
    for r in recs:
        check_units(r)
    recs = synchronise(recs, max_gap_s=opts.max_gap_s)
    fs = recs[0].sample_rate_hz
    quats, gyrs = {}, {}
    for r in recs:
        if r.quat_wxyz is not None and opts.orientation == "vendor":
            q = r.quat_wxyz
        elif r.acc_m_s2 is not None and r.gyr_rad_s is not None:
            q = estimate_orientation(r.acc_m_s2, r.gyr_rad_s, fs, mag=r.mag,
                                     filter_name="mahony" if opts.orientation == "mahony" else "madgwick")
        else:
            raise InputFormatError(f"sensor {r.sensor_id}: needs quaternions or acc + gyro", path=r.path,
                                   fix="export Acc and Gyr (or Quat) columns")
        quats[r.segment] = q
        gyrs[r.segment] = r.gyr_rad_s if r.gyr_rad_s is not None else angular_velocity_from_quat(q, fs)
    static = alignment.detect_static_period([np.linalg.norm(g, axis=1) for g in gyrs.values()], fs)
    axes = {s: alignment.segment_axes(quats[s], gyrs[s], static=static, is_foot=s.startswith("foot"),
                                      is_pelvis=s == "pelvis") for s in quats}
    # left/right check first, on the independently signed axes (mid-swing peak positive)
    omega = {s: gyrs[s] @ axes[s].flexion_axis for s in quats if s != "pelvis"}
    theta = {s: alignment.sagittal_inclination_rad(quats[s], axes[s]) for s in quats}
    if suspects := alignment.side_swap_suspects(omega):
        raise DataQualityError(
            f"left/right sensors look swapped: {'; '.join(suspects)} move with the other leg",
            path=_where(recs), fix="correct the sensor-to-segment map (sensorspec.json / --sensor-map)",
        )
    # then the signs that the swing peak alone cannot fix robustly: a foot rotates with its shank
    # (angular velocities correlate), a thigh leans with its shank (inclinations correlate); a foot
    # without its shank pitches further toes-down at push-off than toes-up at contact
    for side in ("r", "l"):
        sh = f"shank_{side}"
        for seg, a, b in ((f"foot_{side}", omega, omega), (f"thigh_{side}", theta, theta)):
            if seg not in axes:
                continue
            if sh in axes:
                flip = np.corrcoef(a[seg], b[sh])[0, 1] < 0
            else:
                flip = seg.startswith("foot") and alignment.foot_pitch_sign(theta[seg]) < 0
            if flip:
                ax = axes[seg]
                axes[seg] = alignment.SegmentAxes(ax.long_axis, -ax.flexion_axis, ax.source)
                omega[seg], theta[seg] = -omega[seg], -theta[seg]
    if "pelvis" in theta:
        thighs = [s for s in ("thigh_r", "thigh_l") if s in axes]
        agree = [alignment.heading_agreement(quats["pelvis"], axes["pelvis"].flexion_axis, quats[t],
                                             axes[t].flexion_axis) for t in thighs]
        if agree and abs(np.mean(agree)) > 0.3:
            if np.mean(agree) < 0:
                theta["pelvis"] = -theta["pelvis"]
                ax = axes["pelvis"]
                axes["pelvis"] = alignment.SegmentAxes(ax.long_axis, -ax.flexion_axis, ax.source)
        else:
            del theta["pelvis"]
            if thighs:
                notes.append("pelvis tilt not observable (sensor headings differ): hip measured from vertical")
    frontal = _sensor_frontal_angles(quats, axes, pelvis_signed="pelvis" in theta, notes=notes)
    angles = joint_angles_from_inclinations(theta)
    if static is None:
        angles = apply_walking_priors(angles, opts.priors)
        calibration = "functional (no standing period): knee/hip offsets from walking priors"
    else:
        calibration = f"static standing {static.start / fs:.2f}–{static.stop / fs:.2f} s"
    seg_names = tuple(s for s in SEGMENTS if s in quats)
    omega_side, source = {}, {}
    for side in ("r", "l"):
        for seg in (f"shank_{side}", f"foot_{side}", f"thigh_{side}"):
            if seg in omega:
                omega_side[side], source[side] = omega[seg], f"{seg} gyroscope"
                break
    n = len(next(iter(quats.values())))
    feet = {r.segment[-1]: FootSignals(r.acc_m_s2, gyrs[r.segment], quats[r.segment]) for r in recs
            if r.segment.startswith("foot") and r.acc_m_s2 is not None}
    return Kinematics(
        time_s=np.arange(n) / fs, sample_rate_hz=fs, angles_rad=angles, segment_names=seg_names,
        segment_quat_wxyz=np.stack([quats[s] for s in seg_names], axis=1), omega_sagittal=omega_side,
        omega_source=source, breaks_s=np.zeros(0), speed_m_s=None, notes=tuple(notes), calibration=calibration,
        inclinations_rad={k: v for k, v in theta.items() if k != "pelvis"}, segment_omega_rad_s=omega, feet=feet,
        frontal_rad=frontal,
    )


def _sensor_frontal_angles(quats: dict[str, np.ndarray], axes: dict[str, alignment.SegmentAxes], *,
                           pelvis_signed: bool, notes: list[str]) -> dict[str, np.ndarray]:
    """Frontal angles from sensor orientations and functional axes (:mod:`rl_gait.ingest.frontal`), heading-free
    (sensor headings may disagree). Without a pelvis whose medio-lateral sign the thighs confirmed, only the
    ranges of obliquity and tilt are meaningful: their signs are then unknown and the hips are not measured."""
    frames = {s: fr.quat_to_matrix(quats[s]) @ fr.segment_frame_from_axes(axes[s].long_axis, axes[s].flexion_axis)
              for s in ("pelvis", "thigh_r", "thigh_l") if s in quats}
    if "pelvis" not in frames:
        return {}
    if not pelvis_signed:
        notes.append("pelvic obliquity/tilt signs unknown (pelvis sensor not signed by the thighs): ranges only; "
                     "hip ab/adduction not measured")
        frames = {"pelvis": frames["pelvis"]}
    return fr.frontal_angles_rad(frames, common_heading=False)


def _where(recs: list[ImuRecording]) -> Path:
    paths = {r.path for r in recs}
    return paths.pop() if len(paths) == 1 else recs[0].path.parent


def _shank_omega_from_angles(angles: dict[str, np.ndarray], fs: float, side: str) -> np.ndarray | None:
    """Shank sagittal inclination ≈ hip − knee (pelvis taken level); its derivative is shank-like ω."""
    if f"hip_{side}" in angles and f"knee_{side}" in angles:
        return np.gradient(angles[f"hip_{side}"] - angles[f"knee_{side}"]) * fs
    return None


def angle_table_kinematics(table: JointAngleTable, opts: IngestOptions) -> Kinematics:
    """Joint angles read from a file (joint-angle CSV, ``.mot``, C3D model outputs): NaN runs up to
    ``opts.max_gap_s`` interpolated, longer ones refused; events from d/dt(hip − knee)."""
    fs = table.sample_rate_hz
    angles = {}
    for j, name in enumerate(table.joint_names):
        x, _ = repair_gaps(table.angles_rad[:, j:j + 1], max(1, int(round(opts.max_gap_s * fs))),
                           path=table.path, what=name)
        angles[name] = x[:, 0]
    omega, source = {}, {}
    for s in ("r", "l"):
        w = _shank_omega_from_angles(angles, fs, s)
        if w is None:
            raise InputFormatError(f"events need hip_{s} and knee_{s} angles", path=table.path,
                                   fix="include hip and knee columns for both sides")
        omega[s], source[s] = w, "d/dt (hip − knee) angles"
    return Kinematics(
        time_s=table.time_s, sample_rate_hz=fs, angles_rad=angles, segment_names=(),
        segment_quat_wxyz=np.zeros((len(table.time_s), 0, 4)), omega_sagittal=omega, omega_source=source,
        breaks_s=np.zeros(0), speed_m_s=None, notes=table.notes, calibration="as given in the file",
    )


SHORT_RUN_CLIPS = 2
"""A continuous run of at most this many StrokeAvatar clips (each exactly one gait cycle) is repeated
periodically to :data:`REPEATED_RUN_CYCLES` cycles or more, so that a single clip — the paper's own unit —
yields complete strides on both sides (a clip starts at about left foot-off, so one cycle holds no
complete stride of either leg; with 3 repeats the event detector's margins still left one stride on
``walk467``). Runs of 3+ clips (``walk460–463``, ``walk468–470``) are used as recorded."""
REPEATED_RUN_CYCLES = 4


def periodic_extension(x: np.ndarray, repeats: int) -> np.ndarray:
    """``x`` ``[T, ...]`` (frames of whole cycles whose last frame closes the last cycle, i.e. equals the
    first frame of the cycle that would follow) repeated ``repeats`` times: ``x[:-1]`` tiled, then the
    closing frame — ``repeats · (T − 1) + 1`` frames."""
    if repeats < 1 or len(x) < 2:
        raise ValueError(f"need repeats >= 1 and at least 2 frames, got {repeats}, {len(x)}")
    return np.concatenate([np.concatenate([x[:-1]] * repeats), x[-1:]])


def strokeavatar_kinematics(clips: list[StrokeAvatarClip], opts: IngestOptions) -> Kinematics:
    """Clips in the given order; a clip continues the previous one when its first frame equals the
    previous clip's last frame (then the duplicate frame is dropped), otherwise a break is recorded.
    Shank angular velocity is differentiated per continuous run; a run of fewer than
    :data:`SHORT_RUN_CLIPS` + 1 clips is then repeated periodically (:func:`periodic_extension`, noted in
    the trial: its strides are copies, their SD says nothing about stride-to-stride variability).
    Events are detected on the concatenation; strides never cross a break. ``opts.sample_rate_hz``
    replaces the clips' rate (90 Hz IMU, 120 Hz mocap); a clip has no missing frames (its reader refuses
    NaN), so ``opts.max_gap_s`` has nothing to repair."""
    notes: list[str] = []
    files = [c.path for c in clips]
    kinds = {c.kind for c in clips}
    rates = {c.sample_rate_hz for c in clips}
    if len(kinds) > 1 or len(rates) > 1:
        raise InputFormatError(f"mixed clip kinds/rates ({', '.join(sorted(kinds))})", path=files[0].parent,
                               fix="ingest IMU clips and mocap clips separately")
    fs = float(opts.sample_rate_hz or clips[0].sample_rate_hz)
    names = clips[0].joint_names
    segs = clips[0].segment_names
    runs: list[list] = []  # per continuous run: its clips' [angles, quats] pieces (duplicate frames dropped)
    for k, c in enumerate(clips):
        a, q = c.joint_angles_rad, c.segment_quat_wxyz
        prev = clips[k - 1] if k > 0 else None
        if prev is not None and np.allclose(prev.joint_angles_rad[-1], a[0], atol=1e-6) and (
                q.shape[1] == 0 or np.allclose(prev.segment_quat_wxyz[-1], q[0], atol=1e-6)):
            runs[-1].append((a[1:], q[1:]))
        else:
            runs.append([(a, q)])
    pieces_a, pieces_q, pieces_w, breaks, repeated = [], [], [], [], []
    total = 0
    for run in runs:
        a = np.concatenate([p[0] for p in run])
        q = np.concatenate([p[1] for p in run])
        w = {s: angular_velocity_from_quat(q[:, segs.index(f"shank_{s}")], fs)
             for s in ("r", "l") if f"shank_{s}" in segs}
        repeats = -(-REPEATED_RUN_CYCLES // len(run)) if len(run) <= SHORT_RUN_CLIPS else 1
        if repeats > 1:
            a, q = periodic_extension(a, repeats), periodic_extension(q, repeats)
            w = {s: periodic_extension(v, repeats) for s, v in w.items()}
            repeated.append(f"{len(run)} → {repeats * len(run)}")
        if total:
            breaks.append(total / fs - 0.5 / fs)
        pieces_a.append(a)
        pieces_q.append(q)
        pieces_w.append(w)
        total += len(a)
    angles_arr = np.concatenate(pieces_a)
    quat = np.concatenate(pieces_q)
    angles = {j: angles_arr[:, i] for i, j in enumerate(names)}
    time = np.arange(total) / fs
    omega, source = {}, {}
    for s in ("r", "l"):
        if f"shank_{s}" in segs:
            w3 = np.concatenate([w[s] for w in pieces_w])
            # the sagittal axis is the principal rotation axis of the shank during walking
            _, vecs = np.linalg.eigh(w3.T @ w3)
            m = vecs[:, -1]
            omega[s], source[s] = w3 @ m, f"shank_{s} orientation (differentiated)"
            omega[s] = omega[s] * alignment.shank_omega_sign(omega[s], _shank_omega_from_angles(angles, fs, s))
        else:
            w = _shank_omega_from_angles(angles, fs, s)
            if w is None:
                raise InputFormatError("clips have neither shank orientations nor hip and knee angles",
                                       path=files[0], fix="pass StrokeAvatar IMU or mocap clips")
            omega[s], source[s] = w, "d/dt (hip − knee) angles"
    speeds = [c.ave_velocity_m_s for c in clips]
    notes.append(f"{len(clips)} clips in {len(runs)} continuous run(s); speed = mean aveVelocity of the clips")
    # segment orientations (calibration pose = identity) in one fused heading: the exact hip angle applies
    frontal = fr.frontal_angles_rad({s: fr.strokeavatar_segment_to_world(quat[:, i]) for i, s in enumerate(segs)},
                                    common_heading=True)
    if repeated:
        notes.append(f"short run(s) repeated periodically to {REPEATED_RUN_CYCLES}+ cycles (clips → cycles: "
                     f"{', '.join(repeated)}): their strides are copies, stride-to-stride SD is not measured")
    return Kinematics(
        time_s=time, sample_rate_hz=fs, angles_rad=angles, segment_names=tuple(segs), segment_quat_wxyz=quat,
        omega_sagittal=omega, omega_source=source, breaks_s=np.asarray(breaks), speed_m_s=float(np.mean(speeds)),
        notes=tuple(notes), calibration="vendor (StrokeAvatar calibration pose = identity)", frontal_rad=frontal,
    )

