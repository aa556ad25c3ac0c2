"""End-to-end ingestion of a clean synthetic walk in every documented layout, save/load and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ingest_synthetic import synthetic_walk

from rl_gait.cli import main
from rl_gait.ingest import GaitTrial, ingest
from rl_gait.ingest.formats.generic_csv import write_generic_imu_csv


def _rmse_deg(a, b):
    return float(np.degrees(np.sqrt(np.mean((a - b) ** 2))))


@pytest.fixture(scope="module")
def walk():
    return synthetic_walk(knee_peak_deg={"l": 20.0}, seed=3)


def test_vendor_quaternions_exact(tmp_path, walk):
    sensors, truth = walk
    trial = ingest(write_generic_imu_csv(tmp_path / "walk.csv", 100.0, sensors))
    assert trial.provenance["calibration"].startswith("static standing")
    assert trial.joint_names == ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")
    for j in trial.joint_names:
        assert _rmse_deg(trial.angle(j), truth[j]) < 0.1, j
    assert trial.paretic_side == "left" and trial.paretic_confidence > 0.8
    assert trial.spatiotemporal["stride_time_s_r"] == pytest.approx(1.2, abs=0.011)
    assert trial.spatiotemporal["cadence_steps_per_min"] == pytest.approx(100.0, abs=1.0)
    for s in ("r", "l"):
        assert len(trial.strides[s]) >= 8
        ref = truth["ic_s"][s]
        # IC from the shank dip after swing, within 0.15 s of the synthetic IC (phase 0)
        assert max(np.min(np.abs(ref - x)) for x in trial.events[s].initial_contact_s) < 0.15


def test_madgwick_from_raw_acc_gyro(tmp_path, walk):
    sensors, truth = walk
    raw = {seg: {k: v for k, v in d.items() if k != "quat"} for seg, d in sensors.items()}
    trial = ingest(write_generic_imu_csv(tmp_path / "raw.csv", 100.0, raw))
    for j in trial.joint_names:
        assert _rmse_deg(trial.angle(j), truth[j]) < 1.5, j
    assert trial.paretic_side == "left"


def test_one_file_per_sensor_with_segment_header(tmp_path, walk):
    sensors, truth = walk
    for seg in ("shank_r", "shank_l", "thigh_r", "thigh_l"):
        d = sensors[seg]
        p = tmp_path / f"sensor_{seg}.csv"
        cols = [f"{q}_{a}" for q in ("acc", "gyr") for a in "xyz"]
        with open(p, "w") as f:
            f.write(f"# segment: {seg}\n# sample_rate_hz: 100\n# units: acc=m/s^2 gyr=rad/s\n" + ",".join(cols) + "\n")
            np.savetxt(f, np.hstack([d["acc"], d["gyr"]]), delimiter=",", fmt="%.7g")
    trial = ingest(tmp_path)
    assert trial.measured_joints == ("hip_r", "knee_r", "hip_l", "knee_l")
    assert trial.estimated_joints == ("ankle_r", "ankle_l")
    assert _rmse_deg(trial.angle("knee_r"), truth["knee_r"]) < 1.5


def test_joint_angle_csv_and_mot(tmp_path, walk):
    _, truth = walk
    t = truth["time_s"]
    names = ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")
    deg = np.degrees(np.stack([truth[j] for j in names], axis=1))
    csv = tmp_path / "angles.csv"
    with open(csv, "w") as f:
        f.write("time_s," + ",".join(f"{j}_deg" for j in names) + "\n")
        np.savetxt(f, np.column_stack([t, deg]), delimiter=",", fmt="%.6f")
    a = ingest(csv)
    assert a.provenance["format"] == "csv" and a.paretic_side == "left"
    np.testing.assert_allclose(a.angle("knee_l"), truth["knee_l"], atol=1e-6)
    mot = tmp_path / "ik.mot"
    coords = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
    gait2392 = deg * np.array([1, -1, 1, 1, -1, 1])  # knee flexion negative in gait2392
    with open(mot, "w") as f:
        f.write(f"ik\nversion=1\nnRows={len(t)}\nnColumns=7\ninDegrees=yes\nendheader\n")
        f.write("time\t" + "\t".join(coords) + "\n")
        np.savetxt(f, np.column_stack([t, gait2392]), delimiter="\t", fmt="%.6f")
    m = ingest(mot)
    assert m.provenance["format"] == "mot"
    np.testing.assert_allclose(m.angle("knee_r"), truth["knee_r"], atol=1e-6)
    assert any("gait2392" in n for n in m.provenance["notes"])


def test_save_load_roundtrip(tmp_path, walk):
    sensors, _ = walk
    trial = ingest(write_generic_imu_csv(tmp_path / "walk.csv", 100.0, sensors), height_m=1.7, mass_kg=70)
    trial.save(tmp_path / "out")
    meta = json.loads((tmp_path / "out" / "trial.json").read_text())
    for key in ("sample_rate_hz", "n_strides", "cadence_steps_per_min", "stride_time_s", "stance_pct",
                "paretic_side", "paretic_confidence", "joint_names", "peak_knee_flexion_deg"):
        assert key in meta, key
    assert meta["peak_knee_flexion_deg"]["r"] == pytest.approx(60.0, abs=1.0)
    assert len(meta["provenance"]["inputs"][0]["sha256"]) == 64
    back = GaitTrial.load(tmp_path / "out")
    np.testing.assert_array_equal(back.joint_angles_rad, trial.joint_angles_rad)
    np.testing.assert_array_equal(back.strides["l"], trial.strides["l"])
    assert back.paretic_side == trial.paretic_side and back.height_m == 1.7


def test_cli_writes_outputs(tmp_path, walk, capsys):
    sensors, _ = walk
    p = write_generic_imu_csv(tmp_path / "walk.csv", 100.0, sensors)
    assert main(["ingest", str(p), "--out", str(tmp_path / "o"), "--walk-distance-m", "12"]) == 0
    for f in ("trial.json", "trial.npz", "kinematics.png"):
        assert (tmp_path / "o" / f).stat().st_size > 0
    out = capsys.readouterr().out
    assert "paretic side" in out and "left" in out
    assert json.loads((tmp_path / "o" / "trial.json").read_text())["speed_m_s"] > 0


def test_ingestion_imports_no_ray_torch_mujoco(tmp_path):
    import subprocess
    import sys

    code = ("import sys, rl_gait.ingest.pipeline, rl_gait.ingest.cli, rl_gait.ingest.plot; "
            "bad=[m for m in ('ray','torch','mujoco') if m in sys.modules]; print(bad); sys.exit(bool(bad))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
