"""Level, slope and stair terrain: built once, re-posed in place per task (dm_control style).

Every walk starts on a level approach that ends at ``approach_end_x_m``; then comes the task's
feature: a ramp of ``grade_deg`` (positive uphill), or ``n_steps`` stairs of ``step_height_m`` ×
``step_depth_m`` going up or down followed by a level landing. All terrain geoms exist in every model
(a ramp, ``MAX_STEPS`` step boxes, a landing); :func:`apply_task` moves, tilts and resizes them in
``model`` without recompiling, and parks unused ones far below the walker. The analytic profile
:func:`ground_height_m` is what the envs observe (terrain height map) and what tests compare with
ray casts of the simulated geometry.
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from rl_gait.body.planar import TERRAIN_CONAFFINITY, TERRAIN_CONTYPE
from rl_gait.tasks import Task

MAX_STEPS = 12
_HALF_WIDTH_M = 1.0
_RAMP_HALF_LENGTH_M = 40.0
_SLAB_HALF_THICKNESS_M = 0.5
_STEP_HALF_HEIGHT_M = 1.5  # step boxes reach 3 m down: solid stairs
_PARK_Z_M = -200.0


@dataclass(frozen=True)
class TerrainLayout:
    """Where the feature starts and how many stairs it has (structure shared by all tasks)."""

    approach_end_x_m: float = 1.0
    n_steps: int = 6

    def __post_init__(self) -> None:
        if not 1 <= self.n_steps <= MAX_STEPS:
            raise ValueError(f"n_steps must be within 1..{MAX_STEPS}, got {self.n_steps}")


def ground_height_m(task: Task, layout: TerrainLayout, x_m: np.ndarray | float) -> np.ndarray:
    """Terrain surface height (m) at forward positions ``x_m`` (m), any shape."""
    x = np.asarray(x_m, dtype=np.float64)
    u = x - layout.approach_end_x_m  # distance into the feature
    if task.terrain == "slope":
        return np.where(u > 0, u * np.tan(np.deg2rad(task.grade_deg)), 0.0)
    if task.terrain == "stairs":
        sign = 1.0 if task.ascending else -1.0
        k = np.clip(np.floor(u / task.step_depth_m) + 1, 0, layout.n_steps)
        return np.where(u >= 0, sign * k * task.step_height_m, 0.0)
    return np.zeros_like(x)


class GroundProfile:
    """:func:`ground_height_m` of one task as a piecewise-linear table: one ``np.interp`` per call.

    Stair risers are vertical jumps (repeated breakpoints); equal to :func:`ground_height_m` everywhere
    except exactly on a riser. Used in the env's hot path.
    """

    def __init__(self, task: Task, layout: TerrainLayout, far_m: float = 200.0):
        x0 = layout.approach_end_x_m
        if task.terrain == "stairs":
            d, n = task.step_depth_m, layout.n_steps
            edges = x0 + d * np.arange(n + 1)
            xp = np.repeat(edges, 2)[:-1]
            xp = np.append(xp, x0 + far_m)
            levels = (1.0 if task.ascending else -1.0) * task.step_height_m * np.arange(n + 1)
            fp = np.empty(2 * n + 2)
            fp[0::2] = levels
            fp[1:-1:2] = levels[1:]
            fp[-1] = levels[-1]
            self.xp, self.fp = xp, fp
        else:
            slope = np.tan(np.deg2rad(task.grade_deg)) if task.terrain == "slope" else 0.0
            self.xp = np.array([x0, x0 + far_m])
            self.fp = np.array([0.0, slope * far_m])

    def __call__(self, x_m: np.ndarray | float) -> np.ndarray:
        return np.interp(x_m, self.xp, self.fp)


def feature_end_x_m(task: Task, layout: TerrainLayout) -> float:
    """Forward position where the task's feature ends (stairs: the first landing edge)."""
    if task.terrain == "stairs":
        return layout.approach_end_x_m + layout.n_steps * task.step_depth_m
    return layout.approach_end_x_m


def add_terrain(spec: mujoco.MjSpec) -> None:
    """Add every terrain geom once (approach, ramp, MAX_STEPS steps, landing) to ``spec``'s world."""
    world = spec.worldbody
    kw = dict(type=mujoco.mjtGeom.mjGEOM_BOX, contype=TERRAIN_CONTYPE, conaffinity=TERRAIN_CONAFFINITY,
              condim=3, friction=(1.0, 0.005, 0.0001))
    world.add_geom(name="approach", size=(10.0, _HALF_WIDTH_M, _SLAB_HALF_THICKNESS_M),
                   pos=(-9.0, 0, -_SLAB_HALF_THICKNESS_M), rgba=(0.72, 0.72, 0.68, 1), **kw)
    world.add_geom(name="ramp", size=(_RAMP_HALF_LENGTH_M, _HALF_WIDTH_M, _SLAB_HALF_THICKNESS_M),
                   pos=(1.0 + _RAMP_HALF_LENGTH_M, 0, -_SLAB_HALF_THICKNESS_M), rgba=(0.66, 0.7, 0.62, 1), **kw)
    for i in range(MAX_STEPS):
        shade = 0.6 + 0.08 * (i % 2)
        world.add_geom(name=f"step_{i}", size=(0.15, _HALF_WIDTH_M, _STEP_HALF_HEIGHT_M),
                       pos=(0, 0, _PARK_Z_M), rgba=(shade, shade * 0.95, shade * 0.85, 1), **kw)
    world.add_geom(name="landing", size=(20.0, _HALF_WIDTH_M, _STEP_HALF_HEIGHT_M),
                   pos=(0, 0, _PARK_Z_M), rgba=(0.66, 0.66, 0.6, 1), **kw)
    light = world.add_light(name="sun", pos=(0, 0, 6), dir=(0, 0.3, -1))
    light.castshadow = False


def _set_box(model: mujoco.MjModel, gid: int, center: tuple[float, float, float],
             half: tuple[float, float, float], pitch_rad: float = 0.0) -> None:
    model.geom_pos[gid] = center
    model.geom_quat[gid] = (np.cos(pitch_rad / 2), 0.0, np.sin(pitch_rad / 2), 0.0)
    # the compiler marks unrotated world geoms "same frame as the body" and then ignores geom_quat
    model.geom_sameframe[gid] = 0
    model.geom_size[gid] = half
    # broad-phase bounds follow the new size
    model.geom_rbound[gid] = float(np.linalg.norm(half))
    model.geom_aabb[gid] = (0.0, 0.0, 0.0, *half)


def apply_task(model: mujoco.MjModel, task: Task, layout: TerrainLayout) -> None:
    """Pose the terrain geoms of ``model`` for ``task`` in place (call ``mj_forward`` afterwards)."""
    x0 = layout.approach_end_x_m
    ramp, landing = model.geom("ramp").id, model.geom("landing").id
    steps = [model.geom(f"step_{i}").id for i in range(MAX_STEPS)]
    approach = model.geom("approach").id
    _set_box(model, approach, (x0 - 10.0, 0, -_SLAB_HALF_THICKNESS_M), (10.0, _HALF_WIDTH_M, _SLAB_HALF_THICKNESS_M))
    for gid in [*steps, landing, ramp]:
        model.geom_pos[gid] = (0.0, 0.0, _PARK_Z_M)
    if task.terrain in ("level", "slope"):
        g = np.deg2rad(task.grade_deg if task.terrain == "slope" else 0.0)
        lr, th = _RAMP_HALF_LENGTH_M, _SLAB_HALF_THICKNESS_M
        # rotate by −g about y so the +x end rises for uphill; top-left edge of the box at (x0, 0)
        center = (x0 + lr * np.cos(g) + th * np.sin(g), 0.0, lr * np.sin(g) - th * np.cos(g))
        _set_box(model, ramp, center, (lr, _HALF_WIDTH_M, th), pitch_rad=-g)
        return
    sign = 1.0 if task.ascending else -1.0
    d, h, hh = task.step_depth_m, task.step_height_m, _STEP_HALF_HEIGHT_M
    for i in range(layout.n_steps):
        top = sign * (i + 1) * h
        _set_box(model, steps[i], (x0 + (i + 0.5) * d, 0.0, top - hh), (0.5 * d, _HALF_WIDTH_M, hh))
    top = sign * layout.n_steps * h
    _set_box(model, landing, (x0 + layout.n_steps * d + 20.0, 0.0, top - hh), (20.0, _HALF_WIDTH_M, hh))
