"""The input-format registry: every format an object with detect + read + kinematics; every
IngestOptions field honoured (or refused) by every format; ``--max-gap-s`` on the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ingest_synthetic import synthetic_walk

from rl_gait.cli import main
from rl_gait.errors import DataQualityError, InputFormatError
from rl_gait.ingest import IngestOptions, ingest
from rl_gait.ingest.formats.base import InputFormat
from rl_gait.ingest.formats.registry import FORMATS, detect_format

NAMES = ("hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l")


@pytest.fixture(scope="module")
def truth():
    return synthetic_walk(seed=3)[1]


def _angle_csv(path, truth, gap_s: float = 0.0, gap_at_s: float = 5.0):
    t = truth["time_s"]
    deg = np.degrees(np.stack([truth[j] for j in NAMES], axis=1))
    if gap_s:
        fs = 1.0 / (t[1] - t[0])
        a = int(gap_at_s * fs)
        deg[a:a + int(round(gap_s * fs))] = np.nan
    with open(path, "w") as f:
        f.write("time_s," + ",".join(f"{j}_deg" for j in NAMES) + "\n")
        for ti, row in zip(t, deg, strict=True):
            f.write(f"{ti:.4f}," + ",".join("" if not np.isfinite(v) else f"{v:.5f}" for v in row) + "\n")
    return path


def _mot(path, truth):
    t = truth["time_s"]
    coords = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
    deg = np.degrees(np.stack([truth[j] for j in NAMES], axis=1))
    with open(path, "w") as f:
        f.write(f"ik\nversion=1\nnRows={len(t)}\nnColumns=7\ninDegrees=yes\nendheader\n")
        f.write("time\t" + "\t".join(coords) + "\n")
        np.savetxt(f, np.column_stack([t, deg]), delimiter="\t", fmt="%.6f")
    return path


def test_every_format_is_an_object_with_detect_read_kinematics():
    assert list(FORMATS) == ["strokeavatar", "c3d", "mot", "xsens", "csv"]
    for name, fmt in FORMATS.items():
        assert isinstance(fmt, InputFormat) and fmt.name == name and fmt.description


def test_detection_goes_through_the_registry(tmp_path, truth):
    assert detect_format(_angle_csv(tmp_path / "a.csv", truth)) is FORMATS["csv"]
    assert detect_format(_mot(tmp_path / "a.mot", truth)) is FORMATS["mot"]
    junk = tmp_path / "x.bin"
    junk.write_text("hello\n1,2\n")
    with pytest.raises(InputFormatError, match="unrecognised file format"):
        detect_format(junk)


def test_joint_angle_csv_gap_refused_by_default_accepted_with_max_gap(tmp_path, truth, capsys):
    """The check of issue 25: a 0.3 s run of missing samples is refused by default (one line naming the
    file and the fix) and accepted with --max-gap-s 0.5."""
    csv = _angle_csv(tmp_path / "angles.csv", truth, gap_s=0.3)
    assert main(["ingest", str(csv), "--out", str(tmp_path / "refused")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    assert str(csv) in err and "30 consecutive" in err and "--max-gap-s" in err
    assert not (tmp_path / "refused" / "trial.json").exists()
    assert main(["ingest", str(csv), "--max-gap-s", "0.5", "--out", str(tmp_path / "ok")]) == 0
    s = json.loads((tmp_path / "ok" / "trial.json").read_text())
    assert s["provenance"]["options"]["max_gap_s"] == 0.5
    assert s["n_strides"]["r"] >= 5


@pytest.mark.parametrize("maker", [_angle_csv, _mot])
def test_angle_formats_honour_every_option(tmp_path, truth, maker):
    f = maker(tmp_path / ("a.csv" if maker is _angle_csv else "a.mot"), truth)
    base = ingest(f)
    # sample rate: the file's time column is replaced, durations scale
    slow = ingest(f, options=IngestOptions(sample_rate_hz=50.0))
    assert slow.sample_rate_hz == 50.0
    assert slow.spatiotemporal["stride_time_s"] == pytest.approx(2 * base.spatiotemporal["stride_time_s"], rel=0.02)
    # speed / walk distance reach the back end
    fast = ingest(f, options=IngestOptions(speed_m_s=1.1))
    assert fast.spatiotemporal["speed_m_s"] == 1.1
    # an orientation filter cannot run on joint angles: refused, not ignored
    with pytest.raises(InputFormatError, match="--orientation madgwick needs raw accelerometer"):
        ingest(f, options=IngestOptions(orientation="madgwick"))
    # a gap longer than max_gap_s is refused in either format
    if maker is _angle_csv:
        g = _angle_csv(tmp_path / "gap.csv", truth, gap_s=0.2)
        with pytest.raises(DataQualityError, match="20 consecutive"):
            ingest(g)
        assert ingest(g, options=IngestOptions(max_gap_s=0.25)).provenance["options"]["max_gap_s"] == 0.25


def test_run_takes_the_ingest_options(monkeypatch, tmp_path):
    """``rl-gait run --speed-m-s V --max-gap-s S`` reaches the ingest stage's IngestOptions; ``--address`` reaches
    the job (not its inputs, whose hash keys the stages)."""
    import rl_gait.pipeline.run as run_mod

    seen = {}

    def fake_run_pipeline(inputs, out, budget, command="", address=None, **kwargs):
        seen["inputs"], seen["address"] = inputs, address
        return out / "report.html"

    monkeypatch.setattr(run_mod, "run_pipeline", fake_run_pipeline)
    assert main(["run", str(tmp_path), "--speed-m-s", "0.9", "--max-gap-s", "0.4", "--budget", "smoke",
                 "--out", str(tmp_path / "o"), "--address", "auto"]) == 0
    assert seen["inputs"].speed_m_s == 0.9 and seen["inputs"].max_gap_s == 0.4 and seen["address"] == "auto"
