"""Edited GaitTrial folders are refused on the command line: one ``error:`` line, non-zero exit, no
traceback, before any Ray starts (issue 32's cases and their kin)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CSV = REPO / "rl_gait" / "data" / "sample_patient" / "sample_patient_imu.csv"


@pytest.fixture(scope="module")
def good_trial(tmp_path_factory) -> Path:
    from rl_gait.ingest import ingest

    return ingest([SAMPLE_CSV]).save(tmp_path_factory.mktemp("trial") / "good")


def _edit_json(key_path: tuple, value=None, delete: bool = False):
    def edit(d: Path) -> None:
        doc = json.loads((d / "trial.json").read_text())
        node = doc
        for k in key_path[:-1]:
            node = node[k]
        if delete:
            del node[key_path[-1]]
        else:
            node[key_path[-1]] = value
        (d / "trial.json").write_text(json.dumps(doc))
    return edit


def _truncate(d: Path) -> None:
    text = (d / "trial.json").read_text()
    (d / "trial.json").write_text(text[: len(text) // 2])


def _nan_token(d: Path) -> None:
    text = (d / "trial.json").read_text()
    (d / "trial.json").write_text(text.replace('"paretic_confidence": ', '"paretic_confidence": NaN, "x": ', 1))


def _npz_altered(d: Path) -> None:
    import numpy as np

    with np.load(d / "trial.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["joint_angles_rad"] = arrays["joint_angles_rad"] * 1.01
    np.savez_compressed(d / "trial.npz", **arrays)


# case -> (edit, text the one-line error must contain)
CASES = {
    "paretic_side_removed": (_edit_json(("paretic_side",), delete=True), "`paretic_side`: missing"),
    "paretic_side_markup": (_edit_json(("paretic_side",), "<b>x</b>"), "`paretic_side`: expected one of"),
    "stance_pct_sixty": (_edit_json(("stance_pct", "r"), "sixty"), "`stance_pct/r`: expected a number"),
    "spatiotemporal_sixty": (_edit_json(("spatiotemporal", "stance_pct_r"), "sixty"),
                             "`spatiotemporal/stance_pct_r`: expected a number"),
    "truncated": (_truncate, "not valid JSON"),
    "subject_id_missing": (_edit_json(("subject_id",), delete=True), "`subject_id`: missing"),
    "wrong_type": (_edit_json(("sample_rate_hz",), "100"), "`sample_rate_hz`: expected a number"),
    "out_of_range": (_edit_json(("paretic_confidence",), 1.5), "`paretic_confidence`: expected a number ≤ 1"),
    "stance_over_100": (_edit_json(("spatiotemporal", "stance_pct_l"), 160.0), "expected a number ≤ 100"),
    "unknown_version": (_edit_json(("schema",), "rl_gait.trial/9"), "version 9 is newer"),
    "not_a_trial": (_edit_json(("schema",), "rl_gait.predictions/1"), "not an rl_gait trial file"),
    "nan_token": (_nan_token, "NaN is not JSON"),
    "npz_altered": (_npz_altered, "does not match the npz_sha256"),
    "copy_edited_alone": (_edit_json(("stance_pct", "l"), 60.0), "disagrees with `spatiotemporal/stance_pct_l`"),
}


def test_every_edited_trial_is_refused_in_one_line_before_ray(good_trial, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "RAY_ADDRESS": ""}
    names = list(CASES)
    for start in range(0, len(names), 4):  # a few at a time: each is an interpreter start-up on shared cores
        procs = {}
        for name in names[start:start + 4]:
            d = shutil.copytree(good_trial, tmp_path / name)
            CASES[name][0](d)
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "rl_gait.cli", "personalize", "--trial", str(d), "--budget", "smoke",
                 "--out", str(tmp_path / f"out_{name}")],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=600)
            expected = CASES[name][1]
            lines = err.strip().splitlines()
            assert proc.returncode != 0, (name, out, err)
            assert len(lines) == 1 and lines[0].startswith("error: "), (name, err)
            assert "Traceback" not in err and expected in lines[0], (name, lines[0])
            assert "trial.json" in lines[0] or "trial.npz" in lines[0], (name, lines[0])
            assert "[personalize]" not in out, name  # refused before the sweep (and Ray) started
            assert not (tmp_path / f"out_{name}").exists(), name


def test_the_unedited_trial_loads(good_trial):
    from rl_gait.ingest import GaitTrial

    trial = GaitTrial.load(good_trial)
    assert trial.paretic_side == "left" and trial.joint_angles_rad.shape[1] == 6
