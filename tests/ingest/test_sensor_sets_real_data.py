"""Clinical sensor sets on the real recordings in ../shared/data (figures printed with -s):
feet + lumbar and shanks only subsets of MovingReality, S02 without thighs vs Vicon, and (slow) the
main job on a stroke survivor's feet + shanks + lumbar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rl_gait.ingest import IngestOptions, ingest
from rl_gait.ingest.parameters import mean_sd_curves

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
if not DATA.is_dir():
    pytest.skip(f"real data folder {DATA} is absent", allow_module_level=True)
MR = DATA / "movingreality"


def _subset(pp: str, labels: tuple[str, ...]) -> list[Path]:
    folder = MR / pp
    spec_file = next(folder.glob("sensorspec*"))
    spec = json.loads(spec_file.read_text())
    suffixes = [Path(spec[label]).stem.upper() for label in labels]
    return [next(f for f in folder.glob("*.txt") if f.stem.upper().endswith(s) and f != spec_file)
            for s in suffixes] + [spec_file]


def test_feet_and_lumbar_only_gives_cadence_stride_length_and_every_joint_estimated():
    """pp04 without its shank files, no speed given: events from the foot gyroscopes, stride length and
    speed from the feet (ZUPT), within 15 % of the belt's 1.2 m/s × stride time; all six joints estimated."""
    trial = ingest(_subset("pp04", ("leftfoot", "rightfoot", "lumbar")))
    sp = trial.spatiotemporal
    belt_length = 1.2 * sp["stride_time_s"]
    print(f"pp04 feet + lumbar: cadence {sp['cadence_steps_per_min']:.1f}, stride {sp['stride_length_m']:.3f} m "
          f"(belt x time {belt_length:.3f} m), speed {sp['speed_m_s']:.2f} m/s, paretic {trial.paretic_side}")
    assert trial.measured_joints == () and len(trial.estimated_joints) == 6
    assert 100 <= sp["cadence_steps_per_min"] <= 140  # shanks give 121.2 on this walk
    assert abs(sp["stride_length_m"] / belt_length - 1) <= 0.15
    assert trial.provenance["stride_length_source"].startswith("foot IMU")
    assert {e["index"] for e in trial.paretic_evidence} >= {"foot_range", "push_off_omega", "stance_pct"}


def test_shanks_only_gives_cadence_and_estimated_joints():
    trial = ingest(_subset("pp02", ("leftshank", "rightshank")), options=IngestOptions(speed_m_s=1.6))
    sp = trial.spatiotemporal
    assert len(trial.estimated_joints) == 6 and 100 <= sp["cadence_steps_per_min"] <= 150
    assert sp["stride_length_m"] == pytest.approx(1.6 * sp["stride_time_s"])
    assert "stride_length_zupt_m" not in sp  # no foot sensor


def test_s02_without_thighs_estimated_hip_knee_vs_vicon():
    """S02 (healthy) with its thigh sensors left out: hips and knees estimated from shanks, feet and
    pelvis are within 9° RMSE and r >= 0.85 of Vicon, and within 1.5 × their own band."""
    from scipy.spatial.transform import Rotation

    from rl_gait.ingest.formats.table import read_table

    s02 = DATA / "gaittoolbox_S02"
    trial = ingest([f for f in sorted((s02 / "imu").iterdir()) if "UpLeg" not in f.name])
    assert trial.estimated_joints == ("hip_r", "knee_r", "hip_l", "knee_l")
    v = read_table(s02 / "vicon" / "S02-Trial-Walk-1.csv")

    def q(name: str) -> Rotation:
        return Rotation.from_quat(np.stack([v.col(f"{name}_{i}") for i in (2, 3, 4, 1)], axis=1))

    for s, side in (("r", "R"), ("l", "L")):
        thigh = q(f"q{side}TH")
        truth = {f"hip_{s}": -(q("qRPV").inv() * thigh).as_euler("YXZ")[:, 0],
                 f"knee_{s}": (thigh.inv() * q(f"q{side}SK")).as_euler("YXZ")[:, 0]}
        for j, x in truth.items():
            k = trial.joint_names.index(j)
            vic = mean_sd_curves(trial.time_s, x[:, None], (j,), trial.strides)[0][0]
            est, band = trial.curves_mean_rad[k], trial.curves_sd_rad[k]
            rmse = float(np.degrees(np.sqrt(np.mean((est - vic) ** 2))))
            r = float(np.corrcoef(est, vic)[0, 1])
            print(f"S02 no thighs {j}: RMSE {rmse:.1f} deg, r {r:.2f}, band {np.degrees(np.sqrt(np.mean(band ** 2))):.1f}")
            assert rmse <= 9.0 and r >= 0.85
            assert rmse <= 1.5 * np.degrees(np.sqrt(np.mean(band ** 2)))


@pytest.mark.slow
def test_main_job_on_a_stroke_survivor_feet_shanks_lumbar(tmp_path):
    """``rl-gait run`` on MovingReality pp01 (feet, shanks, lumbar; belt 0.4 m/s) finishes with a report and its
    trial.json lists the estimated joints (before: "trial has no mean hip_r curve")."""
    from rl_gait.cli import main

    out = tmp_path / "job"
    assert main(["run", str(MR / "pp01"), "--speed-m-s", "0.4", "--budget", "smoke", "--out", str(out)]) == 0
    s = json.loads((out / "trial" / "trial.json").read_text())
    assert s["estimated_joints"] == ["hip_r", "knee_r", "hip_l", "knee_l"]
    html = (out / "report.html").read_text()
    assert "joints estimated" in html and "paretic-side evidence" in html


def test_s02_zupt_displacements_vs_vicon_ankle():
    """Overground (S02, a 180° turn): each foot's ZUPT displacement between consecutive still periods vs the
    Vicon ankle centre's over the same periods — median within 3 %, all but the turn's pivot steps within 5 %."""
    from rl_gait.ingest.formats.base import ReadContext
    from rl_gait.ingest.formats.registry import detect_format
    from rl_gait.ingest.formats.table import read_table
    from rl_gait.ingest.zupt import foot_trajectory, still_run_displacements_m

    folder = DATA / "gaittoolbox_S02"
    files = sorted((folder / "imu").iterdir())
    fmt, ctx = detect_format(files[0]), ReadContext(where=folder)
    kin = fmt.kinematics(fmt.read(files, ctx), ctx)
    v = read_table(folder / "vicon" / "S02-Trial-Walk-1.csv")
    err = []
    for s, side in (("r", "R"), ("l", "L")):
        f = kin.feet[s]
        traj = foot_trajectory(f.acc_m_s2, f.gyr_rad_s, f.quat_wxyz, kin.sample_rate_hz)
        ankle = np.stack([v.col(f"{side}TIO_{i}") for i in (1, 2)], axis=1)
        err += list(still_run_displacements_m(traj.position_m, traj.still_runs)
                    / still_run_displacements_m(ankle, traj.still_runs) - 1)
    err = np.abs(err)
    print(f"S02 ZUPT vs Vicon ankle: median {100 * np.median(err):.1f} %, {np.sum(err <= 0.05)}/{err.size} within 5 %")
    assert err.size >= 10 and np.median(err) <= 0.03 and np.sum(err > 0.05) <= 2
