"""Hemiparetic reference motions: a documented impairment model applied to the Healthy Motion Atlas.

The model (:class:`ImpairmentModel`) describes hemiparetic gait patterns from the stroke literature
(Perry & Burnfield 2010; Olney & Richards 1996) as changes to the atlas curves: reduced paretic knee
flexion in swing, reduced paretic push-off, a longer non-paretic and shorter paretic stance, slower
walking; in the frontal plane (3D body) hip hiking (the paretic side of the pelvis raised through its swing) and
circumduction (the paretic hip abducted in swing; Kerrigan et al. 2000, Am J Phys Med Rehabil 79:247; Chen et al.
2005, Gait Posture 22:51). Two users: the bundled synthetic sample patient (:mod:`rl_gait.pipeline.sample_patient`
renders it to raw IMU) and population priors (:func:`impaired_reference`: tracking targets of a
hemiparetic gait, for training a warm start that already covers the gaits it will be personalized to).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rl_gait.atlas.model import HealthyAtlas, load_atlas
from rl_gait.joints import FRONTAL_REFERENCE_NAMES, JOINT_NAMES, N_CURVE_POINTS
from rl_gait.reference.healthy import frontal_samples, healthy_frontal_curves, side_curves_to_samples
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.tasks import Task


@dataclass(frozen=True)
class ImpairmentModel:
    """A hemiparetic gait pattern, as changes to the healthy atlas curves.

    Attributes:
        paretic_side: ``"left"`` or ``"right"``.
        knee_swing_flexion_reduction: fraction ``r_knee`` (0…1) by which paretic knee flexion in swing
            is reduced over swing (the window opens just after toe-off, so the peak drops less: 0.45 at
            0.6 m/s → peak knee flexion 75 % of healthy).
        pushoff_reduction: fraction ``r_pushoff`` (0…1) by which paretic push-off plantar flexion is reduced.
        stance_shift_pct: Δ, % of the cycle added to the non-paretic stance and removed from the paretic.
        speed_m_s: walking speed (healthy comfortable ≈ 1.3 m/s; community stroke walkers 0.4–0.8).
        paretic_rom_scale: ``s`` (0…1]: the paretic knee and ankle curves scaled about their value at
            initial contact, ``c' = c(0) + s·(c − c(0))`` (stiff-knee gait, a rigid ankle: the StrokeAvatar
            patients' paretic knees move through 8–9° and ankles 4°, ``s ≈ 0.15``); 1 = no change.
        hip_hiking_deg: peak rise (degrees of pelvic obliquity) of the paretic side of the pelvis over its swing,
            added to the healthy obliquity curve (raised-cosine window over the paretic swing); 0 = none.
        circumduction_deg: peak extra abduction (degrees) of the paretic hip over its swing; 0 = none.
    """

    paretic_side: str = "left"
    knee_swing_flexion_reduction: float = 0.45
    pushoff_reduction: float = 0.6
    stance_shift_pct: float = 4.0
    speed_m_s: float = 0.6
    paretic_rom_scale: float = 1.0
    hip_hiking_deg: float = 0.0
    circumduction_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.paretic_side not in ("left", "right"):
            raise ValueError(f"paretic_side must be 'left' or 'right', got {self.paretic_side!r}")
        for name in ("knee_swing_flexion_reduction", "pushoff_reduction"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not 0.0 <= self.stance_shift_pct < 15.0:
            raise ValueError(f"stance_shift_pct must be in [0, 15), got {self.stance_shift_pct}")
        if not 0.0 < self.paretic_rom_scale <= 1.0:
            raise ValueError(f"paretic_rom_scale must be in (0, 1], got {self.paretic_rom_scale}")
        for name in ("hip_hiking_deg", "circumduction_deg"):
            if not 0.0 <= getattr(self, name) <= 20.0:
                raise ValueError(f"{name} must be in [0, 20] degrees, got {getattr(self, name)}")
        if not 0.2 <= self.speed_m_s <= 2.0:
            raise ValueError(f"speed_m_s must be in [0.2, 2.0], got {self.speed_m_s}")

    @property
    def side(self) -> str:
        """The paretic side as a joint-name suffix: ``"l"`` or ``"r"``."""
        return "l" if self.paretic_side == "left" else "r"

    def stance_end(self, side: str, stance_frac: float) -> float:
        """Stance end (cycles) of ``side`` (``"r"``/``"l"``) given the atlas's ``stance_frac``: shorter by
        Δ on the paretic side, longer by Δ on the other."""
        shift = self.stance_shift_pct / 100.0
        return stance_frac - shift if side == self.side else stance_frac + shift


def smooth_window(phase: np.ndarray, start: float, stop: float, ramp: float) -> np.ndarray:
    """Periodic window over gait phase (cycles): 1 on ``[start, stop]``, 0 outside ``[start−ramp,
    stop+ramp]``, raised-cosine edges of width ``ramp``. Phase and bounds in cycles (wrapped to [0, 1))."""
    p = np.mod(np.asarray(phase, float) - start + ramp, 1.0)  # 0 at the start of the rising edge
    width = (stop - start) % 1.0
    rise = np.clip(p / ramp, 0.0, 1.0)
    fall = np.clip((width + 2 * ramp - p) / ramp, 0.0, 1.0)
    return 0.5 * (1 - np.cos(np.pi * np.minimum(rise, fall)))


def stance_warp(phase: np.ndarray, stance_from: float, stance_to: float) -> np.ndarray:
    """Map the walked phase to the atlas phase so that the atlas stance end ``stance_from`` (cycles)
    happens at ``stance_to``: piecewise-linear, monotone, periodic (0 → 0, ``stance_to`` → ``stance_from``)."""
    p = np.mod(np.asarray(phase, float), 1.0)
    return np.where(p < stance_to, p * stance_from / stance_to,
                    stance_from + (p - stance_to) * (1 - stance_from) / (1 - stance_to))


def impaired_curves(healthy_rad: dict[str, np.ndarray], stance_frac: float, model: ImpairmentModel
                    ) -> dict[str, np.ndarray]:
    """Apply the knee-swing and push-off reductions, then the range-of-motion scale, of ``model`` to the
    paretic side's ``[101]`` curves (radians, phase 0 = that side's initial contact); the other side is
    returned unchanged."""
    s = model.side
    phase = np.linspace(0.0, 1.0, N_CURVE_POINTS)
    out = {k: np.array(v, float) for k, v in healthy_rad.items()}
    w_swing = smooth_window(phase, stance_frac + 0.03, 0.95, 0.06)
    out[f"knee_{s}"] = healthy_rad[f"knee_{s}"] * (1 - model.knee_swing_flexion_reduction * w_swing)
    w_po = smooth_window(phase, stance_frac - 0.15, stance_frac + 0.10, 0.05)
    a = healthy_rad[f"ankle_{s}"]
    out[f"ankle_{s}"] = a - model.pushoff_reduction * w_po * np.minimum(a, 0.0)
    for j in (f"knee_{s}", f"ankle_{s}"):
        out[j] = out[j][0] + model.paretic_rom_scale * (out[j] - out[j][0])
    return out


def impaired_frontal_curves(healthy_rad: dict[str, np.ndarray], stance_end: dict[str, float], model: ImpairmentModel
                            ) -> dict[str, np.ndarray]:
    """Hip hiking and circumduction of ``model`` added to healthy frontal curves (``{name: [101]}`` rad, names of
    :data:`~rl_gait.joints.FRONTAL_REFERENCE_NAMES`; a missing one counts as 0), in the walked phase: the hips at
    their own contact, the pelvis over right strides (left contact at 0.5); ``stance_end`` (cycles) per side
    ``"r"``/``"l"``. The paretic swing window runs from its stance end to the next contact (raised-cosine edges of
    0.05 cycles); the obliquity bump raises the paretic side (left side up is positive); the obliquity curve is then
    centred on its healthy mean, as a patient's measured curve is (:func:`rl_gait.reference.patient.patient_frontal_curves`)."""
    s = model.side
    phase = np.linspace(0.0, 1.0, N_CURVE_POINTS)
    zero = np.zeros(N_CURVE_POINTS)
    out = {n: np.array(healthy_rad.get(n, zero), dtype=np.float64) for n in FRONTAL_REFERENCE_NAMES}
    own_swing = smooth_window(phase, stance_end[s] + 0.03, 0.97, 0.05)
    out[f"hip_adduction_{s}"] = out[f"hip_adduction_{s}"] - np.radians(model.circumduction_deg) * own_swing
    shift = 0.0 if s == "r" else 0.5  # the paretic swing in the right stride's phase
    pelvis_swing = smooth_window(phase, (stance_end[s] + 0.03 + shift) % 1.0, (0.97 + shift) % 1.0, 0.05)
    up = 1.0 if s == "l" else -1.0  # left side up is positive obliquity
    base = out["pelvic_obliquity"]
    hiked = base + up * np.radians(model.hip_hiking_deg) * pelvis_swing
    out["pelvic_obliquity"] = hiked - hiked.mean() + base.mean()
    return out


def impaired_reference(model: ImpairmentModel, atlas: HealthyAtlas | None = None) -> ReferenceMotion:
    """Level-walking reference of the hemiparetic gait ``model`` describes.

    Atlas level curves (optical source) at ``model.speed_m_s``; :func:`impaired_curves` on the paretic
    side; each side's phase warped (:func:`stance_warp`) so that its stance ends at the atlas stance
    ± ``stance_shift_pct`` (paretic shorter, non-paretic longer); stride time from the atlas cadence at
    that speed; left contact half a cycle after the right. ``paretic_side`` is the model's.
    """
    atlas = atlas or load_atlas()
    v = model.speed_m_s
    level = atlas.mean_curves(v, "optical")  # [J, 101], JOINT_NAMES order
    st = atlas.spatiotemporal_at(v)
    stance = st["stance_pct"] / 100.0
    curves = impaired_curves({n: level[j] for j, n in enumerate(JOINT_NAMES)}, stance, model)
    phase = np.linspace(0.0, 1.0, N_CURVE_POINTS)
    own = phase[:-1]
    warped = np.empty_like(level)
    for j, name in enumerate(JOINT_NAMES):
        stance_to = model.stance_end(name.rsplit("_", 1)[1], stance)
        warped[j] = np.interp(stance_warp(phase, stance, stance_to), own, curves[name][:-1], period=1.0)
    stride_time = 120.0 / st["cadence_steps_per_min"]
    frontal = impaired_frontal_curves(healthy_frontal_curves(atlas, v),
                                      {side: model.stance_end(side, stance) for side in ("r", "l")}, model)
    frontal_names, frontal_samples_rad = frontal_samples(frontal, 0.5)
    return ReferenceMotion(
        joint_names=JOINT_NAMES, joint_angles_rad=side_curves_to_samples(warped, 0.5),
        cycle_duration_s=stride_time, speed_m_s=v, stride_length_m=v * stride_time,
        task=Task("level", speed_m_s=v), paretic_side=model.paretic_side,
        source=f"impaired_reference({model}) on healthy atlas v{atlas.meta.get('version', '?')} (optical)",
        stance_fraction=(model.stance_end("r", stance), model.stance_end("l", stance)), left_contact_phase=0.5,
        frontal_names=frontal_names, frontal_angles_rad=frontal_samples_rad,
    )
