"""``rl-gait train``: argument surface, one-line errors, and (slow) the smoke budget end to end on real data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rl_gait.cli import main

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CLIPS = [DATA / "strokeavatar" / "imu_patient" / f"walk46{i}.json" for i in range(4)]


def test_train_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in ("--trial", "--mode", "--height-m", "--mass-kg", "--budget", "--out", "--joint-discriminator"):
        assert opt in out


def test_missing_trial_is_one_line_error(tmp_path, capsys):
    code = main(["train", "--trial", str(tmp_path / "nope.json"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error:") and "nope.json" in err and "\n" not in err


def test_physics_only_with_warm_start_is_refused(tmp_path, capsys):
    if not CLIPS[0].exists():
        pytest.skip(f"shared data not found at {DATA} (needs ../shared/data next to the repo)")
    code = main(["train", "--trial", *map(str, CLIPS), "--mode", "physics-only", "--warm-start", str(tmp_path),
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "physics-only" in err and "\n" not in err


@pytest.mark.slow
def test_smoke_budget_end_to_end_on_a_stroke_clip(tmp_path):
    if not CLIPS[0].exists():
        pytest.skip(f"shared data not found at {DATA} (needs ../shared/data next to the repo)")
    out = tmp_path / "run"
    proc = subprocess.run([sys.executable, "-m", "rl_gait.cli", "train", "--trial", *map(str, CLIPS), "--mode",
                           "hybrid", "--budget", "smoke", "--out", str(out), "--no-progress", "--env-runners", "0"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    meta = json.loads((out / "checkpoint" / "rl_gait.json").read_text())
    assert meta["mode"] == "hybrid" and meta["steps"] >= 4000
    assert meta["patient_id"].startswith("subject-")
    assert (out / "training.csv").read_text().count("\n") >= 2
