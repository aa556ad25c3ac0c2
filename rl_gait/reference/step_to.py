"""Step-to (non-reciprocal) stair references, built from a person's step-over-step stair reference.

Step-to ("step-by-step", "marking time") is how many stroke survivors, older adults and people with painful
knees walk stairs: both feet on every tread, the same leg always first. Clinically: **up with the non-paretic
leg, down with the paretic leg** (the stronger leg lifts the body up a riser and lowers it down one). Reid et
al. 2007 measured the two legs' roles in healthy adults (step-over-step vs step-by-step lead-leg and trail-leg
patterns on a four-step staircase; Reid SM, Lynn SK, Musselman RP, Costigan PA. Knee biomechanics of alternate
stair ambulation patterns. Med Sci Sports Exerc 2007;39:2005-2011): going up, the leading leg's knee loads as
in step-over-step (peak flexion moment 0.97 vs 0.96 N·m/kg) and the trailing leg barely works (0.14); going
down, the trailing leg — the one that stays on the upper tread and lowers the body — carries it (1.11 vs
1.05 N·m/kg step-over-step) and the leading leg little (0.18).

Construction (:func:`step_to_reference`; a documented assumption, not fitted to step-to recordings, which this
project does not have):

1. Each leg keeps its joint pattern of the person's step-over-step stair reference (the atlas' or
   ``reference_for(trial, task)``: level pattern + the literature stair deviation, scaled by the patient's
   range of motion), left contact half a cycle after the right as there, and its stance fraction.
2. A cycle holds two steps but climbs (descends) **one** tread: the leading foot lands one tread ahead and one
   riser up (down), the trailing foot lands beside it (:meth:`ReferenceMotion.contact_placements_m`). The
   stride length along the path is ``hypot(depth, rise)`` — half the step-over-step stride — and the stride
   time the step-over-step one, so the speed is half of it (two steps per tread instead of one).
3. The walking env fits each leg's pattern to those placements on the body
   (:mod:`rl_gait.envs.stair_fit`, the same least-change fit that puts step-over-step feet on the treads), and
   its trunk pitch to them (:mod:`rl_gait.envs.trunk_pitch`): the leading leg's swing is the step-over-step
   swing shortened to one riser, the trailing leg's a swing to beside it — the small trailing-leg effort
   going up that Reid et al. measured is what the fit leaves of its pattern.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from rl_gait.reference.motion import ReferenceMotion


def step_to_leading_side(paretic_side: str, ascending: bool) -> str:
    """The leg that steps onto the next tread first: going up the non-paretic, going down the paretic ("up with
    the good, down with the bad"); ``"right"`` for a reference without a paretic side (``"none"``: a healthy
    person, whose leading leg we take to be the right by convention)."""
    if paretic_side not in ("left", "right", "none"):
        raise ValueError(f"paretic_side must be left/right/none, got {paretic_side!r}")
    if paretic_side == "none":
        return "right"
    other = "left" if paretic_side == "right" else "right"
    return other if ascending else paretic_side


def step_to_reference(stairs: ReferenceMotion) -> ReferenceMotion:
    """The step-to reference of a step-over-step stairs reference (see the module docstring): same joint
    pattern, stride time, stance and approach; one tread per cycle (stride length ``hypot(depth, rise)``, speed
    halved); the leading side from :func:`step_to_leading_side`."""
    task = stairs.task
    if task.terrain != "stairs" or stairs.stair_strategy != "step_over_step":
        raise ValueError(f"step_to_reference needs a step-over-step stairs reference, got {task.name!r} "
                         f"({stairs.stair_strategy})")
    length = float(np.hypot(task.step_depth_m, task.step_height_m))
    speed = length / stairs.cycle_duration_s
    lead = step_to_leading_side(stairs.paretic_side, task.ascending)
    return replace(stairs, stride_length_m=length, speed_m_s=speed, task=task.with_speed(speed),
                   stair_strategy="step_to", leading_side=lead,
                   source=f"{stairs.source}; step-to, {lead} leg first (rl_gait.reference.step_to, Reid 2007)")


def strategy_duration_s(duration_s: float, step_over_step_speed_m_s: float, strategy_speed_m_s: float) -> float:
    """Episode length (s) of a stair strategy: ``duration_s`` stretched by how much slower the strategy's reference
    walks than step-over-step (step-to: two steps per tread, about half the speed, twice the time) — the same course
    in the same number of gait cycles, so that a slower strategy is not failed for the clock."""
    return float(duration_s) * max(1.0, step_over_step_speed_m_s / strategy_speed_m_s)
