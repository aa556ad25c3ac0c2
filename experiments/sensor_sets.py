"""Validation of clinical sensor sets (issue 28): prints the tables of docs/sensor_sets.md.

1. MovingReality pp01–pp05 (chronic stroke, treadmill at a known belt speed; feet, shanks, lumbar): cadence,
   stance, stride time, belt speed × stride time vs the foot-IMU (ZUPT) stride length — for the full set,
   feet + lumbar, and shanks only; paretic side with its evidence.
2. gaittoolbox S02 (healthy, Vicon ground truth): the thigh sensors removed, hips and knees estimated;
   estimated vs measured (all sensors) vs Vicon: RMSE and Pearson r of the stride-normalised mean curves;
   feet + pelvis only likewise (every joint estimated).
3. S02 overground: the foot-IMU (ZUPT) displacement between consecutive still periods vs the Vicon ankle
   centre's over the same periods.
4. The joint model's band, leave-one-recording-out on the StrokeAvatar IMU clips it is fitted on (stroke
   and healthy): hip and knee estimated from the shank inclination and speed — RMSE and the share of the
   cycle inside ±1 SD (68 % if the band is calibrated).

    PYTHONPATH=. python experiments/sensor_sets.py --data ../shared/data
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tyro
from scipy.spatial.transform import Rotation

from rl_gait.atlas.joint_model import clip_samples, fit_gaussian
from rl_gait.ingest import IngestOptions, ingest
from rl_gait.ingest.formats.base import ReadContext
from rl_gait.ingest.formats.registry import detect_format
from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clip
from rl_gait.ingest.formats.table import read_table
from rl_gait.ingest.missing_joints import JointCurveModel, fourier_basis
from rl_gait.ingest.parameters import mean_sd_curves
from rl_gait.ingest.zupt import foot_trajectory, still_run_displacements_m

SUBSETS: dict[str, tuple[str, ...]] = {
    "feet + shanks + lumbar": ("leftfoot", "rightfoot", "leftshank", "rightshank", "lumbar"),
    "feet + lumbar": ("leftfoot", "rightfoot", "lumbar"),
    "shanks only": ("leftshank", "rightshank"),
}


@dataclass(frozen=True)
class Args:
    data: Path = Path("../shared/data")  # the shared data folder


def subject_rows(data: Path) -> dict[str, dict[str, str]]:
    lines = (data / "movingreality" / "subjects.csv").read_text().splitlines()
    head = lines[0].split(",")
    return {r.split(",")[0]: dict(zip(head, r.split(","), strict=True)) for r in lines[1:]}


def subset_files(folder: Path, labels: tuple[str, ...]) -> list[Path]:
    spec_file = next(folder.glob("sensorspec*"))
    spec = json.loads(spec_file.read_text())
    files = []
    for label in labels:
        suffix = Path(spec[label]).stem.upper()
        files.append(next(f for f in folder.glob("*.txt") if f.stem.upper().endswith(suffix) and f != spec_file))
    return [*files, spec_file]


def movingreality(data: Path) -> None:
    subjects = subject_rows(data)
    print("| subject | sensors | cadence (steps/min) | stance R / L (%) | stride time (s) | belt × stride time (m) | "
          "foot-IMU stride (m) | difference | paretic side (confidence) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for pp, row in subjects.items():
        folder = data / "movingreality" / pp
        if not folder.is_dir():
            continue
        belt = float(row["treadmill_speed_m_s"])
        for name, labels in SUBSETS.items():
            trial = ingest(subset_files(folder, labels), options=IngestOptions(speed_m_s=belt))
            sp = trial.spatiotemporal
            z = sp.get("stride_length_zupt_m", float("nan"))
            diff = f"{sp['stride_length_zupt_vs_speed_pct']:+.1f} %" if "stride_length_zupt_vs_speed_pct" in sp else "—"
            zs = f"{z:.3f}" if np.isfinite(z) else "— (no foot sensor)"
            print(f"| {pp} ({belt:g} m/s) | {name} | {sp['cadence_steps_per_min']:.1f} | {sp['stance_pct_r']:.0f} / "
                  f"{sp['stance_pct_l']:.0f} | {sp['stride_time_s']:.3f} | {sp['stride_length_m']:.3f} | {zs} | {diff} | "
                  f"{trial.paretic_side} ({trial.paretic_confidence:.2f}) |")
    print()
    print("Paretic evidence (full set; SI = 100 (R − L) / mean, score > 0 points right):")
    for pp, row in subjects.items():
        folder = data / "movingreality" / pp
        if folder.is_dir():
            trial = ingest(folder, options=IngestOptions(speed_m_s=float(row["treadmill_speed_m_s"])))
            ev = ", ".join(f"{e['index']} {e['symmetry_pct']:+.0f} % ({e['score']:+.2f})" for e in trial.paretic_evidence)
            print(f"- {pp}: {trial.paretic_side} ({trial.paretic_confidence:.2f}) — {ev}")


def vicon_sagittal_rad(s02: Path) -> dict[str, np.ndarray]:
    """Vicon: flexion = first angle of intrinsic 'YXZ' of conj(proximal)·distal (knee +Y, hip −Y); see
    ../shared/data/README.md."""
    v = read_table(s02 / "vicon" / "S02-Trial-Walk-1.csv")

    def q(name: str) -> Rotation:
        return Rotation.from_quat(np.stack([v.col(f"{name}_{i}") for i in (2, 3, 4, 1)], axis=1))

    pelvis, out = q("qRPV"), {}
    for s, side in (("r", "R"), ("l", "L")):
        thigh, shank = q(f"q{side}TH"), q(f"q{side}SK")
        out[f"hip_{s}"] = -(pelvis.inv() * thigh).as_euler("YXZ")[:, 0]
        out[f"knee_{s}"] = (thigh.inv() * shank).as_euler("YXZ")[:, 0]
    return out


def rmse_r(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    return float(np.degrees(np.sqrt(np.mean((a - b) ** 2)))), float(np.corrcoef(a, b)[0, 1])


def s02(data: Path) -> None:
    folder = data / "gaittoolbox_S02"
    full = ingest(folder / "imu")
    truth = vicon_sagittal_rad(folder)
    for name, keep in (("without thigh sensors", lambda f: "UpLeg" not in f.name),
                       ("feet + pelvis only", lambda f: "Foot" in f.name or "Pelvis" in f.name)):
        sub = ingest([f for f in sorted((folder / "imu").iterdir()) if keep(f)])
        print(f"S02 {name}: estimated {', '.join(sub.estimated_joints)}; band (RMS 1 SD) {sub.summary()['estimate_sd_deg']}")
        print("| joint | estimated vs measured: RMSE (°), r | estimated vs Vicon: RMSE (°), r | "
              "measured vs Vicon: RMSE (°), r |")
        print("|---|---|---|---|")
        for j in ("hip_r", "knee_r", "hip_l", "knee_l"):
            est = sub.curves_mean_rad[sub.joint_names.index(j)]
            meas = full.curves_mean_rad[full.joint_names.index(j)]
            vic = mean_sd_curves(full.time_s, truth[j][:, None], (j,), full.strides)[0][0]
            cells = [rmse_r(est, meas), rmse_r(est, vic), rmse_r(meas, vic)]
            print(f"| {j} | " + " | ".join(f"{e:.1f}, {r:.2f}" for e, r in cells) + " |")
        print()


def s02_zupt_vs_vicon(data: Path) -> list[tuple[str, float, float]]:
    """``[(side, ZUPT m, Vicon m)]``: horizontal displacement of each foot between consecutive still periods of
    its sensor, from the ZUPT smoother and from the Vicon ankle centre (``<S>TIO``) averaged over the same
    periods."""
    folder = data / "gaittoolbox_S02"
    files = sorted((folder / "imu").iterdir())
    fmt, ctx = detect_format(files[0]), ReadContext(where=folder)
    kin = fmt.kinematics(fmt.read(files, ctx), ctx)
    v = read_table(folder / "vicon" / "S02-Trial-Walk-1.csv")
    out = []
    for s, side in (("r", "R"), ("l", "L")):
        f = kin.feet[s]
        traj = foot_trajectory(f.acc_m_s2, f.gyr_rad_s, f.quat_wxyz, kin.sample_rate_hz)
        ankle = np.stack([v.col(f"{side}TIO_{i}") for i in (1, 2)], axis=1)
        z = still_run_displacements_m(traj.position_m, traj.still_runs)
        w = still_run_displacements_m(ankle, traj.still_runs)
        out += [(s, float(a), float(b)) for a, b in zip(z, w, strict=True)]
    return out


def s02_zupt(data: Path) -> None:
    rows = s02_zupt_vs_vicon(data)
    print("S02 overground (9.5 s with a 180° turn): foot displacement between consecutive still periods")
    print("| side | ZUPT (m) | Vicon ankle (m) | difference |")
    print("|---|---|---|---|")
    for s, z, v in rows:
        print(f"| {s} | {z:.3f} | {v:.3f} | {100 * (z / v - 1):+.1f} % |")
    err = np.array([abs(z / v - 1) for _, z, v in rows])
    print(f"median |difference| {100 * np.median(err):.1f} %; {int(np.sum(err <= 0.05))}/{len(err)} within 5 %")


def recordings(files: list[Path]) -> list[int]:
    """Recording index per clip: consecutive clips whose last and first frames match are one recording."""
    clips = [read_strokeavatar_clip(f) for f in files]
    group = [0]
    for a, b in zip(clips, clips[1:], strict=False):
        joined = np.allclose(a.joint_angles_rad[-1], b.joint_angles_rad[0], atol=1e-6)
        group.append(group[-1] + (0 if joined else 1))
    return group


def model_band_loo(data: Path) -> None:
    samples = clip_samples(data)
    names = list(samples)
    k = 2 * 8 + 1
    b = fourier_basis(8)
    print("| left out (IMU clips) | recordings | hip RMSE (°) | knee RMSE (°) | hip within ±1 SD | knee within ±1 SD |")
    print("|---|---|---|---|---|---|")
    for held in ("imu_stroke", "imu_healthy"):
        x_held, files = samples[held]
        groups = np.array(recordings(files))
        n = len(files)
        err = {"hip": [], "knee": []}
        inside = {"hip": [], "knee": []}
        for g in np.unique(groups):
            out = np.concatenate([groups == g, groups == g])  # right sides, then left sides
            train = np.concatenate([samples[m][0] for m in names if m != held] + [x_held[~out]])
            mu, cov = fit_gaussian(train)
            model = JointCurveModel(n_harmonics=8, mean=mu, cov=cov)
            for z in x_held[out]:
                hip, knee = b @ z[:k], b @ z[k:2 * k]
                est = model.estimate({"shank": hip - knee, "speed": float(z[-1])})
                for j, truth in (("hip", hip), ("knee", knee)):
                    d = est[j].mean_rad - truth
                    err[j].append(np.sqrt(np.mean(d ** 2)))
                    inside[j].append(np.mean(np.abs(d) <= est[j].sd_rad))
        print(f"| {held.replace('imu_', '')}: {n} clips × 2 sides | {len(np.unique(groups))} | "
              f"{np.degrees(np.mean(err['hip'])):.1f} | {np.degrees(np.mean(err['knee'])):.1f} | "
              f"{100 * np.mean(inside['hip']):.0f} % | {100 * np.mean(inside['knee']):.0f} % |")


def main() -> None:
    args = tyro.cli(Args, description=__doc__.splitlines()[0])
    movingreality(args.data)
    print()
    s02(args.data)
    s02_zupt(args.data)
    print()
    model_band_loo(args.data)


if __name__ == "__main__":
    main()
