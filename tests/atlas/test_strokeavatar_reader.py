"""StrokeAvatar clip reader on the real files in ../shared/data/strokeavatar."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rl_gait.errors import InputFormatError
from rl_gait.ingest.formats.strokeavatar import read_strokeavatar_clip, read_strokeavatar_clips

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "strokeavatar"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason=f"shared data folder {DATA} is absent")


@needs_data
def test_imu_clip_layout_and_angles():
    path = DATA / "imu_healthy" / "walk400.json"
    raw = json.loads(path.read_text())
    clip = read_strokeavatar_clip(path)
    n = len(raw["walk"])
    assert clip.kind == "imu" and clip.sample_rate_hz == 90.0 and clip.phase_zero == "left_foot_off"
    assert clip.joint_names == ("hip_r", "knee_r", "hip_l", "knee_l")
    assert clip.joint_angles_rad.shape == (n, 4) and clip.segment_quat_wxyz.shape == (n, 5, 4)
    np.testing.assert_allclose(np.linalg.norm(clip.segment_quat_wxyz, axis=-1), 1.0, atol=1e-9)
    # scalar first, Unity x mirror: stored (x, y, z, w) -> (w, x, -y, -z)
    x, y, z, w = np.asarray(raw["walk"][0][3:7]) / np.linalg.norm(raw["walk"][0][3:7])
    np.testing.assert_allclose(clip.segment_quat_wxyz[0, 0], [w, x, -y, -z])
    assert clip.cycle_duration_s == pytest.approx(1.0 / raw["stepFrequency"], rel=1e-6)
    assert clip.ave_velocity_m_s == raw["aveVelocity"] and clip.stride_length_m == raw["stepLength"]
    # clip starts just after left foot-off: left knee flexed ~40-50°, right leg in stance
    assert 30 < np.rad2deg(clip.angle("knee_l")[0]) < 65
    assert np.rad2deg(clip.angle("knee_r")[0]) < 25


@needs_data
def test_healthy_imu_knee_peaks_match_readme():
    clips = read_strokeavatar_clips(sorted((DATA / "imu_healthy").glob("*.json")))
    assert len(clips) == 44
    peak_r = np.mean([np.rad2deg(c.angle("knee_r")).max() for c in clips])
    peak_l = np.mean([np.rad2deg(c.angle("knee_l")).max() for c in clips])
    hip_range = np.mean([np.ptp(np.rad2deg(c.angle("hip_r"))) for c in clips])
    assert 60 < peak_r < 72 and 50 < peak_l < 62  # README: ~66° R, ~56° L
    assert 25 < hip_range < 36  # README: hip range ~30°


@needs_data
def test_mocap_clip_has_plausible_ankle():
    clips = read_strokeavatar_clips(sorted((DATA / "mocap_healthy").glob("*.json")))
    assert len(clips) == 118
    c = clips[0]
    assert c.kind == "mocap" and c.sample_rate_hz == 120.0 and c.phase_zero == "right_initial_contact"
    assert c.joint_names == ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")
    assert c.segment_quat_wxyz.shape == (c.n_frames, 0, 4)
    for side in ("r", "l"):
        ankle = np.array([np.ptp(np.rad2deg(k.angle(f"ankle_{side}"))) for k in clips])
        assert 22 < np.median(ankle) < 38  # healthy sagittal ankle range ~25-30°
        # push-off plantarflexion (minimum) of the right ankle falls at 50-70 % of the right cycle
    t_min = np.median([np.argmin(k.angle("ankle_r")) / (k.n_frames - 1) for k in clips])
    assert 0.5 < t_min < 0.7
    # right knee swing peak at 60-80 % of a cycle that starts at right heel strike
    t_peak = np.median([np.argmax(k.angle("knee_r")) / (k.n_frames - 1) for k in clips])
    assert 0.6 < t_peak < 0.8


def test_bad_files_raise_one_line_error(tmp_path):
    cases = {
        "notjson.json": "{walk: [",
        "nowalk.json": json.dumps({"aveVelocity": 1.0}),
        "badshape.json": json.dumps({"walk": [[0.0] * 10] * 30, "aveVelocity": 1.0, "stepLength": 1.0}),
        "short.json": json.dumps({"walk": [[0.0] * 62] * 5, "aveVelocity": 1.0, "stepLength": 1.0}),
        "zeros.json": json.dumps({"walk": [[0.0] * 62] * 30, "aveVelocity": 1.0, "stepLength": 1.0}),
    }
    for name, text in cases.items():
        p = tmp_path / name
        p.write_text(text)
        with pytest.raises(InputFormatError) as err:
            read_strokeavatar_clip(p)
        assert "\n" not in str(err.value) and name in str(err.value)
    with pytest.raises(InputFormatError):
        read_strokeavatar_clip(tmp_path / "missing.json")
