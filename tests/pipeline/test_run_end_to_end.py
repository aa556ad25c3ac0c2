"""``rl-gait run`` on the smoke budget, end to end with every real stage, on the bundled sample patient;
the rerun resumes without repeating finished stages; the report renders in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rl_gait.pipeline.run import MARKER, STAGES, PipelineBudget, RunInputs, run_pipeline
from rl_gait.pipeline.sample_patient import SAMPLE_CSV, SAMPLE_DIR

FAMILIES = {"level", "slope_up", "slope_down", "stairs_up", "stairs_down"}


PATIENT_NAME = "Jane_Doe_1961"


@pytest.fixture(scope="module")
def named_patient(tmp_path_factory):
    """The sample walk in a folder named after a person, its file too (what clinics do)."""
    folder = tmp_path_factory.mktemp("clinic") / "patients" / PATIENT_NAME
    folder.mkdir(parents=True)
    shutil.copyfile(SAMPLE_DIR / SAMPLE_CSV, folder / f"{PATIENT_NAME}_walk_imu.csv")
    return folder


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory, named_patient):
    """``rl-gait run`` as a user starts it (its own process: its console is what a user sees, kept in
    ``console.txt`` beside the job's folder)."""
    out = tmp_path_factory.mktemp("run") / "job"
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "rl_gait.cli", "run", str(named_patient), "--height-m", "1.7",
                           "--mass-kg", "72", "--walk-distance-m", "20", "--budget", "smoke", "--out", str(out),
                           "--write-id-map", str(named_patient.parent.parent / "private" / "ids.json")],
                          env=env, capture_output=True, text=True, timeout=1800, check=False)
    (out.parent / "console.txt").write_text(proc.stdout + proc.stderr)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return out


def test_the_console_has_no_deprecation_line_and_says_where_library_logs_are(smoke_run):
    """Ray, RLlib, Tune and library messages go to ``logs/libraries.log``, named in one console line; no
    deprecation warning of RLlib, Ray or Gymnasium reaches the console (the run creates, loads, trains and
    evaluates RLModules: personalization, task training, predictions)."""
    console = (smoke_run.parent / "console.txt").read_text()
    assert [line for line in console.splitlines() if "deprecat" in line.lower()] == []
    assert sum("logs/libraries.log" in line for line in console.splitlines()) == 1
    assert (smoke_run / "logs" / "libraries.log").is_file()
    assert "View detailed results here" not in console and "Token authentication" not in console


def _texts(path):
    """The bytes of a file and, for zip containers (npz, torch .pt), of each member."""
    import zipfile

    yield path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                yield name.encode()
                yield z.read(name)


def test_no_output_names_the_patient_or_the_input_path(smoke_run, named_patient):
    # "Jane_Doe", not "Jane": four letters turn up by chance in base64 images and binary weights
    needles = [PATIENT_NAME, "Jane_Doe", "Doe_1961", str(named_patient), str(named_patient.parent)]
    leaks = []
    for f in sorted(smoke_run.rglob("*")):
        rel = str(f.relative_to(smoke_run))
        leaks += [f"{rel} (name)" for n in needles if n in rel]
        if f.is_file():
            leaks += [f"{rel}: {n}" for data in _texts(f) for n in needles if n.encode() in data]
    assert not leaks, sorted(set(leaks))
    done = json.loads((smoke_run / "trial" / MARKER).read_text())
    assert "<input sha256:" in done["command"]  # the input, recorded as its content hash
    id_map = named_patient.parent.parent / "private" / "ids.json"  # only where asked, private
    assert id_map.stat().st_mode & 0o777 == 0o600
    assert json.loads(id_map.read_text())["ids"] == {done["subject_id"]: [str(named_patient)]}


def test_id_map_inside_the_output_folder_is_refused(tmp_path, capsys):
    from rl_gait.cli import main

    code = main(["run", str(SAMPLE_DIR / SAMPLE_CSV), "--budget", "smoke", "--out", str(tmp_path / "out"),
                 "--write-id-map", str(tmp_path / "out" / "ids.json")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.startswith("error:") and "\n" not in err and not (tmp_path / "out" / "ids.json").exists()


def test_run_produces_predictions_for_every_task_and_a_report(smoke_run):
    out = smoke_run
    for s in STAGES:
        assert (out / s / MARKER).is_file(), s
    doc = json.loads((out / "predictions" / "predictions.json").read_text())
    assert set(doc["families"]) == FAMILIES
    assert all(len(f["levels"]) == 5 for k, f in doc["families"].items() if k != "level")
    assert doc["settings"]["n_rollouts"] == 2
    # the predicted checkpoint is the task-trained one, warm-started from personalization
    side = json.loads((out / "task_training" / "final" / "rl_gait.json").read_text())
    assert side["warm_start"] and side["pipeline_stage"] == "task_training"
    assert (out / "personalize" / "trials.csv").is_file()
    assert (out / "trial" / "trial.json").is_file() and (out / "references" / "stairs_up_20cm.npz").is_file()
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") >= 4 and page.count("data:image/gif;base64,") == len(FAMILIES)
    assert "Task verdicts" in page and "left" in page  # the sample patient's paretic side
    # the healthy control: same levels and rollouts, a healthy body of the patient's size, shown beside the patient
    healthy = json.loads((out / "predictions" / "healthy_control" / "predictions.json").read_text())
    assert healthy["subject"] == "healthy_control" and healthy["body"] == {"height_m": 1.7, "mass_kg": 72.0}
    assert set(healthy["families"]) == FAMILIES and healthy["settings"] == doc["settings"]
    assert "Patient beside a healthy control" in page and "cannot certify" in page  # smoke: 2 rollouts
    # every stair level lists both strategies, each rolled out: the task training draws step-over-step and step-to
    assert side["stair_strategies"] == ["step_over_step", "step_to"]
    for fam in ("stairs_up", "stairs_down"):
        for lv in doc["families"][fam]["levels"]:
            assert set(lv["strategies"]) == {"step_over_step", "step_to"}
            assert lv["best_strategy"] in lv["strategies"]
            assert all(st["evaluated"] and st["trained"] for st in lv["strategies"].values())
    up = doc["families"]["stairs_up"]["levels"][0]["strategies"]["step_to"]
    assert up["leading_side"] == "right"  # the sample patient's paretic side is left: up with the right leg first
    assert "Stair strategies" in page and "(extrapolation)" in page


def test_rerun_skips_finished_stages(smoke_run, named_patient):
    from rich.console import Console

    calls: list[tuple[str, bool]] = []
    inputs = RunInputs((str(named_patient.resolve()),), height_m=1.7, mass_kg=72.0, walk_distance_m=20.0)
    before = (smoke_run / "task_training" / MARKER).stat().st_mtime
    run_pipeline(inputs, smoke_run, PipelineBudget.preset("smoke"), console=Console(quiet=True),
                 on_stage=lambda name, ran: calls.append((name, ran)))
    assert calls == [(s, False) for s in STAGES]
    assert (smoke_run / "task_training" / MARKER).stat().st_mtime == before


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(smoke_run, tmp_path):
    exe = _chromium()
    if exe is None:
        pytest.skip("chromium not installed (run `bash scripts/install_system_deps.sh`)")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1100,2400",
         "--enable-logging=stderr", "--v=0", (smoke_run / "report.html").resolve().as_uri()],
        capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path)})
    assert shot.is_file(), proc.stderr[-2000:]
    import imageio.v3 as iio

    img = np.asarray(iio.imread(shot))[..., :3].astype(float)
    assert img.std() > 10.0  # not blank
    assert (img < 128).mean() > 0.005  # text and figures drawn
    console_errors = [ln for ln in proc.stderr.splitlines() if "CONSOLE" in ln and ("ERROR" in ln or "Uncaught" in ln)]
    assert not console_errors, console_errors
