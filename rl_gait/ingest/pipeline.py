"""``ingest(paths)``: wearable files → :class:`GaitTrial` (readers → orientation → angles → events → parameters).

Formats (``format="auto"`` detects them per file): ``xsens`` (MT Manager ``.txt`` and gaittoolbox
``.csv``), ``csv`` (the generic IMU or joint-angle CSV, see ``formats/README.md``), ``strokeavatar``
(JSON clips) and ``mot`` (OpenSim). Imports no Ray, torch or MuJoCo.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rl_gait._version import __version__
from rl_gait.errors import DataQualityError, InputFormatError, RlGaitError
from rl_gait.ingest import alignment
from rl_gait.ingest.events import EventParams, ankle_forward_m, detect_events, strides_from_events
from rl_gait.ingest.formats import generic_csv, mot, xsens
from rl_gait.ingest.joint_angles import (
    WalkingPriors,
    apply_walking_priors,
    joint_angles_from_inclinations,
)
from rl_gait.ingest.orientation import angular_velocity_from_quat, estimate_orientation
from rl_gait.ingest.parameters import (
    joint_ranges_rad,
    mean_sd_curves,
    spatiotemporal_parameters,
    symmetry_indices,
)
from rl_gait.ingest.paretic import PareticEvidence, infer_paretic_side
from rl_gait.ingest.sensors import (
    SEGMENTS,
    ImuRecording,
    check_units,
    load_sensor_map,
    segment_for,
    sensor_map_from_dict,
    synchronise,
)
from rl_gait.ingest.trial import GaitEvents, GaitTrial
from rl_gait.joints import JOINT_NAMES

FORMATS = ("auto", "xsens", "csv", "strokeavatar", "mot")
_IGNORED = {"license", "readme", "readme.md", "license.txt"}
MIN_STRIDES_PER_SIDE = 2


@dataclass(frozen=True)
class IngestOptions:
    """Processing choices (all recorded in the provenance).

    Attributes:
        orientation: ``"vendor"`` uses the file's quaternions when present, else the AHRS filter;
            ``"madgwick"`` / ``"mahony"`` always filter raw acc + gyro (+ mag).
        max_gap_s: NaN runs / dropped packets up to this long are interpolated, longer ones refused.
        sample_rate_hz: overrides the file's (or the assumed Xsens 100 Hz) sample rate.
        walk_distance_m: distance of the walk (e.g. 20 m) — gives speed from the walking duration.
        speed_m_s: walking speed when known (e.g. treadmill belt speed); overrides the others.
        priors: offsets when no standing period exists.
        events: event-detector settings.
        paretic: paretic-side evidence weights.
    """

    orientation: str = "vendor"
    max_gap_s: float = 0.1
    sample_rate_hz: float | None = None
    walk_distance_m: float | None = None
    speed_m_s: float | None = None
    priors: WalkingPriors = field(default_factory=WalkingPriors)
    events: EventParams = field(default_factory=EventParams)
    paretic: PareticEvidence = field(default_factory=PareticEvidence)


@dataclass(frozen=True)
class Kinematics:
    """What a format-specific front end hands to the common back end."""

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


# ---------------------------------------------------------------- files & format detection


def expand_paths(paths: list[str | Path]) -> tuple[list[Path], list[Path]]:
    """``(data files, sensor-map files)``: folders expanded (sorted, natural order), helpers skipped."""
    files, maps = [], []
    for p in map(Path, paths):
        if not p.exists():
            raise InputFormatError("no such file or folder", path=p, fix="check the path")
        items = sorted(p.iterdir(), key=_natural_key) if p.is_dir() else [p]
        for f in items:
            if not f.is_file() or f.name.startswith("."):
                continue
            if f.name.lower().startswith("sensorspec"):
                maps.append(f)
            elif f.name.lower() not in _IGNORED and f.suffix.lower() not in (".md", ".png", ".pdf"):
                files.append(f)
    if not files:
        raise InputFormatError("no data files found", path=", ".join(map(str, paths)),
                               fix="pass sensor files, a trial folder, StrokeAvatar clips or a .mot file")
    return files, maps


def _natural_key(p: Path) -> list:
    import re

    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", p.name)]


def detect_format(path: Path) -> str:
    """One of ``xsens``, ``csv``, ``strokeavatar``, ``mot`` for ``path`` (InputFormatError otherwise)."""
    if path.stat().st_size == 0:
        raise InputFormatError("empty file (0 bytes)", path=path, fix="re-export the recording")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "strokeavatar"
    if mot.is_mot(path):
        return "mot"
    if xsens.is_mt_manager(path) or xsens.is_gaittoolbox_csv(path):
        return "xsens"
    if generic_csv.is_generic_imu_csv(path) or generic_csv.is_joint_angle_csv(path):
        return "csv"
    raise InputFormatError("unrecognised file format", path=path,
                           fix="pass --format, or use the generic CSV layout of rl_gait/ingest/formats/README.md")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- IMU front end


def _read_imu_files(files: list[Path], fmt: str, sensor_map: dict[str, str], opts: IngestOptions
                    ) -> tuple[list[ImuRecording], list[str]]:
    recs: list[ImuRecording] = []
    notes: list[str] = []
    for f in files:
        if fmt == "xsens" and xsens.is_mt_manager(f):
            r = xsens.read_mt_manager(f, sample_rate_hz=opts.sample_rate_hz)
            seg = segment_for(r.sensor_id, sensor_map) or segment_for(f.stem, sensor_map)
            if seg is None and not sensor_map:
                raise InputFormatError(
                    f"sensor {r.sensor_id}: no sensor-to-segment map", path=f,
                    fix="put a sensorspec.json next to the files or pass --sensor-map (e.g. {\"leftshank\": \"00B47786\"})",
                )
            recs.append(ImuRecording(**{**r.__dict__, "segment": seg}))
            if r.sample_rate_source == "assumed":
                notes.append(f"{f.name}: no sample rate in the file, assumed {r.sample_rate_hz:g} Hz (Xsens MTw)")
        elif fmt == "xsens":
            r = xsens.read_gaittoolbox_csv(f, sample_rate_hz=opts.sample_rate_hz)
            seg = segment_for(r.sensor_id, sensor_map) or r.segment
            recs.append(ImuRecording(**{**r.__dict__, "segment": seg}))
        else:
            recs.extend(generic_csv.read_generic_imu_csv(f, sensor_map=sensor_map, sample_rate_hz=opts.sample_rate_hz))
    used: dict[str, ImuRecording] = {}
    for r in recs:
        if r.segment is None:
            notes.append(f"{r.path.name}: sensor {r.sensor_id} is not on a mapped segment, ignored")
        elif r.segment in used:
            notes.append(f"{r.path.name}: second sensor on {r.segment}, ignored")
        else:
            used[r.segment] = r
    return [used[s] for s in SEGMENTS if s in used], notes


def imu_kinematics(recs: list[ImuRecording], opts: IngestOptions, notes: list[str]) -> Kinematics:
    """Orientation → sensor-to-segment axes → sagittal inclinations → joint angles (rad)."""
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
    # (angular velocities correlate), a thigh leans with its shank (inclinations correlate)
    for side in ("r", "l"):
        sh = f"shank_{side}"
        for seg, a, b in ((f"foot_{side}", omega, omega), (f"thigh_{side}", theta, theta)):
            if seg in axes and sh in axes and np.corrcoef(a[seg], b[sh])[0, 1] < 0:
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
        else:
            del theta["pelvis"]
            if thighs:
                notes.append("pelvis tilt not observable (sensor headings differ): hip measured from vertical")
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
    return Kinematics(
        time_s=np.arange(n) / fs, sample_rate_hz=fs, angles_rad=angles, segment_names=seg_names,
        segment_quat_wxyz=np.stack([quats[s] for s in seg_names], axis=1), omega_sagittal=omega_side,
        omega_source=source, breaks_s=np.zeros(0), speed_m_s=None, notes=tuple(notes), calibration=calibration,
    )


def _where(recs: list[ImuRecording]) -> Path:
    paths = {r.path for r in recs}
    return paths.pop() if len(paths) == 1 else recs[0].path.parent


# ---------------------------------------------------------------- orientation / joint-angle front ends


def _shank_omega_from_angles(angles: dict[str, np.ndarray], fs: float, side: str) -> np.ndarray | None:
    """Shank sagittal inclination ≈ hip − knee (pelvis taken level); its derivative is shank-like ω."""
    if f"hip_{side}" in angles and f"knee_{side}" in angles:
        return np.gradient(angles[f"hip_{side}"] - angles[f"knee_{side}"]) * fs
    return None


def angle_table_kinematics(table: generic_csv.JointAngleTable, notes: list[str]) -> Kinematics:
    fs = table.sample_rate_hz
    angles = {}
    for j, name in enumerate(table.joint_names):
        x, _ = _repair(table.angles_rad[:, j:j + 1], fs, table.path, name)
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
        breaks_s=np.zeros(0), speed_m_s=None, notes=tuple(notes) + table.notes, calibration="as given in the file",
    )


def _repair(x: np.ndarray, fs: float, path: Path, what: str, max_gap_s: float = 0.1) -> tuple[np.ndarray, int]:
    from rl_gait.ingest.sensors import repair_gaps

    return repair_gaps(x, max(1, int(round(max_gap_s * fs))), path=path, what=what)


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


def strokeavatar_kinematics(files: list[Path], notes: list[str]) -> Kinematics:
    """Clips in the given order; a clip continues the previous one when its first frame equals the
    previous clip's last frame (then the duplicate frame is dropped), otherwise a break is recorded.
    Shank angular velocity is differentiated per continuous run; a run of fewer than
    :data:`SHORT_RUN_CLIPS` + 1 clips is then repeated periodically (:func:`periodic_extension`, noted in
    the trial: its strides are copies, their SD says nothing about stride-to-stride variability).
    Events are detected on the concatenation; strides never cross a break."""
    from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clips

    clips = read_strokeavatar_clips(files)
    kinds = {c.kind for c in clips}
    rates = {c.sample_rate_hz for c in clips}
    if len(kinds) > 1 or len(rates) > 1:
        raise InputFormatError(f"mixed clip kinds/rates ({', '.join(sorted(kinds))})", path=files[0].parent,
                               fix="ingest IMU clips and mocap clips separately")
    fs = clips[0].sample_rate_hz
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
    if repeated:
        notes.append(f"short run(s) repeated periodically to {REPEATED_RUN_CYCLES}+ cycles (clips → cycles: "
                     f"{', '.join(repeated)}): their strides are copies, stride-to-stride SD is not measured")
    return Kinematics(
        time_s=time, sample_rate_hz=fs, angles_rad=angles, segment_names=tuple(segs), segment_quat_wxyz=quat,
        omega_sagittal=omega, omega_source=source, breaks_s=np.asarray(breaks), speed_m_s=float(np.mean(speeds)),
        notes=tuple(notes), calibration="vendor (StrokeAvatar calibration pose = identity)",
    )


# ---------------------------------------------------------------- common back end


def trial_from_kinematics(kin: Kinematics, *, subject_id: str, height_m: float | None, mass_kg: float | None,
                          provenance: dict, opts: IngestOptions, where: Path | str) -> GaitTrial:
    """Events → strides → curves → parameters → paretic side → :class:`GaitTrial`."""
    fs = kin.sample_rate_hz
    events: dict[str, GaitEvents] = {}
    midswing: dict[str, np.ndarray] = {}
    event_source: dict[str, str] = {}
    for s in ("r", "l"):
        hip, knee = kin.angles_rad.get(f"hip_{s}"), kin.angles_rad.get(f"knee_{s}")
        fwd = ankle_forward_m(hip, knee) if hip is not None and knee is not None else None
        ev, ms = detect_events(kin.omega_sagittal[s], fs, opts.events, ankle_forward=fwd)
        events[s], midswing[s] = ev, ms
        event_source[s] = (f"foot off: {kin.omega_source[s]}; initial contact: "
                           + ("ankle's forward peak from hip and knee angles (Zeni 2008) + lead" if fwd is not None
                              else "its first minimum after mid-swing − lag (or its zero crossing)"))
    if all(len(midswing[s]) == 0 for s in ("r", "l")):
        raise DataQualityError("no walking detected (no swing phases in the leg angular velocity)", path=where,
                               fix="pass a recording of level walking (at least 2 strides per leg)")
    strides = {s: strides_from_events(events[s].initial_contact_s, min_stride_s=opts.events.min_stride_s,
                                      max_stride_s=opts.events.max_stride_s, breaks_s=kin.breaks_s)
               for s in ("r", "l")}
    for s in ("r", "l"):
        if len(strides[s]) < MIN_STRIDES_PER_SIDE:
            side = "right" if s == "r" else "left"
            raise DataQualityError(
                f"only {len(strides[s])} complete {side} stride(s) found; at least {MIN_STRIDES_PER_SIDE} per side "
                "are needed", path=where, fix="record a longer walk (e.g. 20 m, ≥ 6 strides per leg)",
            )
    joint_names = tuple(j for j in JOINT_NAMES if j in kin.angles_rad)
    angles = np.stack([kin.angles_rad[j] for j in joint_names], axis=1)
    mean, sd = mean_sd_curves(kin.time_s, angles, joint_names, strides)
    speed = kin.speed_m_s
    if opts.walk_distance_m:
        ics = np.concatenate([events["r"].initial_contact_s, events["l"].initial_contact_s])
        speed = opts.walk_distance_m / float(ics.max() - ics.min())
    if opts.speed_m_s:
        speed = opts.speed_m_s
    params = spatiotemporal_parameters(strides, events, speed_m_s=speed)
    ranges = joint_ranges_rad(mean, joint_names)
    sym = symmetry_indices(params, ranges)
    side, conf, evidence = infer_paretic_side(sym, opts.paretic)
    prov = {
        **provenance,
        "rl_gait_version": __version__,
        "calibration": kin.calibration,
        "event_source": event_source,
        "paretic_evidence": evidence,
        "notes": list(kin.notes),
        "options": {"orientation": opts.orientation, "max_gap_s": opts.max_gap_s,
                    "walk_distance_m": opts.walk_distance_m, "speed_m_s": opts.speed_m_s, "sample_rate_hz": opts.sample_rate_hz},
    }
    return GaitTrial(
        subject_id=subject_id, sample_rate_hz=float(fs), time_s=kin.time_s, joint_names=joint_names,
        joint_angles_rad=angles, segment_names=kin.segment_names, segment_quat_wxyz=kin.segment_quat_wxyz,
        events=events, strides=strides, curves_mean_rad=mean, curves_sd_rad=sd, spatiotemporal=params,
        symmetry=sym, paretic_side=side, paretic_confidence=conf, height_m=height_m, mass_kg=mass_kg,
        provenance=prov,
    )


def ingest(paths: str | Path | list[str | Path], *, format: str = "auto", height_m: float | None = None,
           mass_kg: float | None = None, sensor_map: str | Path | dict[str, str] | None = None,
           subject_id: str | None = None, options: IngestOptions | None = None) -> GaitTrial:
    """Turn one walking trial (files or folders) into a validated :class:`GaitTrial`.

    ``sensor_map``: a ``sensorspec.json``-style file or ``{segment label: sensor id}``; by default a
    ``sensorspec*`` file in the given folders, else segments named in the files. Bad input raises an
    :class:`~rl_gait.errors.RlGaitError` with one line naming the file, the problem and the fix.
    """
    opts = options or IngestOptions()
    if format not in FORMATS:
        raise RlGaitError(f"unknown format {format!r}", fix=f"use one of {', '.join(FORMATS)}")
    if height_m is not None and not 0.5 < height_m < 2.5:
        raise RlGaitError(f"height {height_m} m is implausible", fix="give the height in metres (e.g. 1.72)")
    if mass_kg is not None and not 20 < mass_kg < 300:
        raise RlGaitError(f"mass {mass_kg} kg is implausible", fix="give the body mass in kilograms")
    path_list = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files, map_files = expand_paths(path_list)
    fmts = {f: (format if format != "auto" else detect_format(f)) for f in files}
    kinds = set(fmts.values())
    if len(kinds) > 1:
        detail = ", ".join(f"{f.name}={k}" for f, k in list(fmts.items())[:4])
        raise InputFormatError(f"files of different formats in one trial ({detail})", path=files[0].parent,
                               fix="pass the files of one trial only, or --format")
    fmt = kinds.pop()
    if isinstance(sensor_map, dict):
        smap = sensor_map_from_dict(sensor_map, path="sensor_map argument")
    elif sensor_map is not None:
        smap = load_sensor_map(sensor_map)
    elif map_files:
        smap = load_sensor_map(map_files[0])
    else:
        smap = {}
    notes: list[str] = []
    where = files[0].parent if len(files) > 1 else files[0]
    if fmt == "strokeavatar":
        kin = strokeavatar_kinematics(files, notes)
    elif fmt == "mot" or (fmt == "csv" and all(generic_csv.is_joint_angle_csv(f) and
                                                 not generic_csv.is_generic_imu_csv(f) for f in files)):
        if len(files) != 1:
            raise InputFormatError(f"{len(files)} joint-angle files given; one trial is one file", path=where,
                                   fix="pass a single .mot / joint-angle CSV")
        table = mot.read_mot(files[0]) if fmt == "mot" else generic_csv.read_joint_angle_csv(
            files[0], sample_rate_hz=opts.sample_rate_hz)
        kin = angle_table_kinematics(table, notes)
    else:
        recs, notes = _read_imu_files(files, fmt, smap, opts)
        kin = imu_kinematics(recs, opts, notes)
    digests = [sha256(f) for f in files]
    provenance = {
        "format": fmt,
        "inputs": [{"path": str(f), "sha256": h} for f, h in zip(files, digests, strict=True)],
        "sensor_map": {k: v for k, v in smap.items()} or None,
    }
    sid = subject_id or _default_subject_id(digests)
    return trial_from_kinematics(kin, subject_id=sid, height_m=height_m, mass_kg=mass_kg,
                                 provenance=provenance, opts=opts, where=where)


def _default_subject_id(file_digests: list[str]) -> str:
    """A pseudonymous id: the first 10 hex digits of the hash of the input files' sha256 digests, in any
    order (two people recorded with the same sensor set have the same file names, never the same data)."""
    h = hashlib.sha256("".join(sorted(file_digests)).encode()).hexdigest()
    return f"subject-{h[:10]}"
