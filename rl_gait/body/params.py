"""Typed parameters of the personalized body and its PD controller (what personalization fits).

``PDParams`` holds one gain / damping / torque limit per joint and side, ordered as
:data:`rl_gait.joints.JOINT_NAMES` (the planar body) or :data:`rl_gait.joints.JOINT_NAMES_3D` (the 3D body:
the same six sagittal joints first, then hip ab/adduction and rotation, ankle inversion per side and the
lumbar joint). Paretic weakness is a lower ``kp`` and ``torque_limit_nm`` on one side
(``pd.scaled("l", kp=0.6, torque=0.5)``, every joint of that side). The PD law is :func:`pd_torque_nm`.
A planar ``PDParams`` (six values, what every checkpoint before the 3D body holds) becomes a 3D one with
:meth:`PDParams.extended_3d`: the 3D defaults (the 3D prototype's gains, softer knee and ankle than the planar
body's) scaled as the planar values are scaled from the planar defaults.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from rl_gait.joints import JOINT_NAMES, JOINT_NAMES_3D, JOINT_TYPES, SIDES, joint_side, joint_type

# Per-kg defaults for a healthy adult, scaled by mass × height / 1.70 m (torque ~ m g L). Peak sagittal
# joint moments in level walking are ~1.0 (hip), ~0.8 (knee), ~1.5 (ankle) N·m/kg (Winter 2009, ch. 5);
# limits leave headroom for slopes and stairs (stair ascent knee ~1.2 N·m/kg, Riener et al. 2002).
_KP_PER_KG = {"hip": 6.0, "knee": 8.0, "ankle": 12.0}  # N·m/rad per kg: the lowest that stands 5 s (tests)
_KD_OVER_KP_S = 0.1  # kd = 0.1 s × kp: critically damped-ish at the control rate
_TORQUE_PER_KG = {"hip": 2.5, "knee": 2.5, "ankle": 2.2}  # N·m per kg
# The 3D body's other joints, per kg (same scaling). Hip ab/adduction must hold single-leg stance (> 60 N·m in
# the frontal plane for 70 kg; kp 300 N·m/rad walked in the 3D prototype of shared/docs/SIM_NOTES.md, 100 did
# not); rotation and ankle inversion as the prototype (100 N·m/rad for 70 kg), the lumbar joint as the hip.
# The 3D body's sagittal joints also take the prototype's values (hip and knee 400 N·m/rad, limit 200 N·m; ankle
# 200 N·m/rad, limit 150 N·m for 70 kg): with the planar body's stiffer knee and ankle (560 / 840 N·m/rad) the 3D
# walker had not walked after 2.5 M steps (docs/body3d.md).
_KP_PER_KG_3D = {"hip": 5.71, "knee": 5.71, "ankle": 2.86, "hip_adduction": 4.3, "hip_rotation": 1.4,
                 "ankle_inversion": 1.4, "lumbar_flexion": 6.0, "lumbar_bending": 6.0}
_TORQUE_PER_KG_3D = {"hip": 2.86, "knee": 2.86, "ankle": 2.14, "hip_adduction": 2.86, "hip_rotation": 1.4,
                     "ankle_inversion": 1.15, "lumbar_flexion": 2.5, "lumbar_bending": 2.5}


@dataclass(frozen=True)
class BodyParams:
    """A person and the passive properties of their joints.

    Attributes:
        height_m: standing height (m); segment lengths scale with it (Winter 2009).
        mass_kg: body mass (kg); segment masses scale with it.
        joint_damping_nms_per_rad: passive viscous damping of every leg joint (N·m·s/rad).
        joint_stiffness_nm_per_rad: passive stiffness about the neutral pose (N·m/rad) (spasticity
            can be modelled by raising it on the paretic side via ``joint_stiffness_scale``).
        joint_stiffness_scale: per-joint multiplier of the passive stiffness, ordered as JOINT_NAMES.
        foot_friction: sliding friction coefficient of the heel and toe contacts (both feet equal).
    """

    height_m: float = 1.70
    mass_kg: float = 70.0
    joint_damping_nms_per_rad: float = 1.0
    joint_stiffness_nm_per_rad: float = 0.0
    joint_stiffness_scale: tuple[float, ...] = field(default=(1.0,) * 6)
    foot_friction: float = 1.0

    def __post_init__(self) -> None:
        if len(self.joint_stiffness_scale) != len(JOINT_NAMES):
            raise ValueError(f"joint_stiffness_scale needs {len(JOINT_NAMES)} values")
        if self.joint_damping_nms_per_rad < 0 or self.joint_stiffness_nm_per_rad < 0:
            raise ValueError("passive damping and stiffness must be >= 0")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> BodyParams:
        d = dict(d)
        d["joint_stiffness_scale"] = tuple(d.get("joint_stiffness_scale", (1.0,) * 6))
        return cls(**d)


@dataclass(frozen=True)
class PDParams:
    """Proportional-derivative joint control per joint and side (order: JOINT_NAMES, or JOINT_NAMES_3D for the
    3D body: :attr:`joint_names` says which, by the number of values).

    Attributes:
        kp_nm_per_rad: proportional gains (N·m/rad).
        kd_nms_per_rad: derivative gains (N·m·s/rad).
        torque_limit_nm: symmetric torque limits (N·m); the PD torque is clipped to ±limit.
    """

    kp_nm_per_rad: tuple[float, ...]
    kd_nms_per_rad: tuple[float, ...]
    torque_limit_nm: tuple[float, ...]

    def __post_init__(self) -> None:
        n = len(self.kp_nm_per_rad)
        if n not in (len(JOINT_NAMES), len(JOINT_NAMES_3D)):
            raise ValueError(f"PDParams needs {len(JOINT_NAMES)} values (planar body) or {len(JOINT_NAMES_3D)} "
                             f"(3D body) per field, got {n}")
        for name in ("kp_nm_per_rad", "kd_nms_per_rad", "torque_limit_nm"):
            v = tuple(float(x) for x in getattr(self, name))
            if len(v) != n or min(v) < 0:
                raise ValueError(f"{name} needs {n} non-negative values, got {v}")
            object.__setattr__(self, name, v)

    @property
    def joint_names(self) -> tuple[str, ...]:
        """The joints the values are for: JOINT_NAMES (6 values) or JOINT_NAMES_3D."""
        return JOINT_NAMES if len(self.kp_nm_per_rad) == len(JOINT_NAMES) else JOINT_NAMES_3D

    @classmethod
    def default_for(cls, body: BodyParams, body_model: str = "planar") -> PDParams:
        """Healthy defaults scaled by ``mass_kg × height_m / 1.70`` for ``body_model`` ``"planar"`` or ``"3d"``."""
        if body_model not in ("planar", "3d"):
            raise ValueError(f"body_model must be 'planar' or '3d', got {body_model!r}")
        scale = body.mass_kg * body.height_m / 1.70
        if body_model == "planar":
            names, kp_per_kg, torque_per_kg = JOINT_NAMES, _KP_PER_KG, _TORQUE_PER_KG
        else:
            names, kp_per_kg, torque_per_kg = JOINT_NAMES_3D, _KP_PER_KG_3D, _TORQUE_PER_KG_3D
        kp = tuple(_per_kg(n, kp_per_kg) * scale for n in names)
        return cls(
            kp_nm_per_rad=kp,
            kd_nms_per_rad=tuple(_KD_OVER_KP_S * k for k in kp),
            torque_limit_nm=tuple(_per_kg(n, torque_per_kg) * scale for n in names),
        )

    def extended_3d(self, body: BodyParams) -> PDParams:
        """These values for the 3D body: every joint at the 3D default of ``body`` times how these values differ
        from the planar default — a sagittal joint by its own ratio, another joint by its side's mean sagittal
        ``kp`` (and ``kd``, ``torque``) ratio, so a personalized weak side stays weak in every joint (the planar
        default becomes the 3D default). A 3D ``PDParams`` is returned as is."""
        if self.joint_names == JOINT_NAMES_3D:
            return self
        base, six = PDParams.default_for(body, "3d"), PDParams.default_for(body)
        n6 = len(JOINT_NAMES)
        out = {}
        for f in ("kp_nm_per_rad", "kd_nms_per_rad", "torque_limit_nm"):
            ratio = np.asarray(getattr(self, f)) / np.asarray(getattr(six, f))
            side_ratio = {s: float(np.mean([r for r, n in zip(ratio, JOINT_NAMES, strict=True) if joint_side(n) == s]))
                          for s in SIDES}
            out[f] = tuple(getattr(base, f)[:n6] * ratio) + tuple(
                v * side_ratio.get(joint_side(n), 1.0)
                for v, n in zip(getattr(base, f)[n6:], JOINT_NAMES_3D[n6:], strict=True))
        return PDParams(**out)

    def scaled(self, side: str, kp: float = 1.0, kd: float = 1.0, torque: float = 1.0,
               joints: tuple[str, ...] = JOINT_TYPES) -> PDParams:
        """Multiply the gains / limits of ``joints`` (joint types: ``hip`` covers the hip's flexion,
        ab/adduction and rotation) on ``side`` (``"r"`` or ``"l"``)."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        mask = [joint_side(name) == side and joint_type(name) in joints for name in self.joint_names]
        return replace(
            self,
            kp_nm_per_rad=tuple(v * kp if m else v for v, m in zip(self.kp_nm_per_rad, mask, strict=True)),
            kd_nms_per_rad=tuple(v * kd if m else v for v, m in zip(self.kd_nms_per_rad, mask, strict=True)),
            torque_limit_nm=tuple(v * torque if m else v for v, m in zip(self.torque_limit_nm, mask, strict=True)),
        )

    def to_dict(self) -> dict:
        return {k: list(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> PDParams:
        return cls(**{k: tuple(v) for k, v in d.items()})


def _per_kg(name: str, table: dict[str, float]) -> float:
    """The per-kg value of joint ``name`` in ``table`` (a sagittal joint's by its type, another by its name less
    the side)."""
    if name in JOINT_NAMES:
        return table[joint_type(name)]
    side = joint_side(name)
    return table[name[: -2] if side is not None else name]


def pd_torque_nm(q_target_rad: np.ndarray, q_rad: np.ndarray, qdot_rad_s: np.ndarray, kp_nm_per_rad: np.ndarray,
                 kd_nms_per_rad: np.ndarray, torque_limit_nm: np.ndarray) -> np.ndarray:
    """PD joint torque ``clip(kp·(q_target − q) − kd·q̇, −limit, +limit)`` in N·m, elementwise ``[..., J]``.

    The simulator applies exactly this law through MuJoCo position actuators (gain ``kp``, bias
    ``−kp·q − kd·q̇``, force range ±limit), integrated implicitly (``implicitfast``) so the damping term
    stays stable at the control rate; this function is the reference the tests compare it with.
    """
    tau = np.asarray(kp_nm_per_rad) * (np.asarray(q_target_rad) - q_rad) - np.asarray(kd_nms_per_rad) * qdot_rad_s
    return np.clip(tau, -np.asarray(torque_limit_nm), np.asarray(torque_limit_nm))
