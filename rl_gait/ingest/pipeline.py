"""``ingest(paths)``: wearable files → :class:`GaitTrial` (readers → orientation → angles → events → parameters).

Formats (``format="auto"`` detects them per file) are the objects of
:mod:`rl_gait.ingest.formats.registry`: each reads its files and hands a
:class:`~rl_gait.ingest.kinematics.Kinematics` to the common back end (:func:`trial_from_kinematics`).
Imports no Ray, torch or MuJoCo.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from rl_gait._version import __version__
from rl_gait.errors import DataQualityError, InputFormatError, RlGaitError
from rl_gait.ingest.events import ankle_forward_m, detect_events, strides_from_events
from rl_gait.ingest.formats.base import ReadContext
from rl_gait.ingest.formats.registry import FORMAT_CHOICES, detect_format, format_named
from rl_gait.ingest.frontal import FRONTAL_NAMES
from rl_gait.ingest.kinematics import Kinematics
from rl_gait.ingest.missing_joints import (
    curve_time_series,
    cycle_phase,
    estimate_missing_joints,
    load_joint_model,
)
from rl_gait.ingest.options import IngestOptions
from rl_gait.ingest.parameters import (
    joint_ranges_rad,
    mean_sd_curves,
    normalise_strides,
    push_off_omega,
    spatiotemporal_parameters,
    swing_peak_omega,
    symmetry_indices,
)
from rl_gait.ingest.paretic import evidence_table, infer_paretic_side
from rl_gait.ingest.sensors import load_sensor_map, sensor_map_from_dict
from rl_gait.ingest.trial import GaitEvents, GaitTrial
from rl_gait.ingest.zupt import foot_trajectory, stride_lengths_m
from rl_gait.io.jsonio import sha256_file
from rl_gait.joints import JOINT_NAMES, SIDE_NAMES
from rl_gait.pseudonym import pseudonymous_id, redact_obj

__all__ = ["FORMAT_CHOICES", "IngestOptions", "ingest", "trial_from_kinematics"]

_IGNORED = {"license", "readme", "readme.md", "license.txt"}
MIN_STRIDES_PER_SIDE = 2


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
            raise DataQualityError(
                f"only {len(strides[s])} complete {SIDE_NAMES[s]} stride(s) found; at least {MIN_STRIDES_PER_SIDE} per side "
                "are needed", path=where, fix="record a longer walk (e.g. 20 m, ≥ 6 strides per leg)",
            )
    measured = tuple(j for j in JOINT_NAMES if j in kin.angles_rad)
    mean, sd = mean_sd_curves(kin.time_s, np.stack([kin.angles_rad[j] for j in measured], axis=1)
                              if measured else np.zeros((len(kin.time_s), 0)), measured, strides)
    speed, speed_source = _speed(kin, opts, events)
    zupt = _zupt_stride_lengths(kin, strides, opts)
    zupt_length = float(np.nanmean([np.nanmedian(v) for v in zupt.values()])) if zupt else float("nan")
    params = spatiotemporal_parameters(strides, events, speed_m_s=speed, stride_length_m=zupt_length)
    if speed:
        length_source = f"speed × stride time ({speed_source})"
    elif zupt:
        length_source = "foot IMU (zero-velocity updates + RTS smoother)"
    else:
        length_source = None
    if zupt:
        for side, v in zupt.items():
            params[f"stride_length_zupt_m_{side}"] = float(np.nanmedian(v))
        params["stride_length_zupt_m"] = zupt_length
        if speed:
            params["stride_length_zupt_vs_speed_pct"] = 100.0 * (zupt_length / params["stride_length_m"] - 1.0)
    incl = {seg: mean_sd_curves(kin.time_s, x[:, None], (seg,), strides)[0][0]
            for seg, x in kin.inclinations_rad.items()}
    ranges = joint_ranges_rad(mean, measured)
    sym = symmetry_indices(params, ranges, _side_features(kin, incl, strides, events, params))
    side, conf, evidence = infer_paretic_side(sym, opts.paretic)
    # joints no sensor measured: the conditional model's estimate, played at each side's gait phase
    missing = tuple(j for j in JOINT_NAMES if j not in measured)
    est = estimate_missing_joints(load_joint_model(), missing, dict(zip(measured, mean, strict=True)), incl,
                                  params["speed_m_s"]) if missing else {}
    joint_names = JOINT_NAMES if est else measured
    phase = {s: cycle_phase(kin.time_s, events[s].initial_contact_s) for s in ("r", "l")}
    angles = np.stack([kin.angles_rad[j] if j in kin.angles_rad
                       else curve_time_series(est[j].mean_rad, phase[j[-1]]) for j in joint_names], axis=1)
    curves_mean = np.stack([mean[measured.index(j)] if j in measured else est[j].mean_rad for j in joint_names])
    curves_sd = np.stack([sd[measured.index(j)] if j in measured else est[j].sd_rad for j in joint_names])
    prov = {
        **provenance,
        "rl_gait_version": __version__,
        "calibration": kin.calibration,
        "event_source": event_source,
        "stride_length_source": length_source,
        "notes": list(kin.notes) + ([f"{', '.join(est)} estimated from the measured segments"
                                     f"{' and speed' if np.isfinite(params['speed_m_s']) else ''} "
                                     "(conditional model, rl_gait.ingest.missing_joints)"] if est else []),
        "options": opts.provenance(),
    }
    frontal_names = tuple(n for n in FRONTAL_NAMES if n in kin.frontal_rad)
    frontal = np.stack([kin.frontal_rad[n] for n in frontal_names], axis=1) if frontal_names else None
    frontal_curves = np.stack([  # the pelvis over right strides (phase 0 = right IC, as references); hips their own
        normalise_strides(kin.time_s, kin.frontal_rad[n], strides[n[-1] if n.startswith("hip") else "r"]).mean(axis=0)
        for n in frontal_names]) if frontal_names else None
    return GaitTrial(
        subject_id=subject_id, sample_rate_hz=float(fs), time_s=kin.time_s, joint_names=joint_names,
        joint_angles_rad=angles, segment_names=kin.segment_names, segment_quat_wxyz=kin.segment_quat_wxyz,
        events=events, strides=strides, curves_mean_rad=curves_mean, curves_sd_rad=curves_sd, spatiotemporal=params,
        symmetry=sym, paretic_side=side, paretic_confidence=conf, height_m=height_m, mass_kg=mass_kg,
        provenance=prov, estimated_joints=tuple(j for j in joint_names if j in est),
        paretic_evidence=tuple(evidence_table(sym, evidence, opts.paretic)),
        frontal_names=frontal_names, frontal_angles_rad=frontal, frontal_curves_mean_rad=frontal_curves,
    )


def _speed(kin: Kinematics, opts: IngestOptions, events: dict[str, GaitEvents]) -> tuple[float | None, str]:
    """Walking speed (m/s) and where it came from: the option, else the walked distance over the
    walking time, else what the format recorded (StrokeAvatar clips); ``None`` when unknown."""
    if opts.speed_m_s:
        return float(opts.speed_m_s), "given speed"
    if opts.walk_distance_m:
        ics = np.concatenate([events["r"].initial_contact_s, events["l"].initial_contact_s])
        return opts.walk_distance_m / float(ics.max() - ics.min()), "walked distance / walking time"
    if kin.speed_m_s:
        return float(kin.speed_m_s), "speed recorded in the file"
    return None, ""


def _zupt_stride_lengths(kin: Kinematics, strides: dict[str, np.ndarray], opts: IngestOptions) -> dict[str, np.ndarray]:
    """``{side: [n] stride lengths (m)}`` from each foot sensor with an accelerometer (:mod:`rl_gait.ingest.zupt`);
    sides whose foot never settles are left out."""
    out = {}
    for side, f in kin.feet.items():
        traj = foot_trajectory(f.acc_m_s2, f.gyr_rad_s, f.quat_wxyz, kin.sample_rate_hz, opts.zupt)
        lengths = stride_lengths_m(traj, strides[side], kin.sample_rate_hz)
        if np.isfinite(lengths).any():
            out[side] = lengths
    return out


def _side_features(kin: Kinematics, incl: dict[str, np.ndarray], strides: dict[str, np.ndarray],
                   events: dict[str, GaitEvents], params: dict[str, float]) -> dict[str, dict[str, float]]:
    """Per-side paretic evidence from the segments measured on both sides: inclination ranges (shank,
    foot), the mid-swing peak angular velocity (shank, else foot) and the foot's push-off velocity."""
    out: dict[str, dict[str, float]] = {}
    for seg in ("shank", "foot"):
        if all(f"{seg}_{s}" in incl for s in ("r", "l")):
            out[f"{seg}_range"] = {s: float(np.ptp(incl[f"{seg}_{s}"])) for s in ("r", "l")}
    w = kin.segment_omega_rad_s
    for seg in ("shank", "foot"):
        if all(f"{seg}_{s}" in w for s in ("r", "l")):
            out["swing_peak_omega"] = {s: swing_peak_omega(kin.time_s, w[f"{seg}_{s}"], strides[s]) for s in ("r", "l")}
            break
    if all(f"foot_{s}" in w for s in ("r", "l")):
        out["push_off_omega"] = {s: push_off_omega(kin.time_s, w[f"foot_{s}"], events[s].foot_off_s,
                                                   params[f"stride_time_s_{s}"]) for s in ("r", "l")}
    return out


def ingest(paths: str | Path | list[str | Path], *, format: str = "auto", height_m: float | None = None,
           mass_kg: float | None = None, sensor_map: str | Path | dict[str, str] | None = None,
           subject_id: str | None = None, options: IngestOptions | None = None) -> GaitTrial:
    """Turn one walking trial (files or folders) into a validated :class:`GaitTrial`.

    ``sensor_map``: a ``sensorspec.json``-style file or ``{segment label: sensor id}``; by default a
    ``sensorspec*`` file in the given folders, else segments named in the files. Bad input raises an
    :class:`~rl_gait.errors.RlGaitError` with one line naming the file, the problem and the fix.
    """
    opts = options or IngestOptions()
    chosen = None if format == "auto" else format_named(format)
    if height_m is not None and not 0.5 < height_m < 2.5:
        raise RlGaitError(f"height {height_m} m is implausible", fix="give the height in metres (e.g. 1.72)")
    if mass_kg is not None and not 20 < mass_kg < 300:
        raise RlGaitError(f"mass {mass_kg} kg is implausible", fix="give the body mass in kilograms")
    path_list = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files, map_files = expand_paths(path_list)
    fmts = {f: chosen or detect_format(f) for f in files}
    kinds = {f.name for f in fmts.values()}
    if len(kinds) > 1:
        detail = ", ".join(f"{f.name}={k.name}" for f, k in list(fmts.items())[:4])
        raise InputFormatError(f"files of different formats in one trial ({detail})", path=files[0].parent,
                               fix="pass the files of one trial only, or --format")
    fmt = next(iter(fmts.values()))
    if isinstance(sensor_map, dict):
        smap = sensor_map_from_dict(sensor_map, path="sensor_map argument")
    elif sensor_map is not None:
        smap = load_sensor_map(sensor_map)
    elif map_files:
        smap = load_sensor_map(map_files[0])
    else:
        smap = {}
    where = files[0].parent if len(files) > 1 else files[0]
    ctx = ReadContext(options=opts, sensor_map=smap, where=where)
    kin = fmt.kinematics(fmt.read(files, ctx), ctx)
    digests = [sha256_file(f) for f in files]
    provenance = {
        "format": fmt.name,
        # content hashes, no names: no input file name or path leaves ingestion (rl_gait.pseudonym)
        "inputs": [{"sha256": h, "suffix": f.suffix.lower()} for f, h in zip(files, digests, strict=True)],
        "sensor_map": {k: v for k, v in smap.items()} or None,
    }
    trial = trial_from_kinematics(kin, subject_id=subject_id or pseudonymous_id(digests), height_m=height_m,
                                  mass_kg=mass_kg, provenance=provenance, opts=opts, where=where)
    # notes name the files they are about: the names become content-hash tokens
    return replace(trial, provenance=redact_obj(trial.provenance, files, [f"<input sha256:{h[:12]}>" for h in digests]))
