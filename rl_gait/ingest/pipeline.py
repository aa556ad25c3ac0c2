"""``ingest(paths)``: wearable files → :class:`GaitTrial` (readers → orientation → angles → events → parameters).

Formats (``format="auto"`` detects them per file) are the objects of
:mod:`rl_gait.ingest.formats.registry`: each reads its files and hands a
:class:`~rl_gait.ingest.kinematics.Kinematics` to the common back end (:func:`trial_from_kinematics`).
Imports no Ray, torch or MuJoCo.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from rl_gait._version import __version__
from rl_gait.errors import DataQualityError, InputFormatError, RlGaitError
from rl_gait.ingest.events import ankle_forward_m, detect_events, strides_from_events
from rl_gait.ingest.formats.base import ReadContext
from rl_gait.ingest.formats.registry import FORMAT_CHOICES, detect_format, format_named
from rl_gait.ingest.kinematics import Kinematics
from rl_gait.ingest.options import IngestOptions
from rl_gait.ingest.parameters import (
    joint_ranges_rad,
    mean_sd_curves,
    spatiotemporal_parameters,
    symmetry_indices,
)
from rl_gait.ingest.paretic import infer_paretic_side
from rl_gait.ingest.sensors import load_sensor_map, sensor_map_from_dict
from rl_gait.ingest.trial import GaitEvents, GaitTrial
from rl_gait.joints import JOINT_NAMES

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

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        "options": opts.provenance(),
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
    digests = [sha256(f) for f in files]
    provenance = {
        "format": fmt.name,
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
