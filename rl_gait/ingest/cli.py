"""``rl-gait ingest FILE_OR_DIR... --out DIR``: wearable files → trial.json, trial.npz, kinematics.png."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "ingest", help="wearable recording of one level walk -> validated gait kinematics (GaitTrial)",
        description="Read one level-ground walking trial (Xsens text, generic CSV, StrokeAvatar JSON, OpenSim "
                    ".mot, C3D) and write DIR/trial.json, DIR/trial.npz and DIR/kinematics.png. Joints no sensor "
                    "measured are estimated (listed as estimated_joints); foot IMUs give the stride length.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="sensor files, a trial folder or clips")
    from rl_gait.ingest.formats.registry import FORMAT_CHOICES

    p.add_argument("--format", default="auto", choices=FORMAT_CHOICES)
    p.add_argument("--height-m", type=float, default=None, help="subject height (m)")
    p.add_argument("--mass-kg", type=float, default=None, help="subject body mass (kg)")
    p.add_argument("--sensor-map", default=None,
                   help="sensorspec.json-style map {segment: sensor id}; default: sensorspec* in the folder")
    p.add_argument("--subject-id", default=None, help="pseudonymous id (default: a hash of the files' content, rl_gait.pseudonym)")
    p.add_argument("--sample-rate-hz", type=float, default=None, help="override the sample rate")
    p.add_argument("--walk-distance-m", type=float, default=None, help="walked distance, gives the speed")
    p.add_argument("--speed-m-s", type=float, default=None, help="walking speed if known (e.g. treadmill)")
    p.add_argument("--orientation", default="vendor", choices=("vendor", "madgwick", "mahony"),
                   help="vendor quaternions when present (default) or an ahrs filter on acc + gyro")
    add_max_gap_argument(p)
    p.add_argument("--out", required=True, type=Path, help="output folder")
    p.set_defaults(func=run)


def add_max_gap_argument(p: argparse.ArgumentParser) -> None:
    """``--max-gap-s S`` (shared by ``rl-gait ingest`` and ``rl-gait run``)."""
    p.add_argument("--max-gap-s", type=float, default=0.1, metavar="S",
                   help="interpolate runs of missing samples up to S seconds (default 0.1); longer runs are refused")


def run(args: argparse.Namespace) -> int:
    from rl_gait.ingest.pipeline import IngestOptions, ingest
    from rl_gait.ingest.plot import plot_kinematics

    opts = IngestOptions(orientation=args.orientation, sample_rate_hz=args.sample_rate_hz,
                         walk_distance_m=args.walk_distance_m, speed_m_s=args.speed_m_s, max_gap_s=args.max_gap_s)
    trial = ingest(args.paths, format=args.format, height_m=args.height_m, mass_kg=args.mass_kg,
                   sensor_map=args.sensor_map, subject_id=args.subject_id, options=opts)
    trial.save(args.out)
    plot_kinematics(trial, args.out / "kinematics.png")
    print_summary(trial, args.out)
    return 0


def _fmt(x, unit: str = "", nd: int = 1) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "—"
    return f"{x:.{nd}f}{unit}"


def print_summary(trial, out: Path) -> None:
    """The trial summary as a rich table (right | left columns)."""
    from rich.console import Console
    from rich.table import Table

    from rl_gait.io.jsonio import read_json

    s = read_json(out / "trial.json")
    t = Table(title=f"{s['subject_id']} — {s['provenance']['format']}, {s['sample_rate_hz']:g} Hz, "
                    f"{s['duration_s']:.1f} s")
    t.add_column("parameter")
    t.add_column("right", justify="right")
    t.add_column("left", justify="right")
    t.add_row("strides", str(s["n_strides"]["r"]), str(s["n_strides"]["l"]))
    t.add_row("stride time (s)", _fmt(s["stride_time_s"]["r"], nd=2), _fmt(s["stride_time_s"]["l"], nd=2))
    t.add_row("stance (%)", _fmt(s["stance_pct"]["r"]), _fmt(s["stance_pct"]["l"]))
    est = set(s["estimated_joints"])

    def mark(joint: str) -> str:  # estimated, not measured
        return " (est.)" if joint in est else ""

    for jt in ("hip", "knee", "ankle"):
        r, l_ = s["range_of_motion_deg"].get(f"{jt}_r"), s["range_of_motion_deg"].get(f"{jt}_l")
        if r is not None or l_ is not None:
            t.add_row(f"{jt} range (deg)", _fmt(r) + mark(f"{jt}_r"), _fmt(l_) + mark(f"{jt}_l"))
    if s["peak_knee_flexion_deg"]:
        t.add_row("peak knee flexion (deg)", _fmt(s["peak_knee_flexion_deg"].get("r")) + mark("knee_r"),
                  _fmt(s["peak_knee_flexion_deg"].get("l")) + mark("knee_l"))
    t.add_row("cadence (steps/min)", _fmt(s["cadence_steps_per_min"]), "")
    t.add_row("double support (%)", _fmt(s["double_support_pct"]), "")
    t.add_row("speed (m/s)", _fmt(s["speed_m_s"], nd=2), "")
    t.add_row("stride length (m)", _fmt(s.get("stride_length_m"), nd=2), s.get("stride_length_source") or "")
    zupt = s["spatiotemporal"].get("stride_length_zupt_vs_speed_pct")
    if zupt is not None:
        t.add_row("foot-IMU stride length (m)", _fmt(s["spatiotemporal"].get("stride_length_zupt_m"), nd=2),
                  f"{zupt:+.1f} % vs speed x stride time")
    t.add_row("paretic side", f"{s['paretic_side']} (confidence {s['paretic_confidence']:.2f})", "")
    Console().print(t)
    Console().print(f"calibration: {s['provenance']['calibration']}")
    Console().print(f"joints measured: {', '.join(s['measured_joints']) or 'none'}")
    if s["estimated_joints"]:
        Console().print("joints estimated (not measured; ± 1 SD): " + ", ".join(
            f"{j} ±{s['estimate_sd_deg'][j]:.1f}°" for j in s["estimated_joints"]))
    if s["paretic_evidence"]:
        Console().print("paretic evidence: " + "; ".join(
            f"{e['index']} SI {_fmt(e['symmetry_pct'], nd=0)} % → {e['points_to']}" for e in s["paretic_evidence"]))
    Console().print(f"wrote {out / 'trial.json'}, {out / 'trial.npz'}, {out / 'kinematics.png'}")
