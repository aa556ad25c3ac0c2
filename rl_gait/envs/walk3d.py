"""``Walk3DEnv``: the 3D body tracking a reference gait on level ground, slopes or stairs (experimental).

## Description
The 3D body of :mod:`rl_gait.body.body3d` (free pelvis, lumbar joint, 3-DOF hips, knees, 2-DOF ankles),
scaled to a person and driven by per-joint, per-side PD controllers, walks on the terrain of a
:class:`~rl_gait.tasks.Task` (the same terrain as the planar env, 2 m wide) while tracking a
:class:`~rl_gait.reference.ReferenceMotion`: its sagittal curves, and its frontal / transverse curves where
it has them (the reference's frontal curves: ``hip_adduction_*`` and the pelvic obliquity; 0 otherwise; hip
rotation, ankle inversion and the lumbar joints track 0).
Made by every env id with ``body_model="3d"`` (:mod:`rl_gait.envs.registration`). The level approach blend
and the stair fit of the planar env are not implemented here (the 3D body is tracked on the task's
reference from the first step).

## Action Space
``Box(-1, 1, (14,))``: residual joint targets ``q_target = q_ref(phase) + action_scale_rad · a`` (clipped to
the joint ranges), order :data:`rl_gait.joints.JOINT_NAMES_3D` (the six sagittal joints first).

## Observation Space
``Box(-inf, inf, (102,), float32)``; ``observation_structure`` names the blocks: ``root`` [13] (pelvis height
above the ground m, gravity direction in the pelvis frame [3], pelvis velocity in the heading frame m/s [3],
pelvis angular velocity in its own frame rad/s [3], sin/cos of the heading [2], pelvis y m), ``style`` [34]
(joint angles [14] rad, joint velocities [14] rad/s, ankles relative to the pelvis in the heading frame, x/y/z
of r and l [6] m), ``contact`` [2], ``phase`` [2], ``ref_next`` [14] rad, ``ref_pelvis`` [1] (the reference's
pelvic obliquity at the next step, rad), ``task`` [6], ``terrain`` [30] (as the planar env: ground heights along
the walking direction, relative to the ground under the pelvis).

## Rewards
Exponential kernels (:mod:`rl_gait.envs.rewards`), reported as ``info["reward_<name>"]`` and summing to the
reward: ``pose`` (sagittal joints), ``frontal_pose`` (the other 8 joints), ``pelvic_obliquity`` (the pelvis' roll vs
the reference's obliquity), ``joint_velocity`` (sagittal), ``feet`` (3D ankle positions), ``com_height``, ``speed``
(along x), ``upright`` (trunk tilt forward and sideways; sideways against the reference's obliquity when the trunk
is locked to the pelvis, against 0 otherwise), ``heading`` (pelvis yaw), ``step_length``, ``contact`` (off by default). The falling step earns 0.

## Starting State
A seeded random phase of the reference, its joint angles (+ noise) and velocities, the pelvis at the reference's
obliquity and facing +x, forward speed = target speed, lowest foot point on the ground at ``x_m`` (option, default 0).

## Episode End
Terminated on a fall in any direction: pelvis lower than ``FALL_HEIGHT_FRAC`` × leg length above the
ground, or the trunk tilted more than ``FALL_TILT_RAD`` from vertical; ``info["fall_direction"]``
(``"forward"``, ``"backward"``, ``"left"``, ``"right"``; ``None`` without a fall): where the centre of mass is
relative to the midpoint of the ankles, in the heading frame (:func:`fall_direction`). Truncated after
``episode_duration_s``; ``info["success"]`` as the planar env. :meth:`Walk3DEnv.push` applies an external
force to the pelvis for a while (perturbation tests, fall-risk probes).

## Arguments
``task``, ``reference``, ``body``, ``pd`` (14 values; a planar ``PDParams`` is extended,
:meth:`~rl_gait.body.PDParams.extended_3d`), ``reward_weights`` (:class:`Reward3DWeights`), ``terrain_layout``,
``episode_duration_s``, ``action_scale_rad``, ``init_noise_rad``, ``weakness_range`` (as the planar env),
``lumbar_locked`` (default: a rigid trunk, both lumbar joints held at 0 — their two actions then do nothing),
``swing_clearance_m`` (level references fitted so that the swing feet clear the ground, as the planar env's, with the
frontal pose in place; :mod:`rl_gait.envs.swing_fit`), ``render_mode``, ``render_size``.

## Version History
v0: initial release (experimental: not the default body anywhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from rl_gait.body.body3d import LUMBAR_JOINTS, body3d_layout, build_3d_spec
from rl_gait.body.params import BodyParams, PDParams
from rl_gait.body.planar import FRAME_SKIP, apply_pd
from rl_gait.envs import rewards as R
from rl_gait.envs.config import SWING_CLEARANCE_M
from rl_gait.envs.stair_fit import corrections_on_grid
from rl_gait.envs.swing_fit import fit_swing_clearance_cached
from rl_gait.envs.walk import (
    CONTACT_TOL_M,
    FALL_HEIGHT_FRAC,
    HEIGHT_SAMPLES_X_M,
    PHASE_TABLE_SIZE,
    WalkEnv,
    _default_reference,
    reference_sd_rad,
)
from rl_gait.ingest.frontal import pelvic_obliquity_tilt_rad
from rl_gait.joints import JOINT_NAMES, JOINT_NAMES_3D
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import TERRAIN_KINDS, Task
from rl_gait.terrain.terrain import GroundProfile, TerrainLayout, add_terrain, apply_task

FALL_TILT_RAD = math.radians(45.0)
N_SAGITTAL = len(JOINT_NAMES)
OBSERVATION_SIZES_3D = {"root": 13, "style": 34, "contact": 2, "phase": 2, "ref_next": len(JOINT_NAMES_3D),
                        "ref_pelvis": 1, "task": 6, "terrain": len(HEIGHT_SAMPLES_X_M)}
"""Observation blocks in order (terrain last) and their sizes."""
OBSERVATION_DIM_3D = sum(OBSERVATION_SIZES_3D.values())
FALL_DIRECTIONS: tuple[str, ...] = ("forward", "backward", "left", "right")


@dataclass(frozen=True)
class Reward3DWeights(R.RewardWeights):
    """:class:`~rl_gait.envs.rewards.RewardWeights` plus the 3D terms; the default weights sum to 1."""

    pose: float = 0.30
    frontal_pose: float = 0.10
    pelvic_obliquity: float = 0.05
    joint_velocity: float = 0.05
    feet: float = 0.15
    com_height: float = 0.05
    speed: float = 0.15
    upright: float = 0.05
    heading: float = 0.05
    step_length: float = 0.05
    k_frontal_pose_per_rad2: float = 5.0
    k_pelvic_obliquity_per_rad2: float = 100.0
    k_heading_per_rad2: float = 5.0

    @property
    def term_names(self) -> tuple[str, ...]:
        return ("pose", "frontal_pose", "pelvic_obliquity", "joint_velocity", "feet", "com_height", "speed", "upright", "heading",
                "step_length", "contact", "speed_excess")


def fall_direction(com_rel_support_heading_m: np.ndarray) -> str:
    """Direction of a fall from the centre of mass relative to the support (the ankles' midpoint), horizontal,
    in the heading frame (``[2]``: forward, left; m): the larger component decides —
    ``"forward"``/``"backward"`` (x ≷ 0) or ``"left"``/``"right"`` (y ≷ 0)."""
    fwd, left = float(com_rel_support_heading_m[0]), float(com_rel_support_heading_m[1])
    if abs(fwd) >= abs(left):
        return "forward" if fwd >= 0 else "backward"
    return "left" if left > 0 else "right"


def roll_quaternion(roll_rad: float) -> np.ndarray:
    """``[4]`` (w, x, y, z): a rotation by ``roll_rad`` about the forward (x) axis — a pelvic obliquity, left
    side up positive."""
    return np.array([math.cos(0.5 * roll_rad), math.sin(0.5 * roll_rad), 0.0, 0.0])


def trunk_tilt_rad(up_axis_world: np.ndarray, yaw_rad: float) -> tuple[float, float]:
    """Trunk tilt (forward, to the right; rad) of a segment whose up axis is ``up_axis_world`` [3], in the
    heading frame of yaw ``yaw_rad``: ``atan2(u_forward, u_z)`` and ``atan2(−u_left, u_z)``."""
    c, s = math.cos(yaw_rad), math.sin(yaw_rad)
    u_fwd = c * up_axis_world[0] + s * up_axis_world[1]
    u_left = -s * up_axis_world[0] + c * up_axis_world[1]
    return math.atan2(u_fwd, up_axis_world[2]), math.atan2(-u_left, up_axis_world[2])


class Reference3DTables:
    """The reference on a fine phase grid in this body's kinematics (pelvis at the reference's obliquity, facing +x).

    ``q``/``qd`` [P, 14] (JOINT_NAMES_3D: the sagittal joints, ``hip_adduction_*`` from the reference's frontal
    curves; joints the reference lacks are 0); ``obliquity`` [P] the pelvic obliquity (rad; 0 without one);
    ``feet`` [P, 4] ankle x/z relative to the pelvis (what the fidelity metrics compare, as the planar env's);
    ``feet_3d`` [P, 6] ankle x/y/z in the heading frame; ``stance`` [P, 2]; ``com_height`` [P] above the lowest
    foot point; ``pelvis_height`` [P]; ``natural_speed_m_s`` and ``step_length_m`` as the planar env's
    ``ReferenceTables``; ``trunk_pitch_rad`` 0; ``trunk_roll_rad`` [P] the trunk's sideways tilt target (the
    obliquity when the trunk is locked to the pelvis, else 0); ``swing_fit_clearances_m`` as the planar
    ``ReferenceTables``' (the sagittal joints fitted with the frontal pose in place; ``None`` without the fit).
    """

    def __init__(self, ref: ReferenceMotion, model: mujoco.MjModel, env: Walk3DEnv):
        phase = np.arange(PHASE_TABLE_SIZE) / PHASE_TABLE_SIZE
        angles, vel = ref.angles_at(phase), ref.velocities_at(phase)
        self.q = np.zeros((PHASE_TABLE_SIZE, len(JOINT_NAMES_3D)))
        self.qd = np.zeros_like(self.q)
        for j, name in enumerate(JOINT_NAMES_3D):
            if name in ref.joint_names:
                self.q[:, j], self.qd[:, j] = angles[:, ref.column(name)], vel[:, ref.column(name)]
        frontal, dfrontal = ref.frontal_at(phase), ref.frontal_velocities_at(phase)
        for k, name in enumerate(ref.frontal_names):
            if name in JOINT_NAMES_3D:
                j = JOINT_NAMES_3D.index(name)
                self.q[:, j], self.qd[:, j] = frontal[:, k], dfrontal[:, k]
        self.obliquity = (frontal[:, ref.frontal_names.index("pelvic_obliquity")]
                          if "pelvic_obliquity" in ref.frontal_names else np.zeros(PHASE_TABLE_SIZE))
        self.trunk_roll_rad = self.obliquity if env.lumbar_locked else np.zeros(PHASE_TABLE_SIZE)
        self.stance = ref.stance_at(phase)
        lay, data = env.layout, mujoco.MjData(model)

        def pose(q: np.ndarray, roll: float) -> None:  # pelvis at the origin, rolled by the obliquity
            data.qpos[:] = 0.0
            data.qpos[lay.root_qpos[3:7]] = roll_quaternion(roll)
            data.qpos[lay.joint_qpos] = q
            mujoco.mj_kinematics(model, data)

        def kinematics() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            feet, low, com = [], [], []
            for q, roll in zip(self.q, self.obliquity, strict=True):
                pose(q, roll)
                mujoco.mj_comPos(model, data)
                feet.append((data.xpos[lay.foot_bodies] - data.xpos[lay.pelvis_body]).reshape(-1))
                low.append(data.geom_xpos[lay.contact_geoms][..., 2].min() - env._contact_radius)
                com.append(data.subtree_com[lay.pelvis_body, 2])
            return np.asarray(feet), np.asarray(low), np.asarray(com)

        feet, low, com = kinematics()
        speed_feet = feet  # the walking speed is the reference's own: the swing fit only lifts the feet
        self.swing_fit_clearances_m = None
        if ref.task.terrain == "level" and env.swing_clearance_m is not None:  # lift the swing feet (envs.swing_fit)
            sd = reference_sd_rad(ref, [ref.column(n) for n in JOINT_NAMES_3D[:N_SAGITTAL]])
            table = np.concatenate([self.q, self.obliquity[:, None]], axis=1)  # [P, 14 joints + obliquity]

            def contact_points(q: np.ndarray) -> np.ndarray:  # [2 feet, 4 points, (x, z)] relative to the pelvis
                pose(q[:-1], q[-1])
                return data.geom_xpos[lay.contact_geoms][..., (0, 2)].copy()

            coef, before, after = fit_swing_clearance_cached(
                contact_points, lambda ph: table[np.round(np.asarray(ph) * PHASE_TABLE_SIZE).astype(int)
                                                 % PHASE_TABLE_SIZE], sd, ref.stance_fraction,
                ref.left_contact_phase, 0.0, env.swing_clearance_m, model)
            self.swing_fit_clearances_m = (before, after)
            dq, dqd = corrections_on_grid(coef, phase, ref.left_contact_phase, ref.cycle_duration_s)
            self.q[:, :N_SAGITTAL] += dq
            self.qd[:, :N_SAGITTAL] += dqd
            feet, low, com = kinematics()
        self.feet_3d = feet
        self.feet = self.feet_3d[:, [0, 2, 3, 5]]
        self.pelvis_height = -low
        self.com_height = com + self.pelvis_height
        self.trunk_pitch_rad = 0.0
        dt_phase = ref.cycle_duration_s / PHASE_TABLE_SIZE
        ankle_x = speed_feet[:, [0, 3]]
        v = (np.roll(ankle_x, -1, axis=0) - np.roll(ankle_x, 1, axis=0)) / (2 * dt_phase)
        self.natural_speed_m_s = float(np.mean(np.max(-v, axis=1)))
        self.step_length_m = 0.5 * self.natural_speed_m_s * ref.cycle_duration_s


class Walk3DEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(
        self,
        task: Task | None = None,
        reference: ReferenceMotion | None = None,
        body: BodyParams | None = None,
        pd: PDParams | None = None,
        reward_weights: Reward3DWeights | None = None,
        terrain_layout: TerrainLayout | None = None,
        episode_duration_s: float = 10.0,
        action_scale_rad: float = 0.5,
        init_noise_rad: float = 0.02,
        weakness_range: tuple[float, float] | None = None,
        lumbar_locked: bool = True,
        swing_clearance_m: float | None = SWING_CLEARANCE_M,
        render_mode: str | None = None,
        render_size: tuple[int, int] = (240, 320),
    ):
        self.task = task or Task()
        self.body = body or BodyParams()
        self.pd = (pd or PDParams.default_for(self.body, "3d")).extended_3d(self.body)
        self.weights = reward_weights or Reward3DWeights()
        if not isinstance(self.weights, Reward3DWeights):
            raise ValueError("reward_weights of the 3D env must be Reward3DWeights (it has the 3D terms)")
        self.terrain_layout = terrain_layout or TerrainLayout()
        self.episode_duration_s = float(episode_duration_s)
        self.action_scale_rad = float(action_scale_rad)
        self.init_noise_rad = float(init_noise_rad)
        if weakness_range is not None:
            lo, hi = (float(v) for v in weakness_range)
            if not 0.0 < lo <= hi <= 1.0:
                raise ValueError(f"weakness_range must be (lo, hi) with 0 < lo <= hi <= 1, got {weakness_range}")
            weakness_range = (lo, hi)
        self.weakness_range = weakness_range
        self.lumbar_locked = bool(lumbar_locked)
        self.swing_clearance_m = swing_clearance_m
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode, self.render_size, self._renderer = render_mode, render_size, None
        self._weak_side, self._weakness = None, 1.0

        spec = build_3d_spec(self.body, self.pd, lumbar_locked=self.lumbar_locked)
        add_terrain(spec)
        self.model = spec.compile()
        self.data = mujoco.MjData(self.model)
        self.layout = lay = body3d_layout(self.model, self.body)
        self.control_dt = self.model.opt.timestep * FRAME_SKIP
        self._contact_radius = float(self.model.geom_size[lay.contact_geoms[0, 0], 0])
        self._contact_gap_m = self._contact_radius + CONTACT_TOL_M
        self._fall_height_m = FALL_HEIGHT_FRAC * lay.anthro.leg_length_m
        self._q_lo, self._q_hi = lay.joint_range_rad[:, 0].copy(), lay.joint_range_rad[:, 1].copy()
        if self.lumbar_locked:  # targets and start angles of the locked joints at 0: the actuators hold, not fight
            lumbar = [JOINT_NAMES_3D.index(n) for n in LUMBAR_JOINTS]
            self._q_lo[lumbar] = self._q_hi[lumbar] = 0.0
        self._jq, self._jv = lay.joint_qpos, lay.joint_qvel
        self._rq, self._rv = lay.root_qpos, lay.root_qvel
        self._contact_flat = lay.contact_geoms.reshape(-1)
        self._tables_cache: dict[int, tuple[ReferenceMotion, Reference3DTables]] = {}
        apply_task(self.model, self.task, self.terrain_layout, self.data)
        self._ground = GroundProfile(self.task, self.terrain_layout)
        self._set_reference(reference if reference is not None else _default_reference(self.task))

        self.observation_structure: dict[str, slice] = {}
        start = 0
        for name, n in OBSERVATION_SIZES_3D.items():
            self.observation_structure[name] = slice(start, start + n)
            start += n
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (start,), np.float32)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (len(JOINT_NAMES_3D),), np.float32)
        self._phase, self._t = 0.0, 0.0
        self._x_start, self._y_start = 0.0, 0.0
        self._last_contact = np.zeros(2, dtype=bool)
        self._push_force = np.zeros(3)
        self._push_steps_left = 0

    # ------------------------------------------------------------------ configuration
    def _set_reference(self, reference: ReferenceMotion) -> None:
        missing = set(JOINT_NAMES) - set(reference.joint_names)
        if missing:
            raise ValueError(f"reference lacks joints {sorted(missing)}; the env needs all of {JOINT_NAMES}")
        self.reference = reference
        key = id(reference)
        if key not in self._tables_cache:
            self._tables_cache[key] = (reference, Reference3DTables(reference, self.model, self))
        self.ref = self._tables_cache[key][1]
        self._dphase = self.control_dt / reference.cycle_duration_s
        self.target_speed_m_s = (self.task.speed_m_s if self.task.speed_m_s is not None
                                 else self.ref.natural_speed_m_s)
        along = math.cos(math.radians(self.task.grade_deg)) if self.task.terrain == "slope" else 1.0
        self._target_vx_m_s = self.target_speed_m_s * along
        onehot = [float(self.task.terrain == k) for k in TERRAIN_KINDS]
        grade = math.radians(self.task.grade_deg) if self.task.terrain == "slope" else 0.0
        step = self.task.signed_rise if self.task.terrain == "stairs" else 0.0
        self._task_obs = np.array([*onehot, grade, step, self.target_speed_m_s])

    # the same as the planar env's (they use only attributes both envs have)
    set_task = WalkEnv.set_task
    _draw_weakness = WalkEnv._draw_weakness
    goal_distance_m = WalkEnv.goal_distance_m
    _course_end_x_m = WalkEnv._course_end_x_m
    _steps_per_touchdown = WalkEnv._steps_per_touchdown
    render = WalkEnv.render
    close = WalkEnv.close

    def set_pd(self, pd: PDParams) -> None:
        """The body's PD controller (no recompile; a planar ``PDParams`` is extended to the 3D joints)."""
        self.pd = pd.extended_3d(self.body)
        apply_pd(self.model, self.layout, self.pd)

    def push(self, force_world_n: tuple[float, float, float], duration_s: float) -> None:
        """Apply ``force_world_n`` (N, world frame) at the pelvis for the next ``duration_s`` of control steps."""
        self._push_force = np.asarray(force_world_n, dtype=np.float64)
        self._push_steps_left = int(round(duration_s / self.control_dt))

    # ------------------------------------------------------------------ state features
    def _yaw(self, data: mujoco.MjData) -> float:
        r = data.xmat[self.layout.pelvis_body]  # row-major 3x3: r[0] = R00, r[3] = R10
        return math.atan2(r[3], r[0])

    def _feet_rel_pelvis_3d(self, data: mujoco.MjData, yaw: float) -> np.ndarray:
        """Ankles relative to the pelvis in the heading frame, [6]: x, y, z of r then l (m)."""
        lay = self.layout
        d = data.xpos[lay.foot_bodies] - data.xpos[lay.pelvis_body]
        c, s = math.cos(yaw), math.sin(yaw)
        return np.stack([c * d[:, 0] + s * d[:, 1], -s * d[:, 0] + c * d[:, 1], d[:, 2]], axis=1).reshape(-1)

    def _sense(self) -> tuple[np.ndarray, np.ndarray]:
        """Ground under the pelvis [0], under the 8 contact spheres [1:9] and at the height-map samples [9:],
        and the foot contacts [2] (any sphere of a foot within ``CONTACT_TOL_M`` of the surface)."""
        pts = self.data.geom_xpos[self._contact_flat]
        x0 = self.data.qpos[self._rq[0]]
        qx = np.concatenate([[x0], pts[:, 0], x0 + HEIGHT_SAMPLES_X_M])
        ground = np.interp(qx, self._ground.xp, self._ground.fp)
        near = (pts[:, 2] - ground[1:9]) < self._contact_gap_m
        return ground, near.reshape(2, -1).any(axis=1)

    def _obs(self, contacts: np.ndarray, ground: np.ndarray, feet: np.ndarray, yaw: float) -> np.ndarray:
        d, lay = self.data, self.layout
        rmat = d.xmat[lay.pelvis_body].reshape(3, 3)
        c, s = math.cos(yaw), math.sin(yaw)
        v = d.qvel[self._rv[:3]]
        root = np.concatenate([
            [d.qpos[self._rq[2]] - ground[0]], -rmat[2],  # gravity direction in the pelvis frame: Rᵀ·(0, 0, −1)
            [c * v[0] + s * v[1], -s * v[0] + c * v[1], v[2]], d.qvel[self._rv[3:]],
            [s, c, d.qpos[self._rq[1]]],
        ])
        ph = 2 * math.pi * self._phase
        i_next = int(((self._phase + self._dphase) % 1.0) * PHASE_TABLE_SIZE)
        return np.concatenate([
            root, d.qpos[self._jq], d.qvel[self._jv], feet, contacts, [math.sin(ph), math.cos(ph)],
            self.ref.q[i_next], [self.ref.obliquity[i_next]], self._task_obs, ground[9:] - ground[0],
        ]).astype(np.float32)

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        if "task" in options or "reference" in options:
            self.set_task(options.get("task"), options.get("reference"))
        phase = float(options.get("phase", self.np_random.uniform(0.0, 1.0)))
        x_m = float(options.get("x_m", 0.0))
        self._draw_weakness(bool(options.get("weaken", True)))
        self._set_reference_state(phase, x_m)
        self._phase, self._t = phase, 0.0
        self._push_steps_left = 0
        self.data.xfrc_applied[:] = 0.0
        self._x_start, self._y_start = float(self.data.qpos[self._rq[0]]), float(self.data.qpos[self._rq[1]])
        ground, contacts = self._sense()
        self._last_contact = contacts
        info = {"phase": phase, "task": self.task.name}
        if self.weakness_range is not None:
            info.update(weak_side=self._weak_side, weakness=self._weakness)
        return self._obs(contacts, ground, self._feet_rel_pelvis_3d(self.data, 0.0), 0.0), info

    def _set_reference_state(self, phase: float, x_m: float) -> None:
        lay, d, i = self.layout, self.data, int((phase % 1.0) * PHASE_TABLE_SIZE)
        mujoco.mj_resetData(self.model, d)
        q = self.ref.q[i] + (self.np_random.normal(0.0, self.init_noise_rad, size=self.ref.q.shape[1])
                             if self.init_noise_rad > 0 else 0.0)
        q = np.clip(q, self._q_lo, self._q_hi)
        d.qpos[self._jq] = q
        d.qvel[self._jv] = self.ref.qd[i]
        d.qpos[self._rq] = (x_m, 0.0, 0.0, *roll_quaternion(self.ref.obliquity[i]))
        d.qvel[self._rv] = (self.target_speed_m_s, 0.0, 0.0, 0.0, 0.0, 0.0)
        mujoco.mj_kinematics(self.model, d)
        pts = d.geom_xpos[self._contact_flat]
        gap = pts[:, 2] - self._contact_radius - self._ground(pts[:, 0])
        d.qpos[self._rq[2]] = -gap.min() + 0.001
        d.ctrl[lay.actuators] = q
        mujoco.mj_forward(self.model, d)

    def step(self, action: np.ndarray):
        d, w, lay = self.data, self.weights, self.layout
        a = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
        self._phase = (self._phase + self._dphase) % 1.0
        i = int(self._phase * PHASE_TABLE_SIZE)
        ref = self.ref
        q_ref = ref.q[i]
        d.ctrl[lay.actuators] = np.clip(q_ref + self.action_scale_rad * a, self._q_lo, self._q_hi)
        if self._push_steps_left > 0:
            d.xfrc_applied[lay.pelvis_body, :3] = self._push_force
        mujoco.mj_step(self.model, d, nstep=FRAME_SKIP)
        if self._push_steps_left > 0:
            self._push_steps_left -= 1
            if self._push_steps_left == 0:
                d.xfrc_applied[lay.pelvis_body, :3] = 0.0
        self._t += self.control_dt

        x, y, z = (float(v) for v in d.qpos[self._rq[:3]])
        yaw = self._yaw(d)
        ground, contacts = self._sense()
        g0 = float(ground[0])
        q, qd = d.qpos[self._jq], d.qvel[self._jv]
        feet = self._feet_rel_pelvis_3d(d, yaw)
        com = d.subtree_com[lay.pelvis_body]
        tilt_fwd, tilt_right = trunk_tilt_rad(d.xmat[lay.trunk_body].reshape(3, 3)[:, 2], yaw)
        c, s = math.cos(yaw), math.sin(yaw)
        vx = float(d.qvel[self._rv[0]])

        step_m = None
        for k in (0, 1):
            if contacts[k] and not self._last_contact[k]:
                step_m = float(c * (d.xpos[lay.foot_bodies[k], 0] - d.xpos[lay.foot_bodies[1 - k], 0])
                               + s * (d.xpos[lay.foot_bodies[k], 1] - d.xpos[lay.foot_bodies[1 - k], 1]))
        self._last_contact = contacts

        obliquity, pelvic_tilt = pelvic_obliquity_tilt_rad(d.xmat[lay.pelvis_body].reshape(3, 3))
        tilt = math.acos(max(-1.0, min(1.0, float(d.xmat[lay.trunk_body, 8]))))
        fell = (z - g0) < self._fall_height_m or tilt > FALL_TILT_RAD or not math.isfinite(x + y + z)
        direction = None
        if fell:
            support = d.xpos[lay.foot_bodies].mean(axis=0)
            off = com[:2] - support[:2]
            direction = fall_direction(np.array([c * off[0] + s * off[1], -s * off[0] + c * off[1]]))
            terms = dict.fromkeys(w.term_names, 0.0)
        else:
            terms = {
                "pose": R.pose_reward(q[:N_SAGITTAL], q_ref[:N_SAGITTAL], w.pose, w.k_pose_per_rad2),
                "frontal_pose": R.pose_reward(q[N_SAGITTAL:], q_ref[N_SAGITTAL:], w.frontal_pose,
                                              w.k_frontal_pose_per_rad2),
                "pelvic_obliquity": R.pelvic_obliquity_reward(float(obliquity), ref.obliquity[i], w.pelvic_obliquity,
                                                              w.k_pelvic_obliquity_per_rad2),
                "joint_velocity": R.joint_velocity_reward(qd[:N_SAGITTAL], ref.qd[i, :N_SAGITTAL], w.joint_velocity,
                                                          w.k_joint_velocity_s2_per_rad2),
                "feet": R.feet_reward(feet, ref.feet_3d[i], w.feet, w.k_feet_per_m2),
                "com_height": R.com_height_reward(float(com[2]) - g0, ref.com_height[i], w.com_height,
                                                  w.k_com_height_per_m2),
                "speed": R.speed_reward(vx, self._target_vx_m_s, w.speed, w.k_speed_s2_per_m2),
                "upright": R.upright_reward(math.hypot(tilt_fwd - ref.trunk_pitch_rad, tilt_right - ref.trunk_roll_rad[i]),
                                            w.upright, w.k_upright_per_rad2),
                "heading": R.upright_reward(yaw, w.heading, w.k_heading_per_rad2),
                "step_length": R.step_length_reward(step_m, ref.step_length_m, w.step_length * self._steps_per_touchdown,
                                                    w.k_step_length_per_m2),
                "contact": R.contact_timing_reward(contacts, ref.stance[i], w.contact),
                "speed_excess": R.speed_excess_penalty(vx, self._target_vx_m_s, w.speed_excess,
                                                       w.k_speed_excess_s2_per_m2),
            }
        reward = sum(terms.values())
        distance = x - self._x_start
        truncated = (not fell) and self._t >= self.episode_duration_s - 1e-9
        info = {f"reward_{k}": v for k, v in terms.items()}
        info.update(
            fell=fell, fall_direction=direction, lagged=False, retreated=False, ran_ahead=False,
            distance_m=distance,
            lateral_m=y - self._y_start, speed_m_s=vx, phase=self._phase,
            joint_angles_rad=q[:N_SAGITTAL].copy(), joint_angles_3d_rad=q.copy(),
            pelvic_obliquity_rad=float(obliquity), pelvic_tilt_rad=float(pelvic_tilt), heading_rad=yaw,
            foot_contact=contacts, torques_nm=d.actuator_force[lay.actuators].copy(),
            foot_pos_rel_pelvis_m=feet.reshape(2, 3)[:, (0, 2)], time_s=self._t,
            success=bool(truncated and distance >= self.goal_distance_m), full_course=self._x_start <= 0.0,
            on_approach_reference=False,
        )
        return self._obs(contacts, ground, feet, yaw), reward, fell, truncated, info
