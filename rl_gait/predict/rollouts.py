"""One recorded rollout of a policy in the walking env, with seeded perturbations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rl_gait.metrics.fidelity import stance_mask
from rl_gait.predict.settings import Perturbations
from rl_gait.terrain.terrain import ground_height_m


@dataclass(frozen=True)
class RolloutRecord:
    """Per-control-step arrays of one rollout (``T`` steps of ``dt_s``).

    Attributes:
        dt_s: control period (s).
        phase: ``[T]`` reference gait phase (cycles, 0 = right initial contact).
        trunk_pitch_rad: ``[T]`` trunk pitch (rad, relative to gravity).
        q_rad: ``[T, 6]`` joint angles, :data:`rl_gait.joints.JOINT_NAMES` order.
        torque_nm: ``[T, 6]`` actuator torques (N·m).
        contact: ``[T, 2]`` foot on the ground (r, l), the env's raw flags; gait metrics use :attr:`stance`.
        foot_x_m: ``[T, 2]`` ankle forward positions (m).
        toe_x_m, toe_z_m: ``[T, 2]`` toe contact point forward position and lowest height (m, world).
        toe_clearance_m: ``[T, 2]`` toe lowest point above the ground under it (m).
        distance_m: forward distance covered at the end (m).
        duration_s: simulated time (s).
        fell, success: end status (the env's definitions).
        fall_phase: gait phase at the fall (cycles), nan without a fall.
        push_time_s, push_force_n: the applied push (0 force = none).
    """

    dt_s: float
    phase: np.ndarray
    trunk_pitch_rad: np.ndarray
    q_rad: np.ndarray
    torque_nm: np.ndarray
    contact: np.ndarray
    foot_x_m: np.ndarray
    toe_x_m: np.ndarray
    toe_z_m: np.ndarray
    toe_clearance_m: np.ndarray
    distance_m: float
    duration_s: float
    fell: bool
    success: bool
    fall_phase: float
    push_time_s: float
    push_force_n: float

    @property
    def stance(self) -> np.ndarray:
        """``[T, 2]`` bool (r, l): the foot in stance, ``contact`` without touch-down bounces and toe
        brushes (:func:`rl_gait.metrics.fidelity.stance_mask`)."""
        return stance_mask(self.contact, self.dt_s)


def draw_push(rng: np.random.Generator, perturb: Perturbations) -> tuple[float, float]:
    """``(start time s, force N)`` of the rollout's push, drawn from ``rng``."""
    t = float(rng.uniform(*perturb.push_window_s))
    f = float(rng.uniform(-perturb.push_force_n, perturb.push_force_n))
    return t, f


def record_rollout(policy, env, *, seed: int, perturb: Perturbations, duration_s: float) -> RolloutRecord:
    """Run ``policy`` (``act(obs)``, deterministic) in ``env`` (an unwrapped :class:`WalkEnv` whose task
    and reference are already set) from ``reset(seed=seed)`` for at most ``duration_s``."""
    u = env
    lay = u.layout
    rng = np.random.default_rng([seed, 7919])  # perturbation stream, independent of the env's own
    push_t, push_f = draw_push(rng, perturb) if perturb.push_force_n > 0 else (np.nan, 0.0)
    obs, _ = u.reset(seed=seed)
    radius = u._contact_radius
    n_steps = int(round(duration_s / u.control_dt))
    rec: dict[str, list] = {k: [] for k in ("phase", "pitch", "q", "tau", "contact", "foot_x", "toe_x", "toe_z",
                                            "toe_clear")}
    fell = success = False
    info: dict = {}
    try:
        for k in range(n_steps):
            t = k * u.control_dt
            pushing = push_f != 0.0 and push_t <= t < push_t + perturb.push_duration_s
            u.data.xfrc_applied[lay.pelvis_body, 0] = push_f if pushing else 0.0
            obs, _, terminated, truncated, info = u.step(policy.act(obs))
            d = u.data
            toe = d.geom_xpos[lay.contact_geoms[:, 1]]  # [2, 3]
            toe_z = toe[:, 2] - radius
            rec["phase"].append(info["phase"])
            rec["pitch"].append(float(d.qpos[lay.root_qpos[2]]))
            rec["q"].append(info["joint_angles_rad"])
            rec["tau"].append(info["torques_nm"])
            rec["contact"].append(info["foot_contact"])
            rec["foot_x"].append(d.xpos[lay.foot_bodies, 0].copy())
            rec["toe_x"].append(toe[:, 0].copy())
            rec["toe_z"].append(toe_z)
            rec["toe_clear"].append(toe_z - ground_height_m(u.task, u.terrain_layout, toe[:, 0]))
            fell, success = bool(info["fell"]), bool(info.get("success", False))
            if terminated or truncated:
                break
    finally:
        u.data.xfrc_applied[lay.pelvis_body, :] = 0.0
    a = {k: np.asarray(v) for k, v in rec.items()}
    n = len(a["phase"])
    return RolloutRecord(
        dt_s=u.control_dt, phase=a["phase"].reshape(n), trunk_pitch_rad=a["pitch"].reshape(n),
        q_rad=a["q"].reshape(n, 6), torque_nm=a["tau"].reshape(n, 6), contact=a["contact"].reshape(n, 2).astype(bool),
        foot_x_m=a["foot_x"].reshape(n, 2), toe_x_m=a["toe_x"].reshape(n, 2), toe_z_m=a["toe_z"].reshape(n, 2),
        toe_clearance_m=a["toe_clear"].reshape(n, 2), distance_m=float(info.get("distance_m", 0.0)),
        duration_s=n * u.control_dt, fell=fell, success=success,
        fall_phase=float(a["phase"][-1]) if fell and n else float("nan"),
        push_time_s=float(push_t), push_force_n=float(push_f),
    )


def stair_edges(task, layout) -> tuple[np.ndarray, np.ndarray]:
    """``(x [E], z [E])`` of the stair nosings a foot passes over (m): the top corner of every riser
    (ascending) or the front corner of every tread before a drop (descending)."""
    if task.terrain != "stairs":
        return np.zeros(0), np.zeros(0)
    x = layout.approach_end_x_m + task.step_depth_m * np.arange(layout.n_steps)
    z = np.maximum(ground_height_m(task, layout, x - 1e-6), ground_height_m(task, layout, x + 1e-6))
    return x, z
