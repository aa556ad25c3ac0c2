"""``WalkEnv``: a personalized planar biped tracking a reference gait on level ground, slopes or stairs.

## Description
A sagittal-plane lower-limb + trunk body (:mod:`rl_gait.body.planar`) scaled to a person, driven by
per-joint, per-side PD controllers, walks on the terrain of a :class:`~rl_gait.tasks.Task` while
tracking a :class:`~rl_gait.reference.ReferenceMotion` (DeepMimic-style imitation + task goals).
The env is goal-conditioned: the task (terrain kind, grade, step height, target speed) is part of the
observation, and ``reset(options={"task": ..., "reference": ...})`` switches task in place, so one
policy can learn all tasks. Registered as ``rl_gait/LevelWalk-v0``, ``rl_gait/SlopeWalk-v0`` and
``rl_gait/StairWalk-v0`` (see :mod:`rl_gait.envs.registration`).

## Action Space
``Box(-1, 1, (6,))``: residual joint targets, ``q_target = q_ref(phase) + action_scale_rad · a``
(clipped to the joint ranges), order :data:`rl_gait.joints.JOINT_NAMES`. ``a = 0`` plays the
reference through the PD body.

## Observation Space
``Box(-inf, inf, (D,), float32)``; ``observation_structure`` names the blocks:
``root`` (pelvis height above the ground under it m, trunk pitch rad, forward & vertical velocity m/s,
pitch rate rad/s), ``style`` (joint angles rad [6], joint velocities rad/s [6], feet (ankle) positions
relative to the pelvis in the pelvis frame, x/z for r and l, m [4] — the discriminator's features,
computed by :meth:`style_features` for simulated and reference states alike), ``contact`` (heel or
toe on the ground, r/l), ``phase`` (sin, cos of 2π·phase), ``ref_next`` (reference joint angles at
the next control step, rad), ``task`` (one-hot terrain [3], grade rad, signed step height m, target
speed m/s), ``terrain`` (ground height relative to the ground under the pelvis at
``HEIGHT_SAMPLES_X_M`` ahead/behind, m). Angles are relative to gravity; heights to the terrain.

## Rewards
Weighted exponential kernels (:mod:`rl_gait.envs.rewards`): ``pose``, ``joint_velocity``, ``feet``,
``com_height`` (tracking) and ``speed``, ``upright``, ``step_length`` (goal), and the penalty ``speed_excess``
(in ``[−w, 0]``: walking faster than the goal speed; no running down a descent or stairs). The goal speed is the
task's, else the no-slip speed the reference's kinematics imply on this body. Each is reported as
``info["reward_<name>"]`` and they sum to the reward. The step that falls earns 0.

## Starting State
Reference state initialisation: a random phase (seeded), joint angles and velocities of the reference
there plus small noise, trunk at the reference's pitch (``ReferenceTables.trunk_pitch_rad``: upright, or
with ``trunk_pitch="reference"`` the pitch that makes the reference's contacts consistent on this body,
:mod:`rl_gait.envs.trunk_pitch`), forward speed = target speed, lowest foot point on the ground.
Position: the start of the level approach; with probability ``feature_start_prob`` (slope and stairs
only, for training) a uniformly drawn point on the feature instead, so that experience covers every
step and not only the first (spatial RSI). ``reset(options={"x_m": ...})`` sets it explicitly.
Reference: the task's; with ``level_approach`` and a reference that has one (``ReferenceMotion.approach``:
the same person's level gait), a start on the level approach tracks that level reference at its own
cadence, and at the reference initial contact where the next step (one task step length ahead of the
leading ankle) lands on the slope or stairs the target blends into the task's reference over that step
(:class:`BlendedTables`, ``APPROACH_BLEND_CYCLES``), phase kept, then tracks it (``info["on_approach_reference"]``).
A person walks up to stairs with their level gait; without the option the walker treads the approach with
the stairs' pattern (a descent reference asks for the leading foot one riser lower at every contact).
Body: with ``weakness_range=(lo, hi)`` (training of population priors) each reset weakens one side
(the reference's paretic side if it has one, else drawn r or l) by a factor drawn uniformly in ``[lo, hi]`` on its PD gains and torque limits
(``pd.scaled(side, kp=f, torque=f)`` — the unilateral weakness a stroke survivor's personalized body
has), so that a policy trained on healthy references still walks on a paretic body
(``info["weak_side"]``, ``info["weakness"]``); ``None`` keeps ``pd`` fixed.
``reset(options={"weaken": False})`` draws as usual but keeps ``pd`` whole for that episode (factor 1):
the multi-task wrapper weakens only some task families.

## Episode End
Terminated on a fall (pelvis lower than ``FALL_HEIGHT_FRAC`` × leg length above the ground, or trunk
pitch beyond ``FALL_PITCH_RAD``); with ``max_lag_m`` set (training), also when the pelvis is more than
``max_lag_m`` behind where the target speed would have taken it (``info["lagged"]``: standing still or
backing away from a stair is not a way to collect reward); with ``max_retreat_m`` set (training), also
when the pelvis is more than ``max_retreat_m`` behind the farthest point it reached (``info["retreated"]``:
the atlas policy climbed one to five stairs and then walked back down them, still tracking the reference's
joint angles, rather than fail at the next step); with ``max_lead_m`` set (training), also when the pelvis is
more than ``max_lead_m`` ahead of where the target speed would have taken it (``info["ran_ahead"]``: a walker
that runs down a descent loses the rest of its episode; in the pipeline's task training at 0.6 m it made descents
faster, not slower, docs/task_plausibility.md); truncated after ``episode_duration_s``.
``info["success"]`` (final step): no fall and the goal reached (level: ``LEVEL_GOAL_DISTANCE_M`` covered; slope and stairs: past
the end of the feature + ``FEATURE_GOAL_MARGIN_M``). ``info["full_course"]``: the episode started on the
approach (what evaluations and the curriculum count).

## Arguments
One :class:`~rl_gait.envs.config.WalkEnvConfig` (``WalkEnv(config)``, ``gym.make(id, config=cfg)``) or its
fields as keywords (``WalkEnv(stair_fit=False)``; with a config too, they replace its fields): ``task``,
``reference`` (default: the healthy atlas reference for the task), ``body``, ``pd``, ``reward_weights``,
``terrain_layout``, ``episode_duration_s``, ``action_scale_rad``, ``init_noise_rad``, ``feature_start_prob``,
``max_lag_m``, ``max_retreat_m``, ``max_lead_m``, ``weakness_range``, ``trunk_pitch`` (``"upright"``: the ``upright`` reward
and the start state ask for pitch 0; ``"reference"``: for the reference's consistent pitch), ``stair_fit``
(default ``True``: on stairs track the reference fitted to the treads, :mod:`rl_gait.envs.stair_fit`),
``level_approach`` (default ``True``: the level approach is walked with the reference's level gait, see
Starting State), ``swing_clearance_m`` (default 1.5 cm: on level ground track the reference fitted so that each
swing foot clears the stance foot by that much in mid-swing, :mod:`rl_gait.envs.swing_fit`) — ``False`` / ``None``
for any of them is what older policies saw
(:func:`rl_gait.learner.checkpoint.env_config_from_sidecar` gives a checkpoint's config). Rendering only:
``render_mode`` (``"rgb_array"``), ``render_size``.

## Version History
v0: initial release.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np

from rl_gait.body.params import BodyParams, PDParams
from rl_gait.body.planar import FRAME_SKIP, apply_pd, body_layout, build_planar_spec
from rl_gait.envs import rewards as R
from rl_gait.envs.config import WalkEnvConfig, env_config
from rl_gait.envs.stair_fit import corrections_on_grid, fit_stair_corrections
from rl_gait.envs.swing_fit import fit_swing_clearance_cached
from rl_gait.envs.trunk_pitch import (
    consistent_trunk_pitch_rad,
    lowest_point_heights_m,
    near_contact,
    near_initial_contacts,
)
from rl_gait.joints import JOINT_NAMES, SIDE_CODES
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import TERRAIN_KINDS, Task
from rl_gait.terrain.terrain import GroundProfile, add_terrain, apply_task, feature_end_x_m

FALL_HEIGHT_FRAC = 0.55
FALL_PITCH_RAD = 0.9
CONTACT_TOL_M = 0.006
HEIGHT_SAMPLES_X_M = np.round(np.concatenate([np.arange(-0.30, 0.0, 0.05), np.arange(0.05, 1.2001, 0.05)]), 2)
"""Terrain height-map samples (m, forward of the pelvis): every 5 cm from 0.3 m behind to 1.2 m ahead
(30). Version 1 sampled every 15 cm (``LEGACY_HEIGHT_SAMPLES_X_M``): with 30-cm treads that put a riser
anywhere within half a tread of the feet, and an 8-cm riser caught a foot placed across it
(:mod:`rl_gait.learner.migrate` widens a policy trained on version 1, keeping its actions)."""
LEGACY_HEIGHT_SAMPLES_X_M = np.array([-0.3, -0.15, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 1.05, 1.2])
OBSERVATION_SIZES = {"root": 5, "style": 16, "contact": 2, "phase": 2, "ref_next": 6, "task": 6,
                     "terrain": len(HEIGHT_SAMPLES_X_M)}
"""Observation blocks in order (terrain last) and their sizes."""
OBSERVATION_DIM = sum(OBSERVATION_SIZES.values())
PHASE_TABLE_SIZE = 1000
DEFAULT_REFERENCE_SD_RAD = math.radians(5.0)
"""Per-joint scale of a stair fit's corrections for a reference without a between-stride SD."""
LEVEL_GOAL_DISTANCE_M = 3.0
FEATURE_GOAL_MARGIN_M = 1.0
APPROACH_BLEND_CYCLES = 0.5
"""With ``level_approach``: the tracking target moves from the level reference to the task's over this much of
the task's cycle after the switch (one step: from the contact where it starts to the next, the step onto the
feature)."""


def _compile(body: BodyParams, pd: PDParams) -> mujoco.MjModel:
    spec = build_planar_spec(body, pd)
    add_terrain(spec)
    return spec.compile()


def reference_sd_rad(ref: ReferenceMotion, cols: list[int]) -> np.ndarray:
    """``[len(cols)]`` rad: the reference's between-stride SD of those joint columns, averaged over the cycle
    (:data:`DEFAULT_REFERENCE_SD_RAD` for a reference without one): the scale of the stair and swing fits."""
    if ref.joint_angles_sd_rad is None:
        return np.full(len(cols), DEFAULT_REFERENCE_SD_RAD)
    return np.mean(ref.joint_angles_sd_rad, axis=0)[cols]


class ReferenceTables:
    """The reference evaluated once on a fine phase grid, in this body's kinematics.

    ``q``/``qd`` [P, 6]; ``feet`` [P, 4] ankle x/z relative to the pelvis (pelvis frame);
    ``contact_points_xz_m`` [P, 2, 2, 2] the heel and toe spheres' centres relative to the hip (trunk
    upright; foot r/l, heel/toe, x/z); ``trunk_pitch_rad``: the trunk pitch the env asks for — 0 (upright) or, with
    ``trunk_pitch="reference"``, the pitch at which the reference's feet are equally low (on stairs: one riser
    apart) at its initial contacts (:mod:`rl_gait.envs.trunk_pitch`). On stairs with ``stair_fit=True``
    ``q``/``qd`` are the reference plus the smallest smooth correction that puts the feet one tread apart at
    those contacts (:mod:`rl_gait.envs.stair_fit`; ``stair_fit_residuals_m`` [2 contacts, (x, z)] what is left,
    else ``None``); on level ground with ``swing_clearance_m`` they are the reference plus the swing fit
    (:mod:`rl_gait.envs.swing_fit`; ``swing_fit_clearances_m`` ([2] before, [2] after) each side's smallest mid-swing
    clearance in m, else ``None``); ``pelvis_height`` [P] hip height above the
    lowest foot point and ``com_height`` [P] at that pitch; ``natural_speed_m_s``: the no-slip forward
    speed that the reference kinematics imply on this body (mean over the cycle of the faster backward
    ankle speed relative to the pelvis: the stance foot's).
    """

    def __init__(self, ref: ReferenceMotion, model: mujoco.MjModel, env: WalkEnv):
        cols = [ref.column(n) for n in JOINT_NAMES]
        phase = np.arange(PHASE_TABLE_SIZE) / PHASE_TABLE_SIZE
        self.q = ref.angles_at(phase)[:, cols]
        self.qd = ref.velocities_at(phase)[:, cols]
        self.stance = ref.stance_at(phase)  # [P, 2] bool (r, l): the reference's gait events
        data = mujoco.MjData(model)
        lay = env.layout

        def contact_points(q: np.ndarray) -> np.ndarray:  # [2 feet, 2 points, (x, z)] relative to the hip, upright
            data.qpos[:] = 0.0  # pelvis (hip axis) at the origin, trunk upright
            data.qpos[lay.joint_qpos] = q
            mujoco.mj_kinematics(model, data)
            return data.geom_xpos[lay.contact_geoms][..., (0, 2)].copy()

        def kinematics(q_table: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """Contact points [P, 2, 2, 2], feet [P, 4] and pelvis-subtree COM x/z [P, 2] over the phase grid."""
            points, feet, com = [], [], []
            for q in q_table:
                points.append(contact_points(q))
                mujoco.mj_comPos(model, data)
                feet.append(env._feet_rel_pelvis(data))
                com.append(data.subtree_com[lay.pelvis_body, (0, 2)])
            return np.asarray(points), np.asarray(feet), np.asarray(com)

        down = near_initial_contacts(phase, ref.left_contact_phase)
        task = ref.task
        # where each initial contact puts the landing foot (forward, up) relative to the other: on stairs one tread
        # and one riser on (step-over-step), or the leading foot one on and the trailing foot beside it (step-to)
        placements = ref.contact_placements_m() if task.terrain == "stairs" else np.zeros((2, 2))
        right_above_left = np.where(near_contact(phase, 0.0)[down], placements[0, 1], -placements[1, 1])
        points, self.feet, com = kinematics(self.q)
        self.trunk_pitch_rad = (consistent_trunk_pitch_rad(points, down, right_above_left)
                                if env.trunk_pitch == "reference" else 0.0)
        self.stair_fit_residuals_m = None
        if task.terrain == "stairs" and env.stair_fit:  # put the feet on the treads (rl_gait.envs.stair_fit)
            sd = reference_sd_rad(ref, cols)
            coef, self.stair_fit_residuals_m = fit_stair_corrections(
                contact_points, self.q, sd, ref.left_contact_phase, self.trunk_pitch_rad, placements)
            dq, dqd = corrections_on_grid(coef, phase, ref.left_contact_phase, ref.cycle_duration_s)
            self.q, self.qd = self.q + dq, self.qd + dqd
            points, self.feet, com = kinematics(self.q)
        self.swing_fit_clearances_m = None
        speed_feet = self.feet  # the walking speed is the reference's own: the swing fit only lifts the feet
        if task.terrain == "level" and env.swing_clearance_m is not None:  # lift the swing feet (envs.swing_fit)
            sd = reference_sd_rad(ref, cols)
            coef, before, after = fit_swing_clearance_cached(
                contact_points, lambda ph: ref.angles_at(ph)[:, cols], sd, ref.stance_fraction,
                ref.left_contact_phase, self.trunk_pitch_rad, env.swing_clearance_m, model)
            self.swing_fit_clearances_m = (before, after)
            dq, dqd = corrections_on_grid(coef, phase, ref.left_contact_phase, ref.cycle_duration_s)
            self.q, self.qd = self.q + dq, self.qd + dqd
            points, self.feet, com = kinematics(self.q)
        self.contact_points_xz_m = points  # [P, 2, 2, 2] relative to the hip, trunk upright
        c, s_ = math.cos(self.trunk_pitch_rad), math.sin(self.trunk_pitch_rad)
        low_z = lowest_point_heights_m(points, self.trunk_pitch_rad).min(axis=1) - env._contact_radius
        self.pelvis_height = -low_z
        self.com_height = -com[:, 0] * s_ + com[:, 1] * c + self.pelvis_height
        dt_phase = ref.cycle_duration_s / PHASE_TABLE_SIZE
        ankle_x = speed_feet[:, (0, 2)] * c + speed_feet[:, (1, 3)] * s_  # [P, 2] world-horizontal, r and l
        vel = (np.roll(ankle_x, -1, axis=0) - np.roll(ankle_x, 1, axis=0)) / (2 * dt_phase)  # periodic
        # the stance foot moves backward relative to the pelvis at the walking speed, the swing foot forward
        self.natural_speed_m_s = float(np.mean(np.max(-vel, axis=1)))
        self.step_length_m = 0.5 * self.natural_speed_m_s * ref.cycle_duration_s


class BlendedTables:
    """The tables the env tracks while it moves from the level approach reference to the task's
    (``level_approach``): at task phase ``p``, weight ``w = min(((p − start) mod 1) / APPROACH_BLEND_CYCLES, 1)``
    (``start`` rounded down to the phase grid)
    on the task's ``q``, ``feet``, ``com_height``, ``1 − w`` on the approach's; ``qd`` is the derivative of the
    blended ``q`` (including ``ẇ · (q_task − q_approach)``, ``ẇ`` in 1/s); stance, trunk pitch and step length
    are the task's (the step being blended is the one onto the feature)."""

    def __init__(self, approach: ReferenceTables, task: ReferenceTables, start_phase: float, cycle_duration_s: float):
        start = int((start_phase % 1.0) * PHASE_TABLE_SIZE)  # the table row the env reads at start_phase: w = 0
        u = ((np.arange(PHASE_TABLE_SIZE) - start) % PHASE_TABLE_SIZE) / (PHASE_TABLE_SIZE * APPROACH_BLEND_CYCLES)
        w = np.minimum(u, 1.0)
        w_dot = np.where(u < 1.0, 1.0 / (APPROACH_BLEND_CYCLES * cycle_duration_s), 0.0)  # 1/s

        def mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return (1.0 - w)[:, None] * a + w[:, None] * b

        self.q = mix(approach.q, task.q)
        self.qd = mix(approach.qd, task.qd) + w_dot[:, None] * (task.q - approach.q)
        self.feet = mix(approach.feet, task.feet)
        self.com_height = (1.0 - w) * approach.com_height + w * task.com_height
        self.stance = task.stance
        self.trunk_pitch_rad = task.trunk_pitch_rad
        self.step_length_m = task.step_length_m


class WalkEnv(gym.Env):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, config: WalkEnvConfig | None = None, *, render_mode: str | None = None,
                 render_size: tuple[int, int] = (240, 320), **fields: Any):
        self.config = cfg = env_config(config, **fields)
        if cfg.body_model != "planar":
            raise ValueError(f"WalkEnv is the planar body, the config asks for body_model={cfg.body_model!r}: make it "
                             "with rl_gait.envs.registration.make_walk_env or gym.make")
        self.task = cfg.task
        self.body = cfg.body
        self.pd = cfg.pd_params
        self.weights = cfg.reward_weights
        self.terrain_layout = cfg.terrain_layout
        self.episode_duration_s = cfg.episode_duration_s
        self.action_scale_rad = cfg.action_scale_rad
        self.init_noise_rad = cfg.init_noise_rad
        self.feature_start_prob = cfg.feature_start_prob
        self.max_lag_m = cfg.max_lag_m
        self.max_retreat_m = cfg.max_retreat_m
        self.max_lead_m = cfg.max_lead_m
        self.weakness_range = cfg.weakness_range
        self.trunk_pitch = cfg.trunk_pitch
        self.stair_fit = cfg.stair_fit
        self.level_approach = cfg.level_approach
        self.swing_clearance_m = cfg.swing_clearance_m
        self._approach_tables: ReferenceTables | None = None
        self._blend_steps_left = 0
        self._weak_side, self._weakness = None, 1.0
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f"render_mode must be None or 'rgb_array', got {render_mode!r}")
        self.render_mode = render_mode
        self.render_size = render_size
        self._renderer = None

        self.model = _compile(self.body, self.pd)
        self.data = mujoco.MjData(self.model)
        self.layout = body_layout(self.model, self.body)
        self.control_dt = self.model.opt.timestep * FRAME_SKIP
        self._contact_radius = float(self.model.geom_size[self.layout.contact_geoms[0, 0], 0])
        self._leg_length = self.layout.anthro.leg_length_m
        self._tables_cache: dict[int, tuple[ReferenceMotion, ReferenceTables]] = {}
        lay = self.layout
        self._root_q, self._root_v = lay.root_qpos.tolist(), lay.root_qvel.tolist()
        self._jq, self._jv, self._act = _as_slice(lay.joint_qpos), _as_slice(lay.joint_qvel), _as_slice(lay.actuators)
        self._pelvis, self._feet_b = int(lay.pelvis_body), lay.foot_bodies.tolist()
        self._contact_geoms_flat = lay.contact_geoms.reshape(-1)
        self._contact_gap_m = self._contact_radius + CONTACT_TOL_M
        self._fall_height_m = FALL_HEIGHT_FRAC * self._leg_length
        self._q_lo = self.layout.joint_range_rad[:, 0].copy()
        self._q_hi = self.layout.joint_range_rad[:, 1].copy()
        apply_task(self.model, self.task, self.terrain_layout, self.data)
        self._ground = GroundProfile(self.task, self.terrain_layout)
        self._set_reference(cfg.reference if cfg.reference is not None else _default_reference(self.task))

        self.observation_structure: dict[str, slice] = {}
        start = 0
        for name, n in OBSERVATION_SIZES.items():
            self.observation_structure[name] = slice(start, start + n)
            start += n
        self.observation_space = gym.spaces.Box(-np.inf, np.inf, (start,), np.float32)
        st = self.observation_structure["style"].start
        self._blocks = dict(self.observation_structure, style_q=slice(st, st + 6), style_qd=slice(st + 6, st + 12),
                            style_feet=slice(st + 12, st + 16))
        self._obs_buf = np.zeros(start, dtype=np.float64)
        self._query_x = np.zeros(5 + len(HEIGHT_SAMPLES_X_M))
        self.action_space = gym.spaces.Box(-1.0, 1.0, (len(JOINT_NAMES),), np.float32)
        self._phase = 0.0
        self._t = 0.0
        self._x_start = self._x_max = 0.0
        self._last_contact = np.zeros(2, dtype=bool)

    # ------------------------------------------------------------------ configuration
    def _set_reference(self, reference: ReferenceMotion) -> None:
        missing = set(JOINT_NAMES) - set(reference.joint_names)
        if missing:
            raise ValueError(f"reference lacks joints {sorted(missing)}; the env needs all of {JOINT_NAMES}")
        self.reference = reference
        self._task_tables = self._tables(reference)
        self._approach_tables = (self._tables(reference.approach)
                                 if self.level_approach and reference.approach is not None
                                 and self.task.terrain != "level" else None)
        self._track(self._task_tables, reference)
        self.target_speed_m_s = (self.task.speed_m_s if self.task.speed_m_s is not None
                                 else self._task_tables.natural_speed_m_s)
        self._task_obs = self._task_features()
        self._target_vx_m_s = self.target_speed_m_s * self._speed_along_x

    def _tables(self, reference: ReferenceMotion) -> ReferenceTables:
        key = id(reference)
        if key not in self._tables_cache:  # multi-task envs switch between a few references
            self._tables_cache[key] = (reference, ReferenceTables(reference, self.model, self))
        return self._tables_cache[key][1]

    def _track(self, tables: ReferenceTables | BlendedTables, timing: ReferenceMotion) -> None:
        """Track ``tables`` (``self.ref``) at the phase rate of ``timing``'s cycle."""
        self.ref = tables
        self._dphase = self.control_dt / timing.cycle_duration_s
        self._blend_steps_left = 0

    def _maybe_leave_approach(self, previous_phase: float) -> None:
        """``level_approach``: at a reference initial contact (the phase passing 0 or the left contact phase)
        where the next step — one task step length ahead of the leading ankle — lands on the feature, start
        blending into the task's tables; once the blend has run its course, track the task's."""
        if self._blend_steps_left > 0:
            self._blend_steps_left -= 1
            if self._blend_steps_left == 0:
                self._track(self._task_tables, self.reference)
            return
        lo, hi = previous_phase, self._phase
        crossed = any((lo < c <= hi) if lo <= hi else (c > lo or c <= hi) for c in (0.0, self.reference.left_contact_phase))
        if not crossed:
            return
        if not self._next_step_lands_on_feature(max(float(self.data.xpos[b, 0]) for b in self._feet_b)):
            return
        self._track(BlendedTables(self._approach_tables, self._task_tables, self._phase,
                                  self.reference.cycle_duration_s), self.reference)
        self._blend_steps_left = max(1, round(APPROACH_BLEND_CYCLES / self._dphase))

    def _next_step_lands_on_feature(self, lead_x_m: float) -> bool:
        """Whether a step of the task's length from ``lead_x_m`` (m, the leading foot) ends past the level approach."""
        return lead_x_m + self._task_tables.step_length_m >= self.terrain_layout.approach_end_x_m

    @property
    def on_approach_reference(self) -> bool:
        """Whether the env tracks the level approach reference now (``level_approach``)."""
        return self._approach_tables is not None and self.ref is self._approach_tables

    def set_task(self, task: Task | None = None, reference: ReferenceMotion | None = None) -> None:
        """Switch terrain and/or reference in place (no recompile)."""
        if task is not None:
            self.task = task
            apply_task(self.model, task, self.terrain_layout, self.data)
            self._ground = GroundProfile(task, self.terrain_layout)
        if reference is not None or task is not None:
            self._set_reference(reference if reference is not None else self.reference)

    def set_pd(self, pd: PDParams) -> None:
        """The body's PD controller (no recompile); ``weakness_range`` draws are relative to it."""
        self.pd = pd
        apply_pd(self.model, self.layout, pd)

    def _draw_weakness(self, weaken: bool = True) -> None:
        """With ``weakness_range``: weaken a side of ``pd`` for this episode — the reference's paretic side
        if it has one, else a random one (two draws from ``np_random`` either way, also with
        ``weaken=False``, which keeps ``pd`` whole: factor 1); without it nothing is drawn and the model
        keeps ``pd``."""
        if self.weakness_range is None:
            return
        side = ("r", "l")[int(self.np_random.integers(2))]
        side = SIDE_CODES.get(self.reference.paretic_side, side)  # a hemiparetic gait's own side
        drawn = float(self.np_random.uniform(*self.weakness_range))
        factor = drawn if weaken else 1.0
        apply_pd(self.model, self.layout, self.pd.scaled(side, kp=factor, torque=factor))
        self._weak_side, self._weakness = side, factor

    @property
    def goal_distance_m(self) -> float:
        """Distance (m) to cover without falling for ``success``."""
        if self.task.terrain == "level":
            return LEVEL_GOAL_DISTANCE_M
        return self._course_end_x_m() + FEATURE_GOAL_MARGIN_M - self._x_start

    def _course_end_x_m(self) -> float:
        """Forward position (m) where the part of a slope / stairs that counts for success ends: the
        stairs' top (or bottom) step, or 2 m up (or down) the slope."""
        end = feature_end_x_m(self.task, self.terrain_layout)
        return end + 2.0 if self.task.terrain == "slope" else end

    # ------------------------------------------------------------------ state features
    def _feet_rel_pelvis(self, data: mujoco.MjData) -> np.ndarray:
        """Ankle positions relative to the pelvis in the pelvis (trunk) frame, [4]: x_r, z_r, x_l, z_l."""
        lay = self.layout
        xpos = data.xpos
        px, pz = xpos[lay.pelvis_body, 0], xpos[lay.pelvis_body, 2]
        pitch = data.qpos[lay.root_qpos[2]]
        c, s = math.cos(pitch), math.sin(pitch)
        out = []
        for b in lay.foot_bodies:
            dx, dz = xpos[b, 0] - px, xpos[b, 2] - pz
            # pelvis frame: rotate world vectors by −pitch about y (x' = c·x − s·z, z' = s·x + c·z)
            out += (c * dx - s * dz, s * dx + c * dz)
        return np.array(out)

    def style_features(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """Discriminator / style features [16] of a state: joint angles, joint velocities, feet."""
        data = self.data if data is None else data
        return self._style(data, self._feet_rel_pelvis(data))

    def _style(self, data: mujoco.MjData, feet: np.ndarray) -> np.ndarray:
        lay = self.layout
        return np.concatenate([data.qpos[lay.joint_qpos], data.qvel[lay.joint_qvel], feet])

    def _sense(self) -> tuple[np.ndarray, np.ndarray]:
        """All ground heights of the current state in one table lookup, and the foot contacts.

        Returns ``(ground_m, contacts)``: ``ground_m`` [5 + len(HEIGHT_SAMPLES_X_M)] — [0] under the pelvis,
        [1:5] under the heel_r, toe_r, heel_l, toe_l spheres, [5:] at the height-map samples; ``contacts``
        [2] bool (r, l): heel or toe sphere within ``CONTACT_TOL_M`` of the terrain surface.
        """
        pts = self.data.geom_xpos[self._contact_geoms_flat]  # [4, 3]
        qx = self._query_x
        qx[0] = self.data.qpos[self._root_q[0]]
        qx[1:5] = pts[:, 0]
        np.add(qx[0], HEIGHT_SAMPLES_X_M, out=qx[5:])
        ground = np.interp(qx, self._ground.xp, self._ground.fp)
        near = (pts[:, 2] - ground[1:5]) < self._contact_gap_m
        return ground, np.array((near[0] or near[1], near[2] or near[3]))

    def _observe(self) -> np.ndarray:
        """The observation of the current state (no contact bookkeeping)."""
        ground, contacts = self._sense()
        return self._obs(contacts, ground)

    def _task_features(self) -> np.ndarray:
        onehot = np.array([self.task.terrain == k for k in TERRAIN_KINDS], dtype=np.float64)
        grade = np.deg2rad(self.task.grade_deg) if self.task.terrain == "slope" else 0.0
        step = self.task.signed_rise if self.task.terrain == "stairs" else 0.0
        return np.concatenate([onehot, [grade, step, self.target_speed_m_s]])

    def _obs(self, contacts: np.ndarray, ground: np.ndarray, feet: np.ndarray | None = None) -> np.ndarray:
        """Observation from the state, its contacts and ground heights (:meth:`_sense`)."""
        d, o, b = self.data, self._obs_buf, self._blocks
        feet = self._feet_rel_pelvis(d) if feet is None else feet
        g0 = ground[0]
        b_root = b["root"]
        o[b_root.start] = d.qpos[self._root_q[1]] - g0
        o[b_root.start + 1] = d.qpos[self._root_q[2]]
        o[b_root.start + 2: b_root.stop] = d.qvel[self._root_v]
        o[b["style_q"]] = d.qpos[self._jq]
        o[b["style_qd"]] = d.qvel[self._jv]
        o[b["style_feet"]] = feet
        o[b["contact"]] = contacts
        ph = 2 * math.pi * self._phase
        o[b["phase"]] = (math.sin(ph), math.cos(ph))
        o[b["ref_next"]] = self.ref.q[int(((self._phase + self._dphase) % 1.0) * PHASE_TABLE_SIZE)]
        o[b["task"]] = self._task_obs
        np.subtract(ground[5:], g0, out=o[b["terrain"]])
        return o.astype(np.float32)

    # ------------------------------------------------------------------ gym API
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        options = options or {}
        if "task" in options or "reference" in options:
            self.set_task(options.get("task"), options.get("reference"))
        phase = float(options.get("phase", self.np_random.uniform(0.0, 1.0)))
        x_m = float(options["x_m"]) if "x_m" in options else self._draw_start_x_m()
        self._draw_weakness(bool(options.get("weaken", True)))
        self._track(self._task_tables, self.reference)
        if self._approach_tables is not None and not self._next_step_lands_on_feature(x_m):
            self._track(self._approach_tables, self.reference.approach)  # on the level approach: its gait
        self._set_reference_state(self.data, phase, x_m=x_m, noise_rad=self.init_noise_rad, rng=self.np_random)
        self._phase = phase
        self._t = 0.0
        self._x_start = self._x_max = float(self.data.qpos[self.layout.root_qpos[0]])
        ground, contacts = self._sense()
        self._last_contact = contacts
        info = {"phase": self._phase, "task": self.task.name}
        if self.weakness_range is not None:
            info.update(weak_side=self._weak_side, weakness=self._weakness)
        return self._obs(contacts, ground), info

    def _draw_start_x_m(self) -> float:
        """0 (the approach), or with ``feature_start_prob`` a uniform point on the slope / stairs (m).

        Draws once from ``np_random`` whenever ``feature_start_prob > 0`` (whatever the task)."""
        if self.feature_start_prob == 0.0:
            return 0.0
        u = self.np_random.uniform(0.0, 1.0)
        if self.task.terrain == "level" or u >= self.feature_start_prob:
            return 0.0
        x0 = self.terrain_layout.approach_end_x_m
        return x0 + (u / self.feature_start_prob) * (self._course_end_x_m() - x0)  # u < p: u / p is uniform in [0, 1)

    def _set_reference_state(self, data: mujoco.MjData, phase: float, x_m: float = 0.0, noise_rad: float = 0.0,
                             rng: np.random.Generator | None = None) -> None:
        """Put ``data`` at the reference pose of ``phase``: trunk at the reference's pitch, lowest foot point
        on the ground."""
        lay, i = self.layout, int((phase % 1.0) * PHASE_TABLE_SIZE)
        mujoco.mj_resetData(self.model, data)
        q = self.ref.q[i].copy()
        if noise_rad > 0 and rng is not None:
            q += rng.normal(0.0, noise_rad, size=q.shape)
        q = np.clip(q, lay.joint_range_rad[:, 0], lay.joint_range_rad[:, 1])
        data.qpos[lay.joint_qpos] = q
        data.qvel[lay.joint_qvel] = self.ref.qd[i]
        data.qpos[lay.root_qpos] = (x_m, 0.0, self.ref.trunk_pitch_rad)
        data.qvel[lay.root_qvel] = (self.target_speed_m_s, 0.0, 0.0)
        mujoco.mj_kinematics(self.model, data)
        pts = data.geom_xpos[lay.contact_geoms].reshape(-1, 3)
        gap = pts[:, 2] - self._contact_radius - self._ground(pts[:, 0])
        data.qpos[lay.root_qpos[1]] = -gap.min() + 0.001
        data.ctrl[lay.actuators] = q
        mujoco.mj_forward(self.model, data)

    def step(self, action: np.ndarray):
        d, w = self.data, self.weights
        a = np.minimum(np.maximum(np.asarray(action, dtype=np.float64), -1.0), 1.0)  # np.clip, without its overhead
        previous_phase = self._phase
        self._phase = (self._phase + self._dphase) % 1.0
        if self._approach_tables is not None and self.ref is not self._task_tables:
            self._maybe_leave_approach(previous_phase)
        ref = self.ref
        i = int(self._phase * PHASE_TABLE_SIZE)
        q_ref = ref.q[i]
        target = q_ref + self.action_scale_rad * a
        d.ctrl[self._act] = np.minimum(np.maximum(target, self._q_lo), self._q_hi)
        mujoco.mj_step(self.model, d, nstep=FRAME_SKIP)
        self._t += self.control_dt

        qpos, qvel = d.qpos, d.qvel
        x, z, pitch = float(qpos[self._root_q[0]]), float(qpos[self._root_q[1]]), float(qpos[self._root_q[2]])
        vx = float(qvel[self._root_v[0]])
        ground, contacts = self._sense()
        g0 = float(ground[0])
        q, qd = qpos[self._jq], qvel[self._jv]
        feet = self._feet_rel_pelvis(d)
        com_h = float(d.subtree_com[self._pelvis, 2]) - g0

        step_m = None
        for s in (0, 1):
            if contacts[s] and not self._last_contact[s]:  # touchdown of foot s: its lead over the other foot
                step_m = float(d.xpos[self._feet_b[s], 0] - d.xpos[self._feet_b[1 - s], 0])
        self._last_contact = contacts

        fell = (z - g0) < self._fall_height_m or abs(pitch) > FALL_PITCH_RAD or not math.isfinite(x + z + pitch)
        if fell:
            terms = dict.fromkeys(w.term_names, 0.0)  # no reward on the step that falls
        else:
            terms = {
                "pose": R.pose_reward(q, q_ref, w.pose, w.k_pose_per_rad2),
                "joint_velocity": R.joint_velocity_reward(qd, ref.qd[i], w.joint_velocity,
                                                          w.k_joint_velocity_s2_per_rad2),
                "feet": R.feet_reward(feet, ref.feet[i], w.feet, w.k_feet_per_m2),
                "com_height": R.com_height_reward(com_h, ref.com_height[i], w.com_height, w.k_com_height_per_m2),
                "speed": R.speed_reward(vx, self._target_vx_m_s, w.speed, w.k_speed_s2_per_m2),
                "upright": R.upright_reward(pitch - ref.trunk_pitch_rad, w.upright, w.k_upright_per_rad2),
                # per-touchdown weight chosen so that its mean per control step is about w.step_length
                "step_length": R.step_length_reward(step_m, ref.step_length_m,
                                                    w.step_length * self._steps_per_touchdown, w.k_step_length_per_m2),
                "contact": R.contact_timing_reward(contacts, ref.stance[i], w.contact),
                "speed_excess": R.speed_excess_penalty(vx, self._target_vx_m_s, w.speed_excess,
                                                       w.k_speed_excess_s2_per_m2),
            }
        reward = sum(terms.values())
        distance = x - self._x_start
        lagged = (not fell and self.max_lag_m is not None
                  and self._target_vx_m_s * self._t - distance > self.max_lag_m)
        self._x_max = max(self._x_max, x)
        retreated = (not fell and not lagged and self.max_retreat_m is not None
                     and self._x_max - x > self.max_retreat_m)
        ran_ahead = (not (fell or lagged or retreated) and self.max_lead_m is not None
                     and distance - self._target_vx_m_s * self._t > self.max_lead_m)
        ended = fell or lagged or retreated or ran_ahead
        truncated = (not ended) and self._t >= self.episode_duration_s - 1e-9
        info = {f"reward_{k}": v for k, v in terms.items()}
        info.update(
            fell=fell, lagged=lagged, retreated=retreated, ran_ahead=ran_ahead, distance_m=distance, speed_m_s=vx,
            phase=self._phase,
            joint_angles_rad=q.copy(), foot_contact=contacts, torques_nm=d.actuator_force[self._act].copy(),
            foot_pos_rel_pelvis_m=feet.reshape(2, 2), time_s=self._t,
            success=bool(truncated and distance >= self.goal_distance_m), full_course=self._x_start <= 0.0,
            on_approach_reference=self.on_approach_reference,
        )
        return self._obs(contacts, ground, feet), reward, ended, truncated, info

    @property
    def _speed_along_x(self) -> float:
        """Horizontal share of the path speed (cos of the grade on slopes)."""
        return float(np.cos(np.deg2rad(self.task.grade_deg))) if self.task.terrain == "slope" else 1.0

    @property
    def _steps_per_touchdown(self) -> float:
        """Control steps between two touchdowns (two steps per gait cycle)."""
        return 0.5 * self.reference.cycle_duration_s / self.control_dt

    # ------------------------------------------------------------------ rendering
    def render(self):
        if self.render_mode != "rgb_array":
            return None
        if self._renderer is None:
            h, w = self.render_size
            self._renderer = mujoco.Renderer(self.model, height=h, width=w)
        self._renderer.update_scene(self.data, camera="side")
        return self._renderer.render()

    def close(self):
        if self._renderer is not None:
            self._renderer.close()
            self._renderer = None


def _as_slice(idx: np.ndarray) -> slice | np.ndarray:
    """A contiguous index array as a slice (views are faster than fancy indexing in the hot path)."""
    idx = np.asarray(idx)
    if len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))):
        return slice(int(idx[0]), int(idx[0]) + len(idx))
    return idx


def _default_reference(task: Task) -> ReferenceMotion:
    """The healthy atlas reference for ``task`` (the shipped Healthy Motion Atlas)."""
    from rl_gait.reference import healthy_reference

    return healthy_reference(replace(task, speed_m_s=None))
