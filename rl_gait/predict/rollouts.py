"""One recorded rollout of a policy in the walking env (planar or 3D), with seeded perturbations.

Body-agnostic: what is recorded comes from the env's infos (joint angles, torques, contacts, distance, fall and
its direction, pelvic obliquity and hip ab/adduction where the body has them) and its layout (pelvis, trunk and
foot bodies, the contact spheres named ``toe…``), never from indices of one body model's state vector.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rl_gait.joints import JOINT_NAMES, JOINT_NAMES_3D
from rl_gait.metrics.fidelity import stance_mask
from rl_gait.predict.settings import Perturbations
from rl_gait.terrain.terrain import ground_height_m

HIP_ADDUCTION_INDICES_3D: tuple[int, int] = (JOINT_NAMES_3D.index("hip_adduction_r"),
                                             JOINT_NAMES_3D.index("hip_adduction_l"))
"""Columns (r, l) of the 3D env's ``info["joint_angles_3d_rad"]`` (:data:`rl_gait.joints.JOINT_NAMES_3D` order)
holding hip adduction."""
FALL_DIRECTIONS: tuple[str, ...] = ("forward", "backward", "left", "right")
"""Directions a fall is counted in (``info["fall_direction"]`` of the 3D env, :mod:`rl_gait.envs.walk3d`)."""
SAGITTAL_FALL_DIRECTIONS: tuple[str, ...] = ("forward", "backward")
"""The directions a body without frontal-plane motion (the planar body) can fall in."""


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
        push_direction_rad: its direction in the horizontal plane (rad from the walking direction +x, toward the
            left +y): 0 or π (the sign of ``push_force_n`` forward/backward) on the planar body, drawn on the 3D body.
        fall_direction: ``"forward"``, ``"backward"``, ``"left"`` or ``"right"`` (:data:`FALL_DIRECTIONS`), ``None``
            without a fall: the env's ``info["fall_direction"]``; a body whose env reports none (the planar body)
            by the same rule in the sagittal plane (:func:`sagittal_fall_direction`).
        pelvic_obliquity_rad: ``[T]`` pelvic obliquity (rad, left side up positive,
            :mod:`rl_gait.ingest.frontal`), ``None`` for a body without one (the planar body).
        hip_adduction_rad: ``[T, 2]`` hip adduction (r, l; rad, adduction positive, the 3D body's
            ``hip_adduction_r``/``_l`` joints, :data:`HIP_ADDUCTION_INDICES_3D`), ``None`` for a body without frontal
            joints (the planar body).
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
    fall_direction: str | None = None
    pelvic_obliquity_rad: np.ndarray | None = None
    push_direction_rad: float = 0.0
    hip_adduction_rad: np.ndarray | None = None

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


def draw_push_direction(rng: np.random.Generator, push_force_n: float, sideways: bool) -> tuple[float, float]:
    """``(x, y)`` world components (N) of a push of signed size ``push_force_n`` (:func:`draw_push`): along the walk
    (``(push_force_n, 0)``) on a body that cannot move sideways, else ``|push_force_n|`` in a direction drawn from
    ``rng`` uniformly in the horizontal plane (drawn after :func:`draw_push`: the planar stream is unchanged)."""
    if not sideways:
        return float(push_force_n), 0.0
    angle = float(rng.uniform(0.0, 2.0 * math.pi))
    return abs(push_force_n) * math.cos(angle), abs(push_force_n) * math.sin(angle)


def moves_sideways(model, layout) -> bool:
    """Whether the body's pelvis is free (the 3D body) rather than held in the sagittal plane (the planar body)."""
    import mujoco

    return int(model.jnt_type[model.body_jntadr[layout.pelvis_body]]) == int(mujoco.mjtJoint.mjJNT_FREE)


def sagittal_fall_direction(com_x_m: float, feet_x_m: np.ndarray) -> str:
    """``"forward"`` where the centre of mass is ahead of the midpoint of the ankles (``feet_x_m`` [2], m, along the
    walk), else ``"backward"``: the 3D env's rule (:func:`rl_gait.envs.walk3d.fall_direction`) without its lateral
    component, for a body whose env reports no direction."""
    return "forward" if com_x_m - float(np.mean(feet_x_m)) >= 0.0 else "backward"


def trunk_body(layout) -> int:
    """The body that carries the trunk: the 3D body's trunk segment; the planar body's pelvis (its trunk is a geom
    rigid on it)."""
    return int(getattr(layout, "trunk_body", layout.pelvis_body))


def forward_tilt_rad(body_to_world: np.ndarray, heading_rad: float) -> float:
    """Forward tilt (pitch, rad, forward positive) of a segment whose rotation is ``body_to_world`` [3, 3]: its up
    axis against vertical in the heading frame of yaw ``heading_rad``, ``atan2(u_forward, u_z)`` — the planar body's
    root pitch exactly (its heading is 0)."""
    up = body_to_world[:, 2]
    c, s = math.cos(heading_rad), math.sin(heading_rad)
    return math.atan2(c * up[0] + s * up[1], up[2])


def toe_geoms(model, layout) -> np.ndarray:
    """``[2, K]`` geom ids of each foot's toe contact spheres (r, l): those of ``layout.contact_geoms`` named
    ``toe…`` (the planar foot has one, the 3D foot a medial and a lateral one)."""
    names = [model.geom(int(g)).name for g in layout.contact_geoms[0]]
    cols = [k for k, n in enumerate(names) if n.startswith("toe")]
    if not cols:
        raise ValueError(f"no toe contact geom among {names}")
    return layout.contact_geoms[:, cols]


def record_rollout(policy, env, *, seed: int, perturb: Perturbations, duration_s: float) -> RolloutRecord:
    """Run ``policy`` (``act(obs)``, deterministic) in ``env`` (an unwrapped walking env of either body model whose
    task and reference are already set) from ``reset(seed=seed)`` for at most ``duration_s``."""
    u = env
    lay = u.layout
    rng = np.random.default_rng([seed, 7919])  # perturbation stream, independent of the env's own
    push_t, push_f = draw_push(rng, perturb) if perturb.push_force_n > 0 else (np.nan, 0.0)
    push_xy = draw_push_direction(rng, push_f, moves_sideways(u.model, lay)) if push_f != 0.0 else (0.0, 0.0)
    obs, _ = u.reset(seed=seed)
    radius = u._contact_radius
    toes = toe_geoms(u.model, lay)  # [2, K]
    trunk = trunk_body(lay)
    n_sagittal = len(JOINT_NAMES)  # the sagittal joints come first in every body's actuator order
    n_steps = int(round(duration_s / u.control_dt))
    rec: dict[str, list] = {k: [] for k in ("phase", "pitch", "q", "tau", "contact", "foot_x", "toe_x", "toe_z",
                                            "toe_clear", "obliquity", "hip_add")}
    fell = success = False
    direction = None
    info: dict = {}
    try:
        for k in range(n_steps):
            t = k * u.control_dt
            pushing = push_f != 0.0 and push_t <= t < push_t + perturb.push_duration_s
            u.data.xfrc_applied[lay.pelvis_body, :2] = push_xy if pushing else (0.0, 0.0)
            obs, _, terminated, truncated, info = u.step(policy.act(obs))
            d = u.data
            toe = d.geom_xpos[toes]  # [2, K, 3]
            toe_x = toe[:, :, 0].mean(axis=1)
            toe_z = toe[:, :, 2].min(axis=1) - radius
            rec["phase"].append(info["phase"])
            rec["pitch"].append(forward_tilt_rad(d.xmat[trunk].reshape(3, 3), float(info.get("heading_rad", 0.0))))
            rec["q"].append(info["joint_angles_rad"])
            rec["tau"].append(info["torques_nm"][:n_sagittal])
            rec["contact"].append(info["foot_contact"])
            rec["foot_x"].append(d.xpos[lay.foot_bodies, 0].copy())
            rec["toe_x"].append(toe_x)
            rec["toe_z"].append(toe_z)
            rec["toe_clear"].append(toe_z - ground_height_m(u.task, u.terrain_layout, toe_x))
            rec["obliquity"].append(info.get("pelvic_obliquity_rad", np.nan))
            q3 = info.get("joint_angles_3d_rad")  # absent on the planar body
            rec["hip_add"].append(np.asarray(q3, float)[list(HIP_ADDUCTION_INDICES_3D)] if q3 is not None
                                  else np.full(2, np.nan))
            fell, success = bool(info["fell"]), bool(info.get("success", False))
            if fell:
                direction = info.get("fall_direction") or sagittal_fall_direction(
                    float(d.subtree_com[lay.pelvis_body, 0]), d.xpos[lay.foot_bodies, 0])
            if terminated or truncated:
                break
    finally:
        u.data.xfrc_applied[lay.pelvis_body, :] = 0.0
    a = {k: np.asarray(v) for k, v in rec.items()}
    n = len(a["phase"])
    obliquity = a["obliquity"].reshape(n).astype(float)
    hip_add = a["hip_add"].reshape(n, 2).astype(float)
    return RolloutRecord(
        dt_s=u.control_dt, phase=a["phase"].reshape(n), trunk_pitch_rad=a["pitch"].reshape(n),
        q_rad=a["q"].reshape(n, 6), torque_nm=a["tau"].reshape(n, 6), contact=a["contact"].reshape(n, 2).astype(bool),
        foot_x_m=a["foot_x"].reshape(n, 2), toe_x_m=a["toe_x"].reshape(n, 2), toe_z_m=a["toe_z"].reshape(n, 2),
        toe_clearance_m=a["toe_clear"].reshape(n, 2), distance_m=float(info.get("distance_m", 0.0)),
        duration_s=n * u.control_dt, fell=fell, success=success,
        fall_phase=float(a["phase"][-1]) if fell and n else float("nan"),
        push_time_s=float(push_t), push_force_n=float(push_f), push_direction_rad=math.atan2(push_xy[1], push_xy[0]),
        fall_direction=direction if fell else None,
        pelvic_obliquity_rad=obliquity if n and np.isfinite(obliquity).all() else None,
        hip_adduction_rad=hip_add if n and np.isfinite(hip_add).all() else None,
    )


def stair_edges(task, layout) -> tuple[np.ndarray, np.ndarray]:
    """``(x [E], z [E])`` of the stair nosings a foot passes over (m): the top corner of every riser
    (ascending) or the front corner of every tread before a drop (descending)."""
    if task.terrain != "stairs":
        return np.zeros(0), np.zeros(0)
    x = layout.approach_end_x_m + task.step_depth_m * np.arange(layout.n_steps)
    z = np.maximum(ground_height_m(task, layout, x - 1e-6), ground_height_m(task, layout, x + 1e-6))
    return x, z
