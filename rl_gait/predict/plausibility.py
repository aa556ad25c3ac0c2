"""Plausibility of a healthy prediction against published healthy values, and which levels are extrapolation.

Expected healthy values per task level (:func:`expected_ranges`), each a ``(low, high)`` band with its source:

- **level**: speed 1.27–1.46 m/s, the range of the comfortable-speed means of healthy adults aged 20–79 by decade
  and sex (Bohannon 1997); cadence 113 steps/min ± 10 % (the adult mean of Perry & Burnfield 2010; men 111, women
  117; the ±10 % band is ours — the atlas' cadence SD, 25 steps/min across clips of mixed speed, is too wide to
  test anything); stance % of the healthy optical StrokeAvatar strides at the comfortable speed (the shipped atlas,
  :mod:`rl_gait.atlas`) ± 2 SD.
- **slopes and stairs**: the level values changed by the cited literature task priors
  (``rl_gait/data/atlas/task_priors.json``: Lay 2006, McIntosh 2006, Leroux 2002 for slopes; Riener 2002,
  Protopapadaki 2007, Nadeau 2003, Beaulieu 2008 for stairs) — slope speed × stride-length ratio / stride-time
  ratio, cadence / stride-time ratio, stance + the prior's points, each widened by twice the prior's stated
  uncertainty; stairs: the speed along the path of two treads per stride at the prior's stride time, the prior's
  stance % ± 2 SD.
- **peak hip, knee and ankle flexion** on every level: the peak of the healthy reference of the task (atlas level
  curves + the prior's joint deviation, :func:`rl_gait.reference.healthy_reference`) ± 2 × its SD there
  (between-stride SD of the atlas ⊕ the prior's read-off uncertainty).

**Extrapolation** (:func:`extrapolation`): a slope steeper than the published slope data (9°, the priors' note:
Lay 2006 and McIntosh 2006 reach 8.5–9°), or a staircase whose inclination ``atan(rise / going)`` lies outside the
24–42° that Riener 2002 measured; there the expected band is the priors' linear extension, not data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from rl_gait.tasks import Task

LEVEL_SPEED_M_S = (1.27, 1.46)
"""Comfortable walking speed of healthy adults, range of the decade-by-sex means (Bohannon RW. Comfortable and
maximum walking speed of adults aged 20-79 years: reference values and determinants. Age Ageing 1997;26:15-19)."""
SLOPE_DATA_MAX_DEG = 9.0
"""Steepest grade of the slope studies behind the priors (task_priors.json note: 8.5–9°)."""
STAIR_INCLINATION_DEG = (24.0, 42.0)
"""Staircase inclinations measured by Riener 2002 (task_priors.json citation)."""
LEVEL_CADENCE_STEPS_PER_MIN = 113.0
"""Mean free-walking cadence of adults (Perry J, Burnfield JM. Gait Analysis: Normal and Pathological Function,
2nd ed. Slack 2010)."""
CADENCE_TOLERANCE = 0.10
"""Relative half width of the level cadence band (ours)."""
N_SD = 2.0
"""Half width of every band in standard deviations."""


@dataclass(frozen=True)
class Band:
    """An expected healthy value range and where it comes from."""

    low: float
    high: float
    source: str

    def contains(self, x: float | None) -> bool | None:
        """Whether ``x`` lies in the band (``None`` when ``x`` is missing)."""
        if x is None or not math.isfinite(x):
            return None
        return self.low <= x <= self.high


def stair_inclination_deg(task: Task) -> float:
    """``atan(rise / going)`` of a staircase, degrees."""
    return math.degrees(math.atan2(task.step_height_m, task.step_depth_m))


def extrapolation(task: Task) -> str | None:
    """Why a level lies outside the cited data (a sentence), or ``None`` inside them (level ground: inside)."""
    if task.terrain == "slope" and abs(task.grade_deg) > SLOPE_DATA_MAX_DEG:
        return (f"{abs(task.grade_deg):g}° is steeper than the slope data behind the priors (≤ {SLOPE_DATA_MAX_DEG:g}°, "
                "Lay 2006, McIntosh 2006): the priors' linear extension")
    if task.terrain == "stairs":
        incl = stair_inclination_deg(task)
        lo, hi = STAIR_INCLINATION_DEG
        if not lo <= incl <= hi:
            return (f"a {task.step_height_m * 100:g}/{task.step_depth_m * 100:g} cm staircase is inclined {incl:.0f}°, "
                    f"outside the {lo:g}–{hi:g}° Riener 2002 measured: the stair prior scaled by the rise")
    return None


def scaled_band(centre: float, half_width: float, source: str) -> Band:
    """``centre ± half_width`` as a :class:`Band`."""
    return Band(centre - half_width, centre + half_width, source)


def expected_ranges(task: Task) -> dict[str, Band]:
    """Expected healthy values on ``task`` (see the module docstring): ``speed_m_s``, ``cadence_steps_per_min``,
    ``stance_pct`` and ``peak_{hip,knee,ankle}_deg``."""
    from rl_gait.atlas.model import load_atlas
    from rl_gait.atlas.priors import load_task_priors, task_deviation
    from rl_gait.joints import JOINT_NAMES
    from rl_gait.reference import healthy_reference

    atlas = load_atlas()
    st = atlas.spatiotemporal_at(atlas.comfortable_speed_m_s)
    cad, cad_tol = LEVEL_CADENCE_STEPS_PER_MIN, CADENCE_TOLERANCE
    stance, stance_sd = st["stance_pct"], st["stance_pct_sd"]
    dev = task_deviation(task)
    pri = load_task_priors()
    src_level = "atlas (StrokeAvatar healthy optical) at comfortable speed"
    out: dict[str, Band] = {}
    if task.terrain == "level":
        out["speed_m_s"] = Band(*LEVEL_SPEED_M_S, "Bohannon 1997")
        out["cadence_steps_per_min"] = scaled_band(cad, cad_tol * cad, "Perry & Burnfield 2010 (±10 %, ours)")
        out["stance_pct"] = scaled_band(stance, N_SD * stance_sd, src_level)
    elif task.terrain == "slope":
        table = pri["slope"]["up" if task.grade_deg > 0 else "down"]
        g = abs(task.grade_deg)
        rel_sd = N_SD * table["spatiotemporal"]["sd_pct_per_deg"] * g / 100.0
        src = "priors " + ", ".join(table["sources"]) + " on the level values"
        ratio = dev.stride_length_ratio / dev.stride_time_ratio
        out["speed_m_s"] = Band(LEVEL_SPEED_M_S[0] * ratio * (1 - rel_sd), LEVEL_SPEED_M_S[1] * ratio * (1 + rel_sd), src)
        c = cad / dev.stride_time_ratio
        out["cadence_steps_per_min"] = Band(c * (1 - rel_sd - cad_tol), c * (1 + rel_sd + cad_tol), src)
        out["stance_pct"] = scaled_band(stance + dev.stance_pct_points, N_SD * stance_sd, src)
    else:
        table = pri["stairs"]["ascent" if task.ascending else "descent"]["spatiotemporal"]
        src = "priors " + ", ".join(pri["stairs"]["ascent" if task.ascending else "descent"]["sources"])
        ratio, ratio_sd = table["stride_time_ratio_to_level"], table["stride_time_ratio_sd"]
        t_lo = (120.0 / (cad * (1 + cad_tol))) * (ratio - N_SD * ratio_sd)
        t_hi = (120.0 / (cad * (1 - cad_tol))) * (ratio + N_SD * ratio_sd)
        path = 2.0 * math.hypot(task.step_depth_m, task.step_height_m)
        out["speed_m_s"] = Band(path / t_hi, path / t_lo, src + " (two treads per stride)")
        out["cadence_steps_per_min"] = Band(120.0 / t_hi, 120.0 / t_lo, src)
        out["stance_pct"] = scaled_band(table["stance_pct"], N_SD * table["stance_pct_sd"], src)
    ref = healthy_reference(task)
    q = ref.angles_at(np.arange(200) / 200.0)
    sd = np.asarray(ref.joint_angles_sd_rad)
    sd_at = lambda j, i: float(sd[int(i * sd.shape[0] / 200) % sd.shape[0], j])  # noqa: E731
    src = "atlas + priors (healthy_reference)" if task.terrain != "level" else src_level
    for joint in ("hip", "knee", "ankle"):
        peaks, sds = [], []
        for side in ("r", "l"):
            j = JOINT_NAMES.index(f"{joint}_{side}")
            i = int(np.argmax(q[:, j]))
            peaks.append(math.degrees(q[i, j]))
            sds.append(math.degrees(sd_at(j, i)))
        out[f"peak_{joint}_deg"] = scaled_band(float(np.mean(peaks)), N_SD * float(np.mean(sds)), src)
    return out


def predicted_values(level: dict) -> dict[str, float | None]:
    """The healthy prediction's values of one ``predictions.json`` level, keyed as :func:`expected_ranges`: mean
    speed of the successful rollouts, cadence, stance (mean of the sides), peak angles (mean of the sides)."""
    m = level["metrics"]

    def mean(*xs):
        vals = [x for x in xs if x is not None]
        return float(np.mean(vals)) if vals else None

    out = {"speed_m_s": level.get("speed_m_s_successful"), "cadence_steps_per_min": m["cadence_steps_per_min"],
           "stance_pct": mean(m["stance_pct_r"], m["stance_pct_l"])}
    for joint in ("hip", "knee", "ankle"):
        out[f"peak_{joint}_deg"] = mean(level["joints"][f"{joint}_r"]["peak_angle_deg"],
                                        level["joints"][f"{joint}_l"]["peak_angle_deg"])
    return out
