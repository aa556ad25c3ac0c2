"""C3D input (ezc3d): model joint angles and Plug-in Gait markers → GaitTrial. The files are built here
with ezc3d itself from the synthetic walk's known angles (no data shipped)."""

from __future__ import annotations

import numpy as np
import pytest
from ingest_synthetic import synthetic_walk, write_c3d

from rl_gait.errors import InputFormatError
from rl_gait.ingest import IngestOptions, ingest
from rl_gait.ingest.formats.registry import FORMATS, detect_format

ezc3d = pytest.importorskip("ezc3d")
NAMES = ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")


@pytest.fixture(scope="module")
def truth():
    return synthetic_walk(seed=5, stand_s=0.5)[1]


def test_model_angles(tmp_path, truth):
    side = {"r": "R", "l": "L"}
    pts = {}
    for j in NAMES:
        jt, s = j.split("_")
        deg = np.degrees(truth[j])
        pts[f"Patient01:{side[s]}{jt.capitalize()}Angles"] = np.stack([deg, 0.1 * deg, np.zeros_like(deg)], axis=1)
    f = write_c3d(tmp_path / "walk.c3d", pts, 100.0, invalid={"Patient01:LKneeAngles": slice(300, 305)})
    assert detect_format(f) is FORMATS["c3d"]
    trial = ingest(f)
    assert trial.provenance["format"] == "c3d" and trial.measured_joints == NAMES and not trial.estimated_joints
    for j in NAMES:
        np.testing.assert_allclose(trial.angle(j), truth[j], atol=np.radians(0.5) if j == "knee_l" else 1e-5)  # 5 samples interpolated
    assert trial.paretic_side == "none" and len(trial.strides["r"]) >= 6
    with pytest.raises(InputFormatError, match="--orientation madgwick"):
        ingest(f, options=IngestOptions(orientation="madgwick"))


def test_markers_give_the_sagittal_angles(tmp_path, truth):
    """Plug-in Gait markers of a planar walk (lab X forward, Y left, Z up, mm, pelvis tilted 12° anterior)
    placed from the known angles: the reader recovers hip, knee and ankle."""
    t = truth["time_s"]
    n = len(t)
    tau = np.deg2rad(12.0)
    pw, pd = 250.0, 160.0
    x0 = 1000.0 * t  # walking forward at 1 m/s
    mid_asis = np.stack([x0, np.zeros(n), np.full(n, 950.0)], axis=1)
    mid_psis = mid_asis + np.array([-pd * np.cos(tau), 0.0, pd * np.sin(tau)])
    half = np.array([0.0, pw / 2, 0.0])
    pts = {"LASI": mid_asis + half, "RASI": mid_asis - half, "LPSI": mid_psis + half, "RPSI": mid_psis - half}
    xp, yp = np.array([np.cos(tau), 0.0, -np.sin(tau)]), np.array([np.sin(tau), 0.0, np.cos(tau)])
    fwd, up = np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])
    for s, side, zsign in (("r", "R", -1.0), ("l", "L", 1.0)):
        lateral = np.array([0.0, zsign, 0.0])
        hjc = mid_asis + (-0.24 * pd - 9.9) * xp + (-0.30 * pw - 10.9) * yp + (0.33 * pw + 7.3) * lateral
        th_thigh = truth[f"hip_{s}"] - tau
        th_shank = th_thigh - truth[f"knee_{s}"]
        th_foot = truth[f"ankle_{s}"] + th_shank

        def seg(theta):
            return np.outer(np.sin(theta), fwd) - np.outer(np.cos(theta), up)

        knee = hjc + 420.0 * seg(th_thigh)
        ankle = knee + 400.0 * seg(th_shank)
        heel = ankle + np.array([-50.0, 0.0, -60.0])
        toe = heel + 200.0 * (np.outer(np.cos(th_foot), fwd) + np.outer(np.sin(th_foot), up))
        pts |= {f"{side}KNE": knee, f"{side}ANK": ankle, f"{side}HEE": heel, f"{side}TOE": toe}
    trial = ingest(write_c3d(tmp_path / "markers.c3d", pts, 100.0))
    assert trial.measured_joints == NAMES
    assert any("markers" in note for note in trial.provenance["notes"])
    for j in NAMES:
        assert np.degrees(np.max(np.abs(trial.angle(j) - truth[j]))) < 0.01, j


def test_c3d_without_angles_or_markers_is_one_line_error(tmp_path):
    f = write_c3d(tmp_path / "junk.c3d", {"FOO": np.zeros((50, 3))}, 100.0)
    with pytest.raises(InputFormatError) as e:
        ingest(f)
    assert "junk.c3d" in str(e.value) and "fix:" in str(e.value) and "\n" not in str(e.value)
