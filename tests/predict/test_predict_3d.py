"""Predictions and the report on the 3D body: a freshly initialised 3D policy (no training) rolled out by
``rl-gait predict`` on a tiny budget gives a schema-valid ``predictions.json`` with the body model and the falls
counted by direction; the report names the body, the sideways falls and the measured vs simulated pelvic
obliquity and hip ab/adduction. Hand-checked pieces: the direction counts, the obliquity range and the per-side hip
adduction curves of constructed rollouts."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from rl_gait.cli import main
from rl_gait.envs.config import WalkEnvConfig
from rl_gait.predict.predict import (
    curve_range_deg,
    falls_by_direction,
    load_predictions,
    mean_stride_hip_adduction,
    mean_stride_obliquity,
    summarise_level,
)
from rl_gait.predict.rollouts import RolloutRecord, forward_tilt_rad

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CLIPS = [DATA / "strokeavatar" / "imu_patient" / f"walk46{i}.json" for i in range(4)]


def fresh_policy_checkpoint(dest: Path, env: WalkEnvConfig, seed: int = 0) -> Path:
    """A checkpoint folder (policy + sidecar) of a freshly initialised policy network for ``env``'s observations and
    actions: the shipped prior's architecture, no training, no Ray."""
    import gymnasium as gym
    import torch

    from rl_gait.io.documents import load_document
    from rl_gait.learner.checkpoint import (
        ATLAS_POLICY_DIR,
        POLICY_ARCHITECTURE,
        POLICY_SUBDIR,
        build_policy_module,
        save_policy,
        write_sidecar,
    )

    made = gym.make(env.env_id, config=env).unwrapped
    arch = load_document(ATLAS_POLICY_DIR / POLICY_SUBDIR / POLICY_ARCHITECTURE, "policy")
    arch["observation_space"]["shape"] = list(made.observation_space.shape)
    arch["action_space"]["shape"] = list(made.action_space.shape)
    made.close()
    torch.manual_seed(seed)
    save_policy(build_policy_module(arch), dest / POLICY_SUBDIR)
    write_sidecar(dest, {"command": "test", "patient_id": "fresh-3d", "env_id": env.env_id, "mode": "physics-only",
                         "env_config": env.to_dict()})
    return dest


def _record(fell: bool, direction: str | None, obliquity: np.ndarray | None = None, contact_r=None,
            contact_l=None, hip_adduction: np.ndarray | None = None) -> RolloutRecord:
    n = 0 if contact_r is None else len(contact_r)
    contact = np.zeros((n, 2), bool)
    if contact_r is not None:
        contact[:, 0] = contact_r
    if contact_l is not None:
        contact[:, 1] = contact_l
    z = np.zeros(n)
    return RolloutRecord(dt_s=0.02, phase=z, trunk_pitch_rad=z, q_rad=np.zeros((n, 6)), torque_nm=np.zeros((n, 6)),
                         contact=contact, foot_x_m=np.zeros((n, 2)), toe_x_m=np.zeros((n, 2)),
                         toe_z_m=np.zeros((n, 2)), toe_clearance_m=np.zeros((n, 2)), distance_m=0.0, duration_s=0.0,
                         fell=fell, success=not fell, fall_phase=math.nan, push_time_s=math.nan, push_force_n=0.0,
                         fall_direction=direction, pelvic_obliquity_rad=obliquity, hip_adduction_rad=hip_adduction)


def test_falls_are_counted_by_direction_and_sideways_only_for_a_frontal_body():
    tilt = np.zeros(1)
    records = [_record(True, "left", tilt), _record(True, "left", tilt), _record(True, "backward", tilt),
               _record(False, None, tilt)]
    assert falls_by_direction(records) == {"forward": 0, "backward": 1, "left": 2, "right": 0}
    planar = [_record(True, "forward"), _record(False, None)]  # no obliquity recorded: the planar body
    assert falls_by_direction(planar) == {"forward": 1, "backward": 0}


def test_obliquity_range_is_that_of_the_right_stride_mean_curve():
    """Right foot: 8 steps of swing, 12 of stance (0.02 s steps), three times: initial contacts at 8, 28, 48, two
    whole strides. Obliquity +0.1 rad over the first 10 steps of each stride, −0.05 over the rest: the stride-mean
    curve spans 0.15 rad = 8.59°. A record without obliquity (the planar body) adds nothing."""
    contact = np.tile([False] * 8 + [True] * 12, 3)
    k = np.arange(contact.size)
    obliquity = np.where((k - 8) % 20 < 10, 0.1, -0.05)
    rec = _record(False, None, obliquity, contact)
    assert np.flatnonzero(rec.stance[1:, 0] & ~rec.stance[:-1, 0]).tolist() == [7, 27, 47]  # ICs at 8, 28, 48
    curve = mean_stride_obliquity([rec, _record(False, None, None, contact)])
    assert curve.shape == (101,) and curve[0] == pytest.approx(0.1) and curve[90] == pytest.approx(-0.05)
    assert curve_range_deg(curve) == pytest.approx(math.degrees(0.15))
    assert curve_range_deg(None) is None and mean_stride_obliquity([_record(False, None)]) is None


def test_hip_adduction_curves_are_each_sides_own_stride_means():
    """0.02 s steps. Right foot: 8 steps of swing, 12 of stance, three times (initial contacts at 8, 28, 48); left
    foot the same 10 steps later (initial contacts at 18, 38, 58). Right hip: +0.2 rad over the first 5 steps from
    its own contact, 0 otherwise; left hip −0.1 rad over the first 5 from its own contact, +0.05 otherwise. Each
    side's mean over its own two strides starts at its own value at
    contact (0.2, −0.1) and sits at the other value late in the stride: ranges 0.2 rad = 11.46° and 0.15 rad =
    8.59°. Were the left hip cut at the right contacts, its curve would start at +0.05, not −0.1."""
    contact_r = np.tile([False] * 8 + [True] * 12, 3)
    contact_l = np.roll(contact_r, 10)
    k = np.arange(contact_r.size)
    hips = np.stack([np.where((k - 8) % 20 < 5, 0.2, 0.0), np.where((k - 18) % 20 < 5, -0.1, 0.05)], axis=1)
    rec = _record(False, None, np.zeros(k.size), contact_r, contact_l, hips)
    assert np.flatnonzero(rec.stance[1:, 1] & ~rec.stance[:-1, 1]).tolist() == [17, 37, 57]  # left ICs at 18, 38, 58
    curves = mean_stride_hip_adduction([rec, _record(False, None, None, contact_r, contact_l)])  # + a planar record
    assert set(curves) == {"r", "l"} and curves["r"].shape == curves["l"].shape == (101,)
    assert curves["r"][0] == pytest.approx(0.2) and curves["r"][90] == pytest.approx(0.0)
    assert curves["l"][0] == pytest.approx(-0.1) and curves["l"][90] == pytest.approx(0.05)
    assert curve_range_deg(curves["r"]) == pytest.approx(math.degrees(0.2))
    assert curve_range_deg(curves["l"]) == pytest.approx(math.degrees(0.15))
    # the first 30 steps: right contacts at 8 and 28 (a stride), the left at 18 only (none): that side is left out
    first = _record(False, None, np.zeros(30), contact_r[:30], contact_l[:30], hips[:30])
    assert set(mean_stride_hip_adduction([first])) == {"r"}
    assert mean_stride_hip_adduction([_record(False, None, None, contact_r, contact_l)]) == {}  # the planar body


def test_level_metrics_gain_hip_ranges_on_the_3d_body_only():
    """The level's metrics hold ``hip_abduction_range_deg`` {l, r} (degrees) for records with hip adduction, as
    ``trial.json`` does; a planar record set gains no key."""
    from rl_gait.predict.verdict import VerdictThresholds
    from rl_gait.tasks import Task

    contact_r = np.tile([False] * 8 + [True] * 12, 3)
    contact_l = np.roll(contact_r, 10)
    k = np.arange(contact_r.size)
    hips = np.stack([np.where((k - 8) % 20 < 5, 0.2, 0.0), np.where((k - 18) % 20 < 5, -0.1, 0.05)], axis=1)
    args = (VerdictThresholds(), np.zeros(0), np.zeros(0), {}, {}, None)
    body3d = summarise_level(Task(), [_record(False, None, np.zeros(k.size), contact_r, contact_l, hips)], *args)
    hip = body3d["metrics"]["hip_abduction_range_deg"]
    assert set(hip) == {"l", "r"}
    assert hip["r"] == pytest.approx(math.degrees(0.2)) and hip["l"] == pytest.approx(math.degrees(0.15))
    planar = summarise_level(Task(), [_record(False, None, None, contact_r, contact_l)], *args)
    assert "hip_abduction_range_deg" not in planar["metrics"] and "pelvic_obliquity_range_deg" not in planar["metrics"]


def test_forward_tilt_is_the_planar_pitch_and_heading_free():
    th = 0.3
    pitch_about_y = np.array([[math.cos(th), 0, math.sin(th)], [0, 1, 0], [-math.sin(th), 0, math.cos(th)]])
    assert forward_tilt_rad(pitch_about_y, 0.0) == pytest.approx(th)
    yaw = 0.7  # the same pitch, walking along a heading of 0.7 rad
    rz = np.array([[math.cos(yaw), -math.sin(yaw), 0], [math.sin(yaw), math.cos(yaw), 0], [0, 0, 1]])
    assert forward_tilt_rad(rz @ pitch_about_y, yaw) == pytest.approx(th)


@pytest.fixture(scope="module")
def run_3d(tmp_path_factory):
    """A main-job-like folder: the StrokeAvatar patient's trial, and ``rl-gait predict`` of a fresh 3D policy on the
    level walk and one stair height (2 rollouts of 2 s)."""
    if not CLIPS[0].exists():
        pytest.skip(f"shared data not found at {DATA} (needs ../shared/data next to the repo)")
    from rl_gait.ingest import ingest

    run = tmp_path_factory.mktemp("run3d")
    ingest(list(CLIPS)).save(run / "trial")
    ckpt = fresh_policy_checkpoint(run / "checkpoint", WalkEnvConfig(body_model="3d"))
    code = main(["predict", "--checkpoint", str(ckpt), "--trial", str(run / "trial"), "--tasks", "level", "stairs_up",
                 "--stairs-cm", "12", "--n-rollouts", "2", "--duration-s", "2", "--body-model", "3d",
                 "--out", str(run / "predictions")])
    assert code == 0
    return run, ckpt


def test_predict_on_the_3d_body_writes_schema_valid_predictions_with_fall_directions(run_3d):
    run, _ = run_3d
    doc = load_predictions(run / "predictions")  # validated against the schema
    with np.load(run / "predictions" / "curves.npz") as z:
        curves = {k: z[k] for k in z.files}
    assert doc["body_model"] == "3d" and set(doc["families"]) == {"level", "stairs_up"}
    for fam in doc["families"].values():
        for lv in fam["levels"]:
            counts = lv["falls_by_direction"]
            assert set(counts) == {"forward", "backward", "left", "right"}
            assert sum(counts.values()) == lv["falls"] <= lv["n_rollouts"] == 2
            assert "pelvic_obliquity_range_deg" in lv["metrics"]
            hip = lv["metrics"]["hip_abduction_range_deg"]  # {l, r}, each that side's curve's range where it has one
            assert set(hip) == {"l", "r"}
            for side, value in hip.items():
                key = f"{lv['task']}__hip_adduction_{side}_sim_rad"
                assert (value is None) == (key not in curves)
                if value is not None:
                    assert curves[key].shape == (101,) and value == pytest.approx(curve_range_deg(curves[key]))
    measured = doc["patient_level_walk"]["pelvic_obliquity_range_deg"]
    assert measured == pytest.approx(json.loads((run / "trial" / "trial.json").read_text())["pelvic_obliquity_range_deg"],
                                     abs=0.01)


def test_report_names_the_3d_body_sideways_falls_and_pelvic_obliquity(run_3d):
    from rl_gait.report.html import build_report

    run, ckpt = run_3d
    page = build_report(run, run / "report.html", checkpoint=ckpt, gif_seconds=0.5).read_text()
    doc = load_predictions(run / "predictions")
    sideways = sum(lv["falls_by_direction"][d] for f in doc["families"].values() for lv in f["levels"]
                   for d in ("left", "right"))
    assert "Simulated body: 3D (frontal-plane motion" in page
    assert f"sideways falls (left or right) over all levels: {sideways}" in page
    assert "frontal-plane range (level walk)" in page and "<th>falls forward / backward / left / right</th>" in page
    assert "hip ab/adduction range of the stride-mean curve (right)" in page and "<th>hip ab/adduction range R/L °</th>" in page
    assert page.count("data:image/gif;base64,") == 2  # the 3D body rendered for each family
    assert 'alt="pelvic obliquity, measured vs simulated"' in page  # the trial measured it: its curve is drawn
    assert 'alt="hip ab/adduction, measured vs simulated"' in page  # ... and both hips


def test_report_of_a_planar_document_says_it_cannot_fall_sideways():
    from rl_gait.report.html import body_summary, fall_directions, render_report

    level = {"task": "level", "difficulty_label": "level", "verdict": "supervised", "success_rate": 0.5,
             "success_ci95": [0.1, 0.9], "falls": 1, "fall_phase_pct": [40.0], "toe_clearance_for_verdict_m": 0.02,
             "falls_by_direction": {"forward": 1, "backward": 0},
             "metrics": {"speed_m_s": 1.0, "cadence_steps_per_min": 100.0, "step_length_m_r": 0.6,
                         "step_length_m_l": 0.6, "stance_pct_r": 60.0, "stance_pct_l": 60.0,
                         "symmetry_step_length_pct": 0.0, "trunk_sway_deg": 2.0}}
    doc = {"patient_id": "p", "settings": {"n_rollouts": 2}, "thresholds": {}, "evidence": None,
           "families": {"level": {"verdict": "supervised", "highest_safe_level": None,
                                  "highest_recommended_level": "level", "levels": [level]}}}
    trial = {"subject_id": "p", "paretic_side": "left", "paretic_confidence": 0.9, "pelvic_obliquity_range_deg": 9.5,
             "hip_abduction_range_deg": {"r": 12.0, "l": None}}
    assert fall_directions(level) == "1 / 0 / — / —"  # a file from before the 3D body: planar
    body = body_summary(doc, trial)
    assert (body["model"], body["frontal"], body["sideways_falls"], body["obliquity"], body["hip_adduction"]) == \
        ("planar", False, None, None, [])
    thresholds = {"safe_success_ci_low": 0.8, "safe_max_fall_rate": 0.0, "safe_min_toe_clearance_m": 0.01,
                  "supervised_success_rate": 0.5, "supervised_max_fall_rate": 0.2}
    page = render_report(trial, {**doc, "thresholds": thresholds}, gps={},
                         figures={"fidelity": "data:,", "success": "data:,"}, task_figures=[], gifs=None)
    assert "Simulated body: planar (sagittal plane: it cannot fall sideways)." in page
    assert "<td>1 / 0 / — / —</td>" in page and "frontal-plane range (level walk)" not in page
    assert "hip ab/adduction range of the stride-mean curve" not in page and "hip ab/adduction range R/L" not in page
    # the same level on the 3D body, with the measured 9.5° beside the simulated 7.3°, and the right hip's 12.0°
    # beside 8.0° (the left hip was not measured: no row)
    level3 = {**level, "falls_by_direction": {"forward": 0, "backward": 0, "left": 1, "right": 0},
              "metrics": {**level["metrics"], "pelvic_obliquity_range_deg": 7.3,
                          "hip_abduction_range_deg": {"l": 3.0, "r": 8.0}}}
    doc3 = {**doc, "body_model": "3d", "thresholds": thresholds,
            "families": {"level": {**doc["families"]["level"], "levels": [level3]}}}
    page = render_report(trial, doc3, gps={}, figures={"fidelity": "data:,", "success": "data:,"}, task_figures=[],
                         gifs=None)
    assert "sideways falls (left or right) over all levels: 1" in page and "<td>0 / 0 / 1 / 0</td>" in page
    assert "<td>9.5°</td><td>7.3°</td>" in page
    assert "<td>hip ab/adduction range of the stride-mean curve (right)</td><td>12.0°</td><td>8.0°</td>" in page
    assert "(left)</td>" not in page and "<td>7.3</td><td>8.0 / 3.0</td>" in page  # per task: R / L


def test_frontal_figures_only_for_the_3d_body_and_what_the_trial_measured():
    """The hip figure comes with a 3D document whose trial measured a hip (the simulated curves drawn where
    ``curves.npz`` has them), never with a planar one."""
    from types import SimpleNamespace

    from rl_gait.report.html import frontal_figures

    pct = np.linspace(0.0, 2 * math.pi, 101)
    trial = SimpleNamespace(frontal_names=("pelvic_obliquity", "hip_adduction_r", "hip_adduction_l"),
                            frontal_curves_mean_rad=np.stack([0.05 * np.sin(pct), 0.1 * np.cos(pct), 0.08 * np.sin(pct)]))
    curves = {"level__hip_adduction_r_sim_rad": 0.07 * np.cos(pct), "level__hip_adduction_l_sim_rad": 0.06 * np.sin(pct)}
    figs = frontal_figures({"body_model": "3d"}, trial, curves)
    assert set(figs) == {"pelvic_obliquity", "hip_adduction"} and figs["hip_adduction"].startswith("data:image/png;")
    assert frontal_figures({"body_model": "planar"}, trial, curves) == {} == frontal_figures({}, trial, curves)
    pelvis_only = SimpleNamespace(frontal_names=("pelvic_obliquity",), frontal_curves_mean_rad=trial.frontal_curves_mean_rad[:1])
    assert set(frontal_figures({"body_model": "3d"}, pelvis_only, {})) == {"pelvic_obliquity"}


def test_rollouts_record_hip_adduction_on_the_3d_body_only(tmp_path):
    """A fresh 3D policy for 0.3 s: ``hip_adduction_rad`` [T, 2] is the hip_adduction_r/l joints' angles (their qpos
    at the last step); the planar body records none."""
    from rl_gait.envs.registration import make_walk_env
    from rl_gait.learner import load_policy
    from rl_gait.predict.rollouts import record_rollout
    from rl_gait.predict.settings import Perturbations
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    for model in ("3d", "planar"):
        config = WalkEnvConfig(body_model=model)
        policy = load_policy(fresh_policy_checkpoint(tmp_path / model, config))
        env = make_walk_env(config)
        env.set_task(Task(), healthy_reference(Task()))
        rec = record_rollout(policy, env, seed=0, perturb=Perturbations(push_force_n=0.0), duration_s=0.3)
        if model == "3d":
            assert rec.hip_adduction_rad.shape == (len(rec.phase), 2) and np.isfinite(rec.hip_adduction_rad).all()
            last = [env.data.qpos[env.model.joint(f"hip_adduction_{s}").qposadr[0]] for s in ("r", "l")]
            assert rec.hip_adduction_rad[-1] == pytest.approx(last)
        else:
            assert rec.hip_adduction_rad is None
        env.close()


def test_pushes_go_sideways_only_on_a_body_that_can_move_sideways():
    from rl_gait.envs.registration import make_walk_env
    from rl_gait.predict.rollouts import draw_push, draw_push_direction, moves_sideways
    from rl_gait.predict.settings import Perturbations

    planar, body3d = make_walk_env(WalkEnvConfig()), make_walk_env(WalkEnvConfig(body_model="3d"))
    assert not moves_sideways(planar.model, planar.layout) and moves_sideways(body3d.model, body3d.layout)
    rng = np.random.default_rng([4, 7919])
    t, f = draw_push(rng, Perturbations())
    assert draw_push_direction(np.random.default_rng(0), f, sideways=False) == (f, 0.0)  # the planar stream as before
    angle = np.random.default_rng(1).uniform(0.0, 2 * math.pi)
    x, y = draw_push_direction(np.random.default_rng(1), f, sideways=True)
    assert (x, y) == pytest.approx((abs(f) * math.cos(angle), abs(f) * math.sin(angle)))
    planar.close()
    body3d.close()
