"""``predict_tasks``: every task family and level → rollouts → metrics → verdicts → ``predictions.json``.

The document's layout is the versioned JSON Schema ``rl_gait/data/schemas/predictions-1.json`` (degrees and
centimetres only at this file edge). Mean stride-normalised joint curves per level (simulated and
atlas) go to ``curves.npz`` beside it, for the report.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rl_gait._version import __version__
from rl_gait.io.documents import KINDS, load_document, write_document
from rl_gait.io.jsonio import to_jsonable
from rl_gait.joints import JOINT_NAMES, N_CURVE_POINTS, SIDES
from rl_gait.metrics import fidelity as F
from rl_gait.predict import metrics as M
from rl_gait.predict.plausibility import extrapolation
from rl_gait.predict.rollouts import (
    FALL_DIRECTIONS,
    SAGITTAL_FALL_DIRECTIONS,
    RolloutRecord,
    record_rollout,
    stair_edges,
)
from rl_gait.predict.settings import PredictionSettings, difficulty_label, difficulty_value, task_levels
from rl_gait.predict.verdict import (
    SAFE,
    SUPERVISED,
    VERDICTS,
    VerdictThresholds,
    cap_at_level_walk,
    evidence,
    family_verdict,
    highest_level,
    verdict,
)
from rl_gait.reference.step_to import step_to_reference, strategy_duration_s
from rl_gait.tasks import Task

if TYPE_CHECKING:
    from rl_gait.envs.config import WalkEnvConfig

SUBJECTS: tuple[str, ...] = ("patient", "healthy_control")
HEALTHY_CONTROL_ID = "healthy control"
HEALTHY_CONTROL_DIR = "healthy_control"
"""Subfolder of a main job's predictions holding the healthy control's ``predictions.json`` and ``curves.npz``."""


def _nanmean(xs) -> float | None:
    a = np.asarray([x for x in xs if x is not None], float)
    a = a[np.isfinite(a)]
    return float(a.mean()) if a.size else None


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


FALL_EXCLUDE_S = 0.5  # clearances of the last 0.5 s before a fall describe the fall, not the gait


def rollout_metrics(r: RolloutRecord, edges_x: np.ndarray, edges_z: np.ndarray) -> dict[str, Any]:
    """The per-rollout metrics (SI units; degrees for angles). Toe clearances ignore the last
    :data:`FALL_EXCLUDE_S` before a fall."""
    keep = len(r.phase) - (int(round(FALL_EXCLUDE_S / r.dt_s)) if r.fell else 0)
    keep = max(keep, 0)
    stance = r.stance
    sl_r, sl_l = M.step_lengths_m(stance, r.foot_x_m)
    st_r, st_l = M.stance_pct_per_side(stance)
    slr, sll = (float(np.mean(x)) if x.size else math.nan for x in (sl_r, sl_l))
    edge = (M.edge_clearances_m(r.toe_x_m[:keep], r.toe_z_m[:keep], edges_x, edges_z, r.contact[:keep])
            if edges_x.size else np.zeros(0))
    return {
        "speed_m_s": M.walking_speed_m_s(r.distance_m, r.duration_s),
        "cadence_steps_per_min": M.cadence_steps_per_min(stance, r.dt_s),
        "step_length_m_r": slr, "step_length_m_l": sll,
        "stance_pct_r": st_r, "stance_pct_l": st_l,
        "symmetry_step_length_pct": F.symmetry_index_pct(slr, sll),
        "symmetry_stance_pct": F.symmetry_index_pct(st_r, st_l),
        "min_toe_clearance_m": M.min_toe_clearance_m(r.toe_clearance_m[:keep], stance[:keep]),
        "edge_clearance_m": edge,
        "trunk_sway_deg": M.trunk_sway_deg(r.trunk_pitch_rad),
        "peak_angle_deg": M.peak_deg(r.q_rad) if len(r.q_rad) else np.full(6, np.nan),
        "peak_torque_nm": M.peak_abs(r.torque_nm) if len(r.torque_nm) else np.full(6, np.nan),
    }


def mean_stride_curves(records: list[RolloutRecord]) -> np.ndarray | None:
    """``[101, 6]`` mean joint curves (rad) over all right-IC-to-right-IC strides of ``records``."""
    strides = []
    for r in records:
        ic = F.initial_contact_indices(r.stance[:, 0])
        if ic.size >= 2:
            strides.append(F.stride_curves(r.q_rad, ic))
    return np.concatenate(strides).mean(axis=0) if strides else None


def falls_by_direction(records: list[RolloutRecord]) -> dict[str, int]:
    """Falls of ``records`` per direction (:data:`~rl_gait.predict.rollouts.FALL_DIRECTIONS`): all four where the body
    moves in the frontal plane (its rollouts record pelvic obliquity: the 3D body), forward and backward only where
    it cannot fall sideways (the planar body)."""
    frontal = any(r.pelvic_obliquity_rad is not None for r in records)
    names = FALL_DIRECTIONS if frontal else SAGITTAL_FALL_DIRECTIONS
    counts = dict.fromkeys(names, 0)
    for r in records:
        if r.fell and r.fall_direction in counts:
            counts[r.fall_direction] += 1
    return counts


def mean_stride_obliquity(records: list[RolloutRecord]) -> np.ndarray | None:
    """``[101]`` mean pelvic obliquity curve (rad) over all right-IC-to-right-IC strides of ``records`` (the
    measured curve's strides, :class:`~rl_gait.ingest.GaitTrial`); ``None`` without a stride or an obliquity."""
    strides = []
    for r in records:
        ic = F.initial_contact_indices(r.stance[:, 0])
        if r.pelvic_obliquity_rad is not None and ic.size >= 2:
            strides.append(F.stride_curves(r.pelvic_obliquity_rad[:, None], ic)[:, :, 0])
    return np.concatenate(strides).mean(axis=0) if strides else None


def mean_stride_hip_adduction(records: list[RolloutRecord]) -> dict[str, np.ndarray]:
    """Per side (``"r"``, ``"l"``) the ``[101]`` mean hip adduction curve (rad, adduction positive) over all of that
    side's own initial-contact-to-initial-contact strides of ``records`` — phase 0 = that side's initial contact, as
    the trial's ``frontal_curves_mean_rad`` holds the hips (:mod:`rl_gait.ingest.pipeline`). A side without a whole
    stride is left out; ``{}`` where no record has hip adduction (the planar body)."""
    out: dict[str, np.ndarray] = {}
    for k, side in enumerate(SIDES):  # the (r, l) columns of stance and hip_adduction_rad
        strides = []
        for r in records:
            ic = F.initial_contact_indices(r.stance[:, k])
            if r.hip_adduction_rad is not None and ic.size >= 2:
                strides.append(F.stride_curves(r.hip_adduction_rad[:, k], ic))  # [S, 101]
        if strides:
            out[side] = np.concatenate(strides).mean(axis=0)
    return out


def curve_range_deg(curve_rad: np.ndarray | None) -> float | None:
    """Range (max − min) of a stride-mean curve, degrees, as ``trial.json``'s ``pelvic_obliquity_range_deg``;
    ``None`` without a curve."""
    if curve_rad is None or not np.isfinite(curve_rad).any():
        return None
    return float(np.degrees(np.nanmax(curve_rad) - np.nanmin(curve_rad)))


def summarise_level(task: Task, records: list[RolloutRecord], thresholds: VerdictThresholds,
                    edges_x: np.ndarray, edges_z: np.ndarray, patient_peaks_deg: dict[str, float],
                    atlas_peaks_deg: dict[str, float], level_sim_peaks: dict[str, float] | None) -> dict[str, Any]:
    """One level's entry of ``predictions.json``."""
    n = len(records)
    k = sum(r.success for r in records)
    falls = sum(r.fell for r in records)
    per = [rollout_metrics(r, edges_x, edges_z) for r in records]
    low, high = M.wilson_interval(k, n, thresholds.ci_z)
    edge = None
    if edges_x.size:
        stack = np.stack([p["edge_clearance_m"] for p in per])
        with np.errstate(all="ignore"):
            edge = [None if np.all(np.isnan(c)) else float(np.nanmin(c)) for c in stack.T]
    mtc = _nanmean(p["min_toe_clearance_m"] for p in per)
    clearance = min([c for c in (edge or []) if c is not None], default=math.nan) if edges_x.size else \
        (mtc if mtc is not None else math.nan)
    peaks = np.nanmean(np.stack([p["peak_angle_deg"] for p in per]), axis=0)
    torques = np.nanmean(np.stack([p["peak_torque_nm"] for p in per]), axis=0)
    joints = {}
    for j, name in enumerate(JOINT_NAMES):
        joints[name] = {
            "peak_angle_deg": _num(peaks[j]), "peak_torque_nm": _num(torques[j]),
            "patient_level_peak_angle_deg": _num(patient_peaks_deg.get(name, math.nan)),
            "atlas_peak_angle_deg": _num(atlas_peaks_deg.get(name, math.nan)),
            "sim_level_peak_angle_deg": _num((level_sim_peaks or {}).get(name, math.nan)),
        }
    v = verdict(k, falls, n, clearance, thresholds)
    frontal = {}
    if any(r.pelvic_obliquity_rad is not None for r in records):  # a body with frontal-plane motion
        frontal["pelvic_obliquity_range_deg"] = curve_range_deg(mean_stride_obliquity(records))
    if any(r.hip_adduction_rad is not None for r in records):  # ... and frontal joints: as trial.json's
        hips = mean_stride_hip_adduction(records)
        frontal["hip_abduction_range_deg"] = {s: curve_range_deg(hips.get(s)) for s in ("l", "r")}
    return {
        "task": task.name, "task_spec": task.to_dict(), "difficulty": difficulty_value(task),
        "difficulty_label": difficulty_label(task), "n_rollouts": n, "successes": int(k), "falls": int(falls),
        "success_rate": k / n, "success_ci95": [low, high], "fall_rate": falls / n,
        "fall_phase_pct": [M.fall_phase_pct(r.fall_phase) for r in records if r.fell],
        "falls_by_direction": falls_by_direction(records),
        "distance_m_mean": _nanmean(r.distance_m for r in records),
        "metrics": {key: _nanmean(p[key] for p in per) for key in (
            "speed_m_s", "cadence_steps_per_min", "step_length_m_r", "step_length_m_l", "stance_pct_r",
            "stance_pct_l", "symmetry_step_length_pct", "symmetry_stance_pct", "min_toe_clearance_m",
            "trunk_sway_deg")} | frontal,
        "speed_m_s_successful": _nanmean(p["speed_m_s"] for p, r in zip(per, records, strict=True) if r.success),
        "edge_clearance_m": edge,
        "toe_clearance_for_verdict_m": _num(clearance),
        "joints": joints,
        "verdict": v,
    }


SPEED_RATIO_LIMITS = {"healthy_control": 1.05, "patient": 1.15}
"""Speed regulation (issue 30): on descents and stairs the successful rollouts walk no faster than this times the
successful level walk's speed — healthy people slow down there (task priors); a patient's twin gets 15 %."""
SPEED_CHECKED_FAMILIES = ("slope_down", "stairs_up", "stairs_down")


def add_speed_checks(families: dict[str, Any], limit: float) -> None:
    """Give every level of a descent or stairs family ``speed_check``: the mean speed of its successful rollouts
    over the level walk's (:func:`rl_gait.predict.metrics.speed_ratio`), the ``limit`` and whether it holds
    (``None`` where either has no successful rollout). In place."""
    lv0 = (families.get("level") or {}).get("levels") or [{}]
    v_level = lv0[0].get("speed_m_s_successful")
    for fam in SPEED_CHECKED_FAMILIES:
        for lv in (families.get(fam) or {}).get("levels", []):
            ratio = M.speed_ratio(lv["speed_m_s_successful"], v_level)
            lv["speed_check"] = {"ratio_to_level": _num(ratio), "limit": limit,
                                 "within": None if not np.isfinite(ratio) else bool(ratio <= limit)}


def summarise_families(levels_per_family: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per family its levels (easiest first), every slope and stair level capped at the level walk's verdict
    (:func:`~rl_gait.predict.verdict.cap_at_level_walk`), then the family's verdict and its highest safe and
    recommended levels."""
    level_walk = levels_per_family.get("level") or []
    cap = family_verdict([lv["verdict"] for lv in level_walk]) if level_walk else None
    out: dict[str, Any] = {}
    for fam, levels in levels_per_family.items():
        if cap is not None and fam != "level":
            cap_at_level_walk(levels, cap)
            for lv in levels:  # and each stair strategy's own verdict, as the strategies table shows them
                cap_at_level_walk([st for st in (lv.get("strategies") or {}).values() if "verdict" in st], cap)
        verdicts = [lv["verdict"] for lv in levels]
        labels = [lv["difficulty_label"] for lv in levels]
        out[fam] = {"verdict": family_verdict(verdicts),
                    "highest_safe_level": highest_level(verdicts, labels, SAFE),
                    "highest_recommended_level": highest_level(verdicts, labels, SUPERVISED),
                    "levels": levels}
    return out


UNTRAINED_NOTE = ("not evaluated: the checkpoint was not trained on step-to references (its sidecar's "
                  "stair_strategies); rl-gait predict --evaluate-untrained-strategies rolls it out anyway")
STRATEGY_KEYS = ("n_rollouts", "successes", "falls", "success_rate", "success_ci95", "fall_rate", "verdict", "metrics",
                 "speed_m_s_successful", "toe_clearance_for_verdict_m")


def trained_stair_strategies(meta: dict[str, Any]) -> tuple[str, ...]:
    """The stair strategies a checkpoint's references covered: its sidecar's ``stair_strategies``, else
    step-over-step only (every checkpoint before step-to references existed)."""
    return tuple(meta.get("stair_strategies") or ("step_over_step",))


def strategy_summary(entry: dict[str, Any], trained: bool, leading_side: str | None) -> dict[str, Any]:
    """A stair level's entry for one strategy: success, falls, verdict and gait metrics of its rollouts."""
    return {"evaluated": True, "trained": bool(trained), "leading_side": leading_side,
            **{k: entry[k] for k in STRATEGY_KEYS}}


def best_strategy(strategies: dict[str, dict[str, Any]]) -> str:
    """The strategy a level's verdict uses: among those evaluated with a checkpoint trained on them, the best
    verdict, then the higher success rate, then the first listed (step-over-step). A policy never trained on a
    strategy's references does not speak for it, whatever its rollouts did."""
    rank = {v: i for i, v in enumerate(VERDICTS)}
    order = list(strategies)
    candidates = [k for k, v in strategies.items() if v["evaluated"] and v["trained"]]
    if not candidates:
        raise ValueError("no strategy was evaluated with a checkpoint trained on it")
    return min(candidates, key=lambda k: (rank[strategies[k]["verdict"]], -strategies[k]["success_rate"],
                                          order.index(k)))


def patient_peaks(trial) -> dict[str, float]:
    """Peak (max) of the patient's measured level-walk mean curves, degrees, per joint."""
    if trial is None:
        return {}
    return {n: float(np.degrees(np.nanmax(c))) for n, c in zip(trial.joint_names, trial.curves_mean_rad, strict=True)
            if np.isfinite(c).any()}


def predict_tasks(
    policy: Any,
    *,
    env_config: WalkEnvConfig,
    reference_for_task: Callable[[Task], Any],
    settings: PredictionSettings = PredictionSettings(),  # noqa: B008 (frozen)
    thresholds: VerdictThresholds = VerdictThresholds(),  # noqa: B008
    trial: Any = None,
    patient_id: str = "anonymous",
    checkpoint: str = "",
    out_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    command: str = "",
    subject: str = "patient",
    trained_strategies: tuple[str, ...] = ("step_over_step",),
) -> dict[str, Any]:
    """Roll ``policy`` out on every task level of ``settings`` and build the predictions document.

    Args:
        policy: ``act(obs) -> action`` (a :class:`rl_gait.learner.Policy`).
        env_config: the :class:`~rl_gait.envs.config.WalkEnvConfig` the policy was trained with (its body, PD and
            options; :func:`rl_gait.learner.checkpoint.env_config_from_sidecar`), rolled out without its
            training-only options; task, reference, episode length and start noise come from ``settings``.
        reference_for_task: the reference motion for a task (``reference_for(trial, task)``).
        trial: the patient's :class:`~rl_gait.ingest.GaitTrial` (for "vs the patient's level walk").
        out_dir: when given, ``predictions.json`` and ``curves.npz`` are written there.
        progress: called as ``progress(task_name, done_levels, total_levels)``.
        subject: ``"patient"`` or ``"healthy_control"`` (:func:`predict_healthy_control`), recorded with the
            body's height and mass.
        trained_strategies: the stair strategies the policy was trained on (:func:`trained_stair_strategies`):
            each stair level rolls out every strategy of ``settings.stair_strategies`` it was trained on (all with
            ``evaluate_untrained_strategies``) and takes its verdict from the best (:func:`best_strategy`).
    """
    if subject not in SUBJECTS:
        raise ValueError(f"subject must be one of {SUBJECTS}, got {subject!r}")
    from rl_gait.envs.registration import make_walk_env
    from rl_gait.reference import healthy_reference

    families = task_levels(settings)
    total = sum(len(v) for v in families.values())
    env = make_walk_env(env_config.for_rollouts(task=Task(), reference=reference_for_task(Task()),
                                                episode_duration_s=settings.duration_s,
                                                init_noise_rad=settings.perturbations.init_noise_rad))
    pat_peaks = patient_peaks(trial)
    curves: dict[str, np.ndarray] = {}
    out_families: dict[str, Any] = {}
    level_sim_peaks: dict[str, float] | None = None
    done = 0
    t0 = time.perf_counter()
    try:
        for fam, tasks in families.items():
            levels = []
            for task in tasks:
                sos = reference_for_task(task)
                atlas_ref = healthy_reference(task.with_speed(None))
                atlas_curves = atlas_ref.curves_101()[:, [atlas_ref.column(n) for n in JOINT_NAMES]]
                atlas_peaks = {n: float(np.degrees(atlas_curves[:, j].max())) for j, n in enumerate(JOINT_NAMES)}
                evaluated: dict[str, dict[str, Any]] = {}
                strategies: dict[str, dict[str, Any]] = {}
                for strategy in (settings.stair_strategies if task.terrain == "stairs" else ("step_over_step",)):
                    trained = strategy in trained_strategies
                    if not (trained or settings.evaluate_untrained_strategies):
                        strategies[strategy] = {"evaluated": False, "trained": False, "note": UNTRAINED_NOTE}
                        continue
                    ref = sos if strategy == "step_over_step" else step_to_reference(sos)
                    env.set_task(task, ref)
                    duration = strategy_duration_s(settings.duration_s, sos.speed_m_s, ref.speed_m_s)
                    env.episode_duration_s = duration  # set for every strategy: the env's own truncation
                    records = [record_rollout(policy, env, seed=settings.seed + i, perturb=settings.perturbations,
                                              duration_s=duration) for i in range(settings.n_rollouts)]
                    ex, ez = stair_edges(task, env.terrain_layout)
                    entry = summarise_level(task, records, thresholds, ex, ez, pat_peaks, atlas_peaks,
                                            level_sim_peaks)
                    entry["goal_distance_m"] = float(env.goal_distance_m)
                    entry["reference_speed_m_s"] = float(ref.speed_m_s)
                    evaluated[strategy] = entry
                    strategies[strategy] = strategy_summary(entry, trained, ref.leading_side)
                    key = task.name if strategy == "step_over_step" else f"{task.name}__{strategy}"
                    sim = mean_stride_curves(records)
                    curves[f"{key}__sim_rad"] = sim if sim is not None else np.full((N_CURVE_POINTS, 6), np.nan)
                    curves[f"{key}__reference_rad"] = ref.curves_101()[:, [ref.column(n) for n in JOINT_NAMES]]
                    obliquity = mean_stride_obliquity(records)
                    if obliquity is not None:
                        curves[f"{key}__pelvic_obliquity_sim_rad"] = obliquity
                    for side, hip in mean_stride_hip_adduction(records).items():  # each at its own contact
                        curves[f"{key}__hip_adduction_{side}_sim_rad"] = hip
                best = best_strategy(strategies)
                entry = evaluated[best]
                if task.terrain == "stairs":  # the level's numbers and verdict are its best strategy's
                    entry["strategies"], entry["best_strategy"] = strategies, best
                if task.terrain == "level":
                    level_sim_peaks = {n: j["peak_angle_deg"] for n, j in entry["joints"].items()
                                       if j["peak_angle_deg"] is not None}
                curves[f"{task.name}__atlas_rad"] = atlas_curves
                entry["extrapolation"] = extrapolation(task)  # outside the cited healthy data (plausibility)
                levels.append(entry)
                done += 1
                if progress is not None:
                    progress(task.name, done, total)
            out_families[fam] = levels
    finally:
        env.close()
    out_families = summarise_families(out_families)
    add_speed_checks(out_families, SPEED_RATIO_LIMITS[subject])
    doc = to_jsonable({
        "schema": KINDS["predictions"].tag,
        "package_version": __version__,
        "patient_id": patient_id,
        "subject": subject,
        "body_model": env_config.body_model,
        "body": {"height_m": float(env_config.body.height_m), "mass_kg": float(env_config.body.mass_kg)},
        "checkpoint": str(checkpoint),
        "command": command,
        "created_unix_s": time.time(),
        "wall_s": time.perf_counter() - t0,
        "settings": settings,
        "thresholds": thresholds,
        "evidence": evidence(settings.n_rollouts, thresholds),
        "joint_names": list(JOINT_NAMES),
        "patient_level_walk": _patient_summary(trial),
        "families": out_families,
    })
    if out_dir is not None:
        write_predictions(doc, curves, out_dir)
    return doc


def _patient_summary(trial) -> dict[str, Any] | None:
    if trial is None:
        return None
    sp = trial.spatiotemporal
    return {"speed_m_s": _num(sp.get("speed_m_s", math.nan)),
            "cadence_steps_per_min": _num(sp.get("cadence_steps_per_min", math.nan)),
            "stance_pct_r": _num(sp.get("stance_pct_r", math.nan)), "stance_pct_l": _num(sp.get("stance_pct_l", math.nan)),
            "paretic_side": trial.paretic_side,
            "peak_angle_deg": {k: _num(v) for k, v in patient_peaks(trial).items()},
            "pelvic_obliquity_range_deg": _measured_obliquity_range_deg(trial)}


def _measured_obliquity_range_deg(trial) -> float | None:
    """The trial's pelvic obliquity range (its stride-mean curve, :mod:`rl_gait.ingest.frontal`), degrees;
    ``None`` where its sensors did not give one."""
    names = tuple(getattr(trial, "frontal_names", ()) or ())
    if "pelvic_obliquity" not in names:
        return None
    return curve_range_deg(trial.frontal_curves_mean_rad[names.index("pelvic_obliquity")])


def write_predictions(doc: dict[str, Any], curves: dict[str, np.ndarray], out_dir: str | Path) -> Path:
    """Validate ``doc`` against the predictions schema and write ``predictions.json`` + ``curves.npz``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = write_document(out / "predictions.json", "predictions", doc)
    np.savez_compressed(out / "curves.npz", **curves)
    return path


def load_predictions(path: str | Path) -> dict[str, Any]:
    """Read and validate a ``predictions.json`` (a file or its folder)."""
    p = Path(path)
    return load_document(p / "predictions.json" if p.is_dir() else p, "predictions")


def predict_from_checkpoint(checkpoint: str | Path, *, trial_dir: str | Path | None = None,
                            settings: PredictionSettings = PredictionSettings(),  # noqa: B008
                            thresholds: VerdictThresholds = VerdictThresholds(),  # noqa: B008
                            out_dir: str | Path | None = None, command: str = "",
                            progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """Load a checkpoint (policy + the body/PD and env options in its sidecar) and, if given, the patient's
    trial; run :func:`predict_tasks`. Without a trial the healthy atlas references are used."""
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import env_config_from_sidecar
    from rl_gait.reference import healthy_reference, reference_for

    policy = load_policy(checkpoint)
    trial = None
    if trial_dir is not None:
        from rl_gait.ingest import GaitTrial

        trial = GaitTrial.load(trial_dir)
    cache: dict[Task, Any] = {}

    def ref_for(task: Task):
        if task not in cache:
            cache[task] = reference_for(trial, task) if trial is not None else healthy_reference(task)
        return cache[task]

    doc = predict_tasks(policy, env_config=env_config_from_sidecar(policy.meta), reference_for_task=ref_for,
                        settings=settings, thresholds=thresholds, trial=trial,
                        patient_id=str(policy.meta.get("patient_id") or
                                                                         (trial.subject_id if trial else "anonymous")),
                        checkpoint=str(checkpoint), out_dir=out_dir, progress=progress, command=command,
                        trained_strategies=trained_stair_strategies(policy.meta))
    return doc


def healthy_control_body(trial: Any = None):
    """``(BodyParams, PDParams)`` of the healthy control: a body of the patient's height and mass (the default
    body's where ``trial`` is ``None`` or records none) with the default healthy PD controller and passive
    joints — what the shipped atlas policy was trained on, scaled to the patient's size."""
    from dataclasses import replace

    from rl_gait.body import BodyParams, PDParams

    body = BodyParams()
    if trial is not None:
        size = {k: float(v) for k, v in (("height_m", trial.height_m), ("mass_kg", trial.mass_kg))
                if v is not None and np.isfinite(v) and v > 0}
        body = replace(body, **size)
    return body, PDParams.default_for(body)


def predict_healthy_control(*, trial_dir: str | Path | None = None, checkpoint: str | Path | None = None,
                            settings: PredictionSettings = PredictionSettings(),  # noqa: B008
                            thresholds: VerdictThresholds = VerdictThresholds(),  # noqa: B008
                            out_dir: str | Path | None = None, command: str = "",
                            progress: Callable[[str, int, int], None] | None = None) -> dict[str, Any]:
    """The healthy control: the same task levels, rollouts, seeds and perturbations as a patient's predictions,
    walked by a healthy body of the patient's size (:func:`healthy_control_body`) tracking the healthy atlas
    references (``healthy_reference(task)``: the atlas' comfortable speed plus the literature task priors) with
    the shipped healthy prior (``rl_gait/data/atlas_policy``, or ``checkpoint``) and the env options it was
    trained with. Without a trial the default body walks."""
    from rl_gait.errors import CheckpointError
    from rl_gait.learner import load_policy
    from rl_gait.learner.checkpoint import env_config_from_sidecar
    from rl_gait.learner.config import atlas_policy_dir
    from rl_gait.reference import healthy_reference

    ckpt = checkpoint if checkpoint is not None else atlas_policy_dir()
    if ckpt is None:
        raise CheckpointError("the shipped healthy prior is missing", path="rl_gait/data/atlas_policy",
                              fix="reinstall rl_gait, or pass --checkpoint with a healthy multi-task policy")
    policy = load_policy(ckpt)
    trial = None
    if trial_dir is not None:
        from rl_gait.ingest import GaitTrial

        trial = GaitTrial.load(trial_dir)
    body, pd = healthy_control_body(trial)
    cache: dict[Task, Any] = {}

    def ref_for(task: Task):
        if task not in cache:
            cache[task] = healthy_reference(task)
        return cache[task]

    return predict_tasks(policy, env_config=env_config_from_sidecar(policy.meta).replace(body=body, pd=pd),
                         reference_for_task=ref_for, settings=settings, thresholds=thresholds,
                         patient_id=HEALTHY_CONTROL_ID, checkpoint="rl_gait/data/atlas_policy" if checkpoint is None
                         else str(checkpoint), out_dir=out_dir, progress=progress, command=command,
                         subject="healthy_control", trained_strategies=trained_stair_strategies(policy.meta))
