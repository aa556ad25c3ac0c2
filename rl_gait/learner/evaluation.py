"""Seeded evaluation rollouts of a policy and the fidelity metrics against the reference.

Simulated curves are stride-normalised between the env's right-foot initial contacts (rising edges
of ``info["foot_contact"]`` after :func:`rl_gait.metrics.fidelity.stance_mask`, which removes
touch-down bounces and toe brushes) and averaged over all complete strides of all rollouts; the
reference curves are the :class:`~rl_gait.reference.ReferenceMotion` at 0…100 % of its cycle
(phase 0 = right initial contact). Foot trajectories relative to the pelvis use the env's reference
tables (the reference kinematics on the same body).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import gymnasium as gym
import numpy as np

from rl_gait.joints import JOINT_NAMES, N_CURVE_POINTS
from rl_gait.metrics import fidelity as F
from rl_gait.reference.motion import ReferenceMotion

if TYPE_CHECKING:
    from rl_gait.learner.config import EnvSpec

# documented keys of the dict returned by evaluate() (besides the per-joint keys of curve_fidelity)
METRIC_KEYS: dict[str, str] = {
    "n_rollouts": "number of seeded rollouts",
    "n_strides": "complete right strides found over all rollouts (0 → curve metrics are nan)",
    "fall_rate": "fraction of rollouts that fell (0…1)",
    "success_rate": "fraction of rollouts with info['success'] (goal distance without a fall)",
    "distance_m_mean": "mean distance walked per rollout (m)",
    "survival_s_mean": "mean simulated time before a fall or the end (s)",
    "rmse_deg_<joint>, rmse_deg_mean": "RMSE of stride-normalised joint curves vs reference (deg)",
    "pearson_r_<joint>, pearson_r_mean": "Pearson r of those curves",
    "dtw_deg_<joint>, dtw_deg_mean": "DTW cost / 101 points (deg)",
    "endpoint_error_cm": "mean distance of both ankles relative to the pelvis vs the reference (cm)",
    "cadence_steps_per_min_sim, cadence_steps_per_min_ref, cadence_error_pct": "cadence and its error",
    "stride_length_m_sim, stride_length_m_ref, stride_length_error_pct": "pelvis travel per right stride",
    "step_length_m_r, step_length_m_l": "front-foot lead at each side's initial contact (m)",
    "speed_m_s_sim, speed_m_s_ref, speed_error_pct": "mean walking speed vs the target",
    "stance_pct_r, stance_pct_l, stance_symmetry_index_pct": "stance phase per side and its symmetry index",
    "stance_pct_error_r, stance_pct_error_l": "|sim − measured| stance % (only with target_spatiotemporal)",
    "pelvic_obliquity_range_deg": "range of the stride-mean pelvic obliquity curve (right strides; 0 on the planar "
                                  "body, whose pelvis cannot roll)",
    "pelvic_obliquity_range_error_deg": "|sim − measured| pelvic obliquity range (only with target_spatiotemporal "
                                        "holding pelvic_obliquity_range_deg)",
    "rmse_deg_mean_clock": "rmse_deg_mean with strides cut where the reference's clock starts a cycle instead "
                           "of at the simulated right heel strikes: how well the joints track the clock",
    "heel_strike_phase_cycles": "reference phase at the simulated right initial contacts, circular mean in "
                                "[-0.5, 0.5) cycles (0 = on time, −0.1 = a tenth of a cycle early): the timing "
                                "part of rmse_deg_mean",
}


class ActsLike(Protocol):
    def act(self, obs: np.ndarray, deterministic: bool = True) -> np.ndarray: ...


def rollout(policy: ActsLike, env: gym.Env, *, seed: int, duration_s: float) -> dict[str, np.ndarray]:
    """One deterministic rollout; returns per-step arrays (``[T, ...]``) and the end status."""
    u = env.unwrapped
    obs, _ = env.reset(seed=seed)
    n_steps = int(round(duration_s / u.control_dt))
    q, contact, feet, dist, t, foot_x, phase, obliquity = [], [], [], [], [], [], [], []
    fell = success = False
    for _ in range(n_steps):
        obs, _, terminated, truncated, info = env.step(policy.act(obs, deterministic=True))
        q.append(info["joint_angles_rad"])
        phase.append(info["phase"])
        obliquity.append(info.get("pelvic_obliquity_rad", 0.0))  # the planar body's pelvis stays level
        contact.append(info["foot_contact"])
        feet.append(info["foot_pos_rel_pelvis_m"])
        dist.append(info["distance_m"])
        t.append(info.get("time_s", len(t) * u.control_dt))
        foot_x.append(u.data.xpos[u.layout.foot_bodies, 0].copy())
        fell = bool(info["fell"])
        success = bool(info.get("success", False))
        if terminated or truncated:
            break
    return {"q": np.asarray(q).reshape(-1, len(JOINT_NAMES)), "contact": np.asarray(contact, bool).reshape(-1, 2),
            "feet": np.asarray(feet).reshape(-1, 2, 2), "distance_m": np.asarray(dist), "time_s": np.asarray(t),
            "foot_x_m": np.asarray(foot_x).reshape(-1, 2), "phase": np.asarray(phase, dtype=np.float64),
            "pelvic_obliquity_rad": np.asarray(obliquity, dtype=np.float64),
            "fell": np.array(fell), "success": np.array(success)}


def evaluate(
    policy: ActsLike,
    env: EnvSpec,
    *,
    n_rollouts: int = 3,
    seed: int = 0,
    duration_s: float = 10.0,
    target_spatiotemporal: dict[str, float] | None = None,
) -> dict[str, float]:
    """Run ``n_rollouts`` seeded deterministic rollouts (seeds ``seed … seed+n−1``) and measure fidelity.

    Args:
        policy: anything with ``act(obs, deterministic=True)`` (a :class:`~rl_gait.learner.Policy`).
        env: a :class:`~rl_gait.envs.config.WalkEnvConfig` (or a wrapper's config holding one,
            :class:`rl_gait.learner.config.EnvSpec`), made with ``gym.make(env.env_id, config=env)``;
            ``episode_duration_s`` is set to ``duration_s``.
        target_spatiotemporal: measured parameters (``GaitTrial.spatiotemporal``) to compare stance %.

    Returns: a flat dict of floats; keys in :data:`METRIC_KEYS`.
    """
    made = gym.make(env.env_id, config=env, episode_duration_s=float(duration_s))
    try:
        runs = [rollout(policy, made, seed=seed + i, duration_s=duration_s) for i in range(n_rollouts)]
        u = made.unwrapped
        phases = np.linspace(0.0, 1.0, N_CURVE_POINTS)
        table = u.ref.feet.shape[0]
        ref_feet = u.ref.feet[(phases * table).astype(int) % table].reshape(N_CURVE_POINTS, 2, 2)
        return fidelity_from_rollouts(runs, u.reference, ref_feet, control_dt=u.control_dt,
                                      target_speed_m_s=float(u.target_speed_m_s),
                                      target_spatiotemporal=target_spatiotemporal)
    finally:
        made.close()


def fidelity_from_rollouts(
    runs: list[dict[str, np.ndarray]],
    reference: ReferenceMotion,
    ref_feet_m: np.ndarray,
    *,
    control_dt: float,
    target_speed_m_s: float,
    target_spatiotemporal: dict[str, float] | None = None,
) -> dict[str, float]:
    """The metrics of :data:`METRIC_KEYS` from recorded rollouts (pure; no simulator).

    Args:
        runs: per rollout, the arrays of :func:`rollout`: ``q [T, 6]`` rad, ``contact [T, 2]`` bool (r, l),
            ``feet [T, 2, 2]`` m, ``distance_m [T]``, ``foot_x_m [T, 2]`` (world ankle x, r, l), ``fell``,
            ``success``; optionally ``phase [T]`` (the reference clock, cycles in [0, 1)) for the timing
            metrics ``rmse_deg_mean_clock`` and ``heel_strike_phase_cycles``.
        reference: the measured target; its curves at 0…100 % (phase 0 = right initial contact).
        ref_feet_m: ``[101, 2, 2]`` reference ankles relative to the pelvis over the cycle (m).
        control_dt: seconds per recorded step.
        target_speed_m_s: the env's target walking speed.
    """
    ref = reference
    dt = control_dt
    target_speed = target_speed_m_s
    n_rollouts = len(runs)
    ref_q = ref.angles_at(np.linspace(0.0, 1.0, N_CURVE_POINTS))[:, [ref.column(n) for n in JOINT_NAMES]]
    ref_feet = np.asarray(ref_feet_m, dtype=np.float64).reshape(N_CURVE_POINTS, 2, 2)

    out: dict[str, float] = {"n_rollouts": float(n_rollouts)}
    out["fall_rate"] = F.fall_rate(np.array([bool(r["fell"]) for r in runs]))
    out["success_rate"] = float(np.mean([bool(r["success"]) for r in runs]))
    out["distance_m_mean"] = float(np.mean([r["distance_m"][-1] if len(r["distance_m"]) else 0.0 for r in runs]))
    out["survival_s_mean"] = float(np.mean([len(r["q"]) * dt for r in runs]))

    q_strides, feet_strides, stride_times, stride_lengths, obliquity_strides = [], [], [], [], []
    clock_strides, heel_strike_phases = [], []
    stance = {"r": [], "l": []}
    step_len = {"r": [], "l": []}
    for r in runs:
        in_stance = F.stance_mask(r["contact"], dt)
        for s, side in enumerate("rl"):
            ic = F.initial_contact_indices(in_stance[:, s])
            if ic.size >= 2:
                stance[side].append(F.stance_pct(in_stance[:, s], ic))
            step_len[side] += [float(r["foot_x_m"][i, s] - r["foot_x_m"][i, 1 - s]) for i in ic]
            if side == "r" and ic.size >= 2:
                q_strides.append(F.stride_curves(r["q"], ic))
                feet_strides.append(F.stride_curves(r["feet"], ic))
                if "pelvic_obliquity_rad" in r:
                    obliquity_strides.append(F.stride_curves(r["pelvic_obliquity_rad"][:, None], ic))
                stride_times += list(np.diff(ic) * dt)
                stride_lengths += list(np.diff(r["distance_m"][ic]))
            if side == "r" and "phase" in r:
                heel_strike_phases += list(r["phase"][ic])
                wraps = F.phase_wrap_indices(r["phase"])
                if wraps.size >= 2:
                    clock_strides.append(F.stride_curves(r["q"], wraps))
    n_strides = int(sum(len(c) for c in q_strides))
    out["n_strides"] = float(n_strides)
    if n_strides:
        sim_q = np.concatenate(q_strides).mean(axis=0)
        sim_feet = np.concatenate(feet_strides).mean(axis=0)
        weights = None if ref.fidelity_weights is None else [ref.fidelity_weights[ref.column(n)] for n in JOINT_NAMES]
        out.update(F.curve_fidelity(sim_q, ref_q, JOINT_NAMES, joint_weights=weights))
        out["endpoint_error_cm"] = F.endpoint_error_cm(sim_feet, ref_feet)
    else:
        for name in JOINT_NAMES:
            out[f"rmse_deg_{name}"] = out[f"pearson_r_{name}"] = out[f"dtw_deg_{name}"] = float("nan")
        out["rmse_deg_mean"] = out["pearson_r_mean"] = out["dtw_deg_mean"] = float("nan")
        out["endpoint_error_cm"] = float("nan")

    nan = float("nan")
    clock = np.concatenate(clock_strides) if clock_strides else np.zeros((0,))
    out["rmse_deg_mean_clock"] = float(np.mean(F.rmse_deg(clock.mean(axis=0), ref_q))) if len(clock) else nan
    out["heel_strike_phase_cycles"] = F.circular_mean_phase(np.asarray(heel_strike_phases))
    stride_time = float(np.mean(stride_times)) if stride_times else nan
    out["cadence_steps_per_min_sim"] = F.cadence_steps_per_min(stride_time) if stride_times else nan
    out["cadence_steps_per_min_ref"] = F.cadence_steps_per_min(ref.cycle_duration_s)
    out["cadence_error_pct"] = F.relative_error_pct(out["cadence_steps_per_min_sim"], out["cadence_steps_per_min_ref"])
    ref_stride = ref.stride_length_m if ref.stride_length_m > 0 else target_speed * ref.cycle_duration_s
    out["stride_length_m_sim"] = float(np.mean(stride_lengths)) if stride_lengths else nan
    out["stride_length_m_ref"] = float(ref_stride)
    out["stride_length_error_pct"] = F.relative_error_pct(out["stride_length_m_sim"], ref_stride)
    for side in "rl":
        out[f"step_length_m_{side}"] = float(np.mean(step_len[side])) if step_len[side] else nan
        out[f"stance_pct_{side}"] = float(np.mean(stance[side])) if stance[side] else nan
    out["stance_symmetry_index_pct"] = F.symmetry_index_pct(out["stance_pct_r"], out["stance_pct_l"])
    speeds = [r["distance_m"][-1] / (len(r["q"]) * dt) for r in runs if len(r["q"])]
    out["speed_m_s_sim"] = float(np.mean(speeds)) if speeds else nan
    out["speed_m_s_ref"] = target_speed
    out["speed_error_pct"] = F.relative_error_pct(out["speed_m_s_sim"], target_speed)
    obliquity = np.concatenate(obliquity_strides).mean(axis=0)[:, 0] if obliquity_strides else None
    out["pelvic_obliquity_range_deg"] = float(np.degrees(np.ptp(obliquity))) if obliquity is not None else nan
    if target_spatiotemporal:
        for side in "rl":
            measured = target_spatiotemporal.get(f"stance_pct_{side}", nan)
            out[f"stance_pct_error_{side}"] = abs(out[f"stance_pct_{side}"] - measured)
        if "pelvic_obliquity_range_deg" in target_spatiotemporal:
            out["pelvic_obliquity_range_error_deg"] = abs(out["pelvic_obliquity_range_deg"]
                                                          - float(target_spatiotemporal["pelvic_obliquity_range_deg"]))
    return out
