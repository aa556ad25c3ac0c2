"""Level, slope and stair terrain: built once, re-posed in place per task (dm_control style).

Every walk starts on a level approach that ends at ``approach_end_x_m``; then comes the task's
feature: a ramp of ``grade_deg`` (positive uphill), or ``n_steps`` stairs of ``step_height_m`` ×
``step_depth_m`` going up or down followed by a level landing. All terrain pieces exist in every model
(a ramp, ``MAX_STEPS`` step boxes, a landing), each a box in a mocap body; :func:`apply_task` moves
and tilts them without recompiling, and parks unused ones far below the walker. The analytic profile
:func:`ground_height_m` (and its fast table form :class:`GroundProfile`, used by the envs for the
observed height map) is what tests compare with ray casts and dropped probes of the simulated geometry.
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
_STEP_HALF_LENGTH_M = 10.0
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
    """Add every terrain piece once (approach, ramp, MAX_STEPS steps, landing) to ``spec``.

    Each piece is one box in its own **mocap body**: moving a mocap body at run time is how MuJoCo
    moves static geometry so that collision detection sees it (geoms of the world body keep the
    bounding volumes computed at compile time, so moving them leaves collisions with the old pose).
    Boxes never change size: steps are long boxes (``_STEP_HALF_LENGTH_M``) whose overlapping tops
    form the staircase for any tread depth.
    """
    world = spec.worldbody
    kw = dict(type=mujoco.mjtGeom.mjGEOM_BOX, contype=TERRAIN_CONTYPE, conaffinity=TERRAIN_CONAFFINITY,
              condim=3, friction=(1.0, 0.005, 0.0001))
    pieces = [("approach", (10.0, _HALF_WIDTH_M, _SLAB_HALF_THICKNESS_M), (0.72, 0.72, 0.68, 1)),
              ("ramp", (_RAMP_HALF_LENGTH_M, _HALF_WIDTH_M, _SLAB_HALF_THICKNESS_M), (0.66, 0.7, 0.62, 1))]
    for i in range(MAX_STEPS):
        shade = 0.6 + 0.08 * (i % 2)
        pieces.append((f"step_{i}", (_STEP_HALF_LENGTH_M, _HALF_WIDTH_M, _STEP_HALF_HEIGHT_M),
                       (shade, shade * 0.95, shade * 0.85, 1)))
    pieces.append(("landing", (_STEP_HALF_LENGTH_M, _HALF_WIDTH_M, _STEP_HALF_HEIGHT_M), (0.66, 0.66, 0.6, 1)))
    for name, half, rgba in pieces:
        body = world.add_body(name=f"terrain_{name}", mocap=True, pos=(0, 0, _PARK_Z_M))
        body.add_geom(name=name, size=half, rgba=rgba, **kw)
    light = world.add_light(name="sun", pos=(0, 0, 6), dir=(0, 0.3, -1))
    light.castshadow = False


def _place(model: mujoco.MjModel, data: mujoco.MjData | None, name: str, center: tuple[float, float, float],
           pitch_rad: float = 0.0) -> None:
    """Pose the mocap body of terrain piece ``name`` (in the model's defaults and, if given, in ``data``)."""
    body = model.body(f"terrain_{name}")
    quat = (np.cos(pitch_rad / 2), 0.0, np.sin(pitch_rad / 2), 0.0)
    model.body_pos[body.id], model.body_quat[body.id] = center, quat  # what mj_resetData restores
    if data is not None:
        mocap = model.body_mocapid[body.id]
        data.mocap_pos[mocap], data.mocap_quat[mocap] = center, quat


def apply_task(model: mujoco.MjModel, task: Task, layout: TerrainLayout, data: mujoco.MjData | None = None) -> None:
    """Pose the terrain for ``task`` in place (call ``mj_forward`` on ``data`` afterwards)."""
    x0, th, hh, hl = layout.approach_end_x_m, _SLAB_HALF_THICKNESS_M, _STEP_HALF_HEIGHT_M, _STEP_HALF_LENGTH_M
    _place(model, data, "approach", (x0 - 10.0, 0.0, -th))
    for name in ["ramp", "landing", *(f"step_{i}" for i in range(MAX_STEPS))]:
        _place(model, data, name, (0.0, 0.0, _PARK_Z_M))
    if task.terrain in ("level", "slope"):
        g = np.deg2rad(task.grade_deg if task.terrain == "slope" else 0.0)
        lr = _RAMP_HALF_LENGTH_M
        # rotate by −g about y so the +x end rises for uphill; top-left edge of the box at (x0, 0)
        _place(model, data, "ramp", (x0 + lr * np.cos(g) + th * np.sin(g), 0.0, lr * np.sin(g) - th * np.cos(g)), -g)
        return
    sign = 1.0 if task.ascending else -1.0
    d, h = task.step_depth_m, task.step_height_m
    for i in range(layout.n_steps):
        top = sign * (i + 1) * h
        # the union of the boxes' tops is the staircase: going up, each box starts at its riser and runs
        # on under the higher ones; going down, each ends at its riser and runs back under the higher ones
        left = x0 + i * d if task.ascending else x0 + (i + 1) * d - 2 * hl
        _place(model, data, f"step_{i}", (left + hl, 0.0, top - hh))
    _place(model, data, "landing", (x0 + layout.n_steps * d + hl, 0.0, sign * layout.n_steps * h - hh))
