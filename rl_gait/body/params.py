"""Typed parameters of the personalized body and its PD controller (what personalization fits).

``PDParams`` holds one gain / damping / torque limit per joint and side, ordered as
:data:`rl_gait.joints.JOINT_NAMES`. Paretic weakness is a lower ``kp`` and ``torque_limit_nm`` on
one side (``pd.scaled("l", kp=0.6, torque=0.5)``). The PD law is :func:`pd_torque_nm`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from rl_gait.joints import JOINT_NAMES, JOINT_TYPES, SIDES

# Per-kg defaults for a healthy adult, scaled by mass × height / 1.70 m (torque ~ m g L). Peak sagittal
# joint moments in level walking are ~1.0 (hip), ~0.8 (knee), ~1.5 (ankle) N·m/kg (Winter 2009, ch. 5);
# limits leave headroom for slopes and stairs (stair ascent knee ~1.2 N·m/kg, Riener et al. 2002).
_KP_PER_KG = {"hip": 6.0, "knee": 8.0, "ankle": 12.0}  # N·m/rad per kg: the lowest that stands 5 s (tests)
_KD_OVER_KP_S = 0.1  # kd = 0.1 s × kp: critically damped-ish at the control rate
_TORQUE_PER_KG = {"hip": 2.5, "knee": 2.5, "ankle": 2.2}  # N·m per kg


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
    """Proportional-derivative joint control per joint and side (order: JOINT_NAMES).

    Attributes:
        kp_nm_per_rad: proportional gains (N·m/rad).
        kd_nms_per_rad: derivative gains (N·m·s/rad).
        torque_limit_nm: symmetric torque limits (N·m); the PD torque is clipped to ±limit.
    """

    kp_nm_per_rad: tuple[float, ...]
    kd_nms_per_rad: tuple[float, ...]
    torque_limit_nm: tuple[float, ...]

    def __post_init__(self) -> None:
        for name in ("kp_nm_per_rad", "kd_nms_per_rad", "torque_limit_nm"):
            v = tuple(float(x) for x in getattr(self, name))
            if len(v) != len(JOINT_NAMES) or min(v) < 0:
                raise ValueError(f"{name} needs {len(JOINT_NAMES)} non-negative values, got {v}")
            object.__setattr__(self, name, v)

    @classmethod
    def default_for(cls, body: BodyParams) -> PDParams:
        """Healthy defaults scaled by ``mass_kg × height_m / 1.70``."""
        scale = body.mass_kg * body.height_m / 1.70
        types = [name.rsplit("_", 1)[0] for name in JOINT_NAMES]
        kp = tuple(_KP_PER_KG[t] * scale for t in types)
        return cls(
            kp_nm_per_rad=kp,
            kd_nms_per_rad=tuple(_KD_OVER_KP_S * k for k in kp),
            torque_limit_nm=tuple(_TORQUE_PER_KG[t] * scale for t in types),
        )

    def scaled(self, side: str, kp: float = 1.0, kd: float = 1.0, torque: float = 1.0,
               joints: tuple[str, ...] = JOINT_TYPES) -> PDParams:
        """Multiply the gains / limits of ``joints`` on ``side`` (``"r"`` or ``"l"``)."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        mask = [name.rsplit("_", 1)[1] == side and name.rsplit("_", 1)[0] in joints for name in JOINT_NAMES]
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


def pd_torque_nm(q_target_rad: np.ndarray, q_rad: np.ndarray, qdot_rad_s: np.ndarray, kp_nm_per_rad: np.ndarray,
                 kd_nms_per_rad: np.ndarray, torque_limit_nm: np.ndarray) -> np.ndarray:
    """PD joint torque ``clip(kp·(q_target − q) − kd·q̇, −limit, +limit)`` in N·m, elementwise ``[..., J]``.

    The simulator applies exactly this law through MuJoCo position actuators (gain ``kp``, bias
    ``−kp·q − kd·q̇``, force range ±limit), integrated implicitly (``implicitfast``) so the damping term
    stays stable at the control rate; this function is the reference the tests compare it with.
    """
    tau = np.asarray(kp_nm_per_rad) * (np.asarray(q_target_rad) - q_rad) - np.asarray(kd_nms_per_rad) * qdot_rad_s
    return np.clip(tau, -np.asarray(torque_limit_nm), np.asarray(torque_limit_nm))
