"""The 3D lower-limb + trunk body, built with ``mujoco.MjSpec``: frontal-plane motion and sideways falls.

Degrees of freedom (nq 21, nv 20): a free joint ``root`` on the pelvis; the trunk on a lumbar joint
(``lumbar_flexion``, ``lumbar_bending``); per side a 3-DOF hip (``hip_*`` flexion, ``hip_adduction_*``,
``hip_rotation_*``, applied in that order: a flexion–adduction–rotation Cardan sequence), a ``knee_*`` hinge
and a 2-DOF ankle (``ankle_*`` dorsiflexion, ``ankle_inversion_*`` about the foot's long axis). Signs are
clinical and equal on both sides (:data:`rl_gait.joints.JOINT_NAMES_3D`): the axes are mirrored between sides.
Each foot touches the ground through four spheres — heel and toe, medial and lateral — so it rolls from heel
to toe and can tip onto its edge.

Masses and sagittal inertias from :mod:`rl_gait.body.anthropometry` (Winter 2009; the HAT split into pelvis
and trunk by :func:`~rl_gait.body.anthropometry.split_hat`, long-axis inertias after de Leva 1996): the total
mass equals ``mass_kg``. Hip joint centres are as far apart as the planar body's legs.

Actuation as the planar body (:mod:`rl_gait.body.planar`): one MuJoCo position actuator per joint with the
``PDParams`` gain, damping and torque limit of that joint and side (14 values, ``PDParams.default_for(body,
"3d")``), ``implicitfast``, 2 ms physics, 8 physics steps per control step. The settings that walked in the 3D
prototype of ``shared/docs/SIM_NOTES.md`` (gains, armature 0.02, four contact spheres per foot) are kept.
Legs collide only with the terrain (a foot may pass through the other leg).
"""

from __future__ import annotations

from dataclasses import dataclass

import mujoco
import numpy as np

from rl_gait.body.anthropometry import (
    ANKLE_FROM_HEEL_FRAC,
    LONG_AXIS_INERTIA_RATIO,
    Anthropometry,
    Segment,
    anthropometry,
    split_hat,
)
from rl_gait.body.params import BodyParams, PDParams
from rl_gait.body.planar import (
    BODY_CONAFFINITY,
    BODY_CONTYPE,
    CONTACT_RADIUS_FRAC_H,
    JOINT_RANGE_DEG,
    TIMESTEP_S,
    add_pd_actuators,
)
from rl_gait.joints import JOINT_NAMES_3D, SIDES

# Ranges of the joints beyond the sagittal ones (deg; AAOS normal values, Kapandji vol. 2–3).
JOINT_RANGE_3D_DEG: dict[str, tuple[float, float]] = {
    **JOINT_RANGE_DEG,
    "hip_adduction": (-45.0, 30.0),  # abduction 45°, adduction 30°
    "hip_rotation": (-45.0, 45.0),
    "ankle_inversion": (-20.0, 35.0),  # eversion 20°, inversion 35°
    "lumbar_flexion": (-25.0, 60.0),
    "lumbar_bending": (-30.0, 30.0),
}
# Positive = the clinical sign of the name; ``side_sign`` mirrors the frontal / transverse axes of the left side.
_AXES: dict[str, tuple[float, float, float]] = {
    "hip": (0.0, -1.0, 0.0), "hip_adduction": (1.0, 0.0, 0.0), "hip_rotation": (0.0, 0.0, 1.0),
    "knee": (0.0, 1.0, 0.0), "ankle": (0.0, -1.0, 0.0), "ankle_inversion": (1.0, 0.0, 0.0),
    "lumbar_flexion": (0.0, 1.0, 0.0), "lumbar_bending": (1.0, 0.0, 0.0),
}
LUMBAR_JOINTS: tuple[str, ...] = ("lumbar_flexion", "lumbar_bending")
CONTACT_POINTS: tuple[str, ...] = ("heel_med", "heel_lat", "toe_med", "toe_lat")
HEEL_HALF_WIDTH_FRAC = 0.30  # heel spheres ±0.30 × foot width from the foot's midline
TOE_HALF_WIDTH_FRAC = 0.40  # toe (metatarsal heads) spheres ±0.40 × foot width


@dataclass(frozen=True)
class Body3DLayout:
    """Where things are in the compiled 3D model (indices into qpos / qvel / ctrl)."""

    root_qpos: np.ndarray  # [7] x, y, z, quaternion w, x, y, z
    root_qvel: np.ndarray  # [6] linear (world), angular (pelvis frame)
    joint_qpos: np.ndarray  # [14] JOINT_NAMES_3D order
    joint_qvel: np.ndarray  # [14]
    actuators: np.ndarray  # [14] JOINT_NAMES_3D order
    pelvis_body: int
    trunk_body: int
    foot_bodies: np.ndarray  # [2] r, l
    contact_geoms: np.ndarray  # [2, 4] (r, l) × CONTACT_POINTS geom ids
    anthro: Anthropometry
    joint_range_rad: np.ndarray  # [14, 2]
    hip_half_width_m: float


def _inertia(body: mujoco.MjsBody, mass: float, com: tuple[float, float, float], sagittal: float,
             long_axis_ratio: float, long_axis: int = 2) -> None:
    inertia = [sagittal, sagittal, sagittal]
    inertia[long_axis] = sagittal * long_axis_ratio
    body.mass, body.ipos, body.inertia, body.explicitinertial = mass, com, inertia, True


def _joint(body: mujoco.MjsBody, name: str, side: str | None) -> None:
    kind = name if side is None else name[:-2]
    axis = np.array(_AXES[kind])
    if side == "l" and kind in ("hip_adduction", "hip_rotation", "ankle_inversion"):
        axis = -axis  # mirrored: adduction, internal rotation and inversion are toward / about the midline
    body.add_joint(name=name, type=mujoco.mjtJoint.mjJNT_HINGE, axis=axis, range=np.deg2rad(JOINT_RANGE_3D_DEG[kind]))


def _leg_segment(parent: mujoco.MjsBody, name: str, pos: tuple[float, float, float], joints: tuple[str, ...], side: str,
                 seg: Segment, kind: str, radius_m: float, rgba: tuple[float, ...], geom_kw: dict) -> mujoco.MjsBody:
    """A thigh or shank: its joints (in order), inertia (CoM below the proximal joint) and capsule."""
    body = parent.add_body(name=name, pos=pos)
    for joint in joints:
        _joint(body, f"{joint}_{side}", side)
    _inertia(body, seg.mass_kg, (0, 0, -seg.com_from_proximal_m), seg.inertia_kg_m2, LONG_AXIS_INERTIA_RATIO[kind])
    body.add_geom(name=name, type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(radius_m, 0, 0),
                  fromto=(0, 0, 0, 0, 0, -seg.length_m), rgba=rgba, **geom_kw)
    return body


def hip_half_width_m(height_m: float) -> float:
    """Half the distance between the hip joint centres (m): the planar body's leg offset."""
    return 0.5 * 0.191 * height_m * 0.5


def build_3d_spec(body: BodyParams, pd: PDParams | None = None, lumbar_locked: bool = False) -> mujoco.MjSpec:
    """Build the 3D body scaled to ``body`` (no terrain); ``pd`` with 14 values (default: the 3D defaults; a
    planar ``PDParams`` is extended with :meth:`PDParams.extended_3d`). ``lumbar_locked``: both lumbar joints
    held at 0 by joint equality constraints (a rigid trunk, as the 3D prototype's; the joints, their actuators
    and the model's sizes stay). Returns an uncompiled ``MjSpec``."""
    pd = (pd or PDParams.default_for(body, "3d")).extended_3d(body)
    a = anthropometry(body.height_m, body.mass_kg)
    hat = split_hat(a, body.height_m)
    h = body.height_m
    spec = mujoco.MjSpec()
    spec.modelname = "rl_gait_3d_body"
    spec.compiler.inertiafromgeom = mujoco.mjtInertiaFromGeom.mjINERTIAFROMGEOM_FALSE
    spec.compiler.autolimits = True
    spec.compiler.degree = False
    spec.option.timestep = TIMESTEP_S
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.iterations = 20
    spec.visual.global_.offwidth = 640
    spec.visual.global_.offheight = 480
    geom_kw = dict(contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, mass=0)

    hw = hip_half_width_m(h)
    pelvis = spec.worldbody.add_body(name="pelvis", pos=(0, 0, 0))
    pelvis.add_freejoint(name="root")
    _inertia(pelvis, hat.pelvis_mass_kg, (0, 0, hat.pelvis_com_height_m), hat.pelvis_inertia_kg_m2,
             LONG_AXIS_INERTIA_RATIO["pelvis"])
    pelvis.add_geom(name="pelvis", type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(0.06 * h, 0, 0),
                    fromto=(0, -hw, 0.5 * hat.lumbar_height_m, 0, hw, 0.5 * hat.lumbar_height_m),
                    rgba=(0.5, 0.55, 0.7, 1), **geom_kw)
    pelvis.add_camera(name="side", mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM, pos=(0.3, -3.2, 0.3),
                      xyaxes=(1, 0, 0, 0, 0, 1))
    pelvis.add_camera(name="front", mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM, pos=(3.2, 0.0, 0.3),
                      xyaxes=(0, 1, 0, 0, 0, 1))

    trunk = pelvis.add_body(name="trunk", pos=(0, 0, hat.lumbar_height_m))
    for name in LUMBAR_JOINTS:
        _joint(trunk, name, None)
    _inertia(trunk, hat.trunk_mass_kg, (0, 0, hat.trunk_com_above_lumbar_m), hat.trunk_inertia_kg_m2,
             LONG_AXIS_INERTIA_RATIO["trunk"])
    trunk_top = a.hat.length_m - hat.lumbar_height_m
    trunk_r = 0.07 * h
    trunk.add_geom(name="trunk", type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(trunk_r, 0, 0),
                   fromto=(0, 0, trunk_r, 0, 0, trunk_top), rgba=(0.55, 0.6, 0.75, 1), **geom_kw)
    trunk.add_geom(name="head", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(0.06 * h, 0, 0),
                   pos=(0, 0, trunk_top + 0.075 * h), rgba=(0.85, 0.75, 0.65, 1), **geom_kw)

    r_contact = CONTACT_RADIUS_FRAC_H * h
    colors = {"r": (0.85, 0.35, 0.3, 1), "l": (0.3, 0.45, 0.85, 1)}
    for side in SIDES:
        lateral = -1.0 if side == "r" else 1.0  # +y is left: the right side's lateral direction is −y
        rgba = colors[side]
        thigh = _leg_segment(pelvis, f"thigh_{side}", (0, lateral * hw, 0), ("hip", "hip_adduction", "hip_rotation"),
                             side, a.thigh, "thigh", 0.027 * h, rgba, geom_kw)
        shank = _leg_segment(thigh, f"shank_{side}", (0, 0, -a.thigh.length_m), ("knee",), side, a.shank, "shank",
                             0.021 * h, rgba, geom_kw)
        foot = shank.add_body(name=f"foot_{side}", pos=(0, 0, -a.shank.length_m))
        for name in ("ankle", "ankle_inversion"):
            _joint(foot, f"{name}_{side}", side)
        lf, fw, sole_z = a.foot.length_m, a.foot_width_m, -a.ankle_height_m
        heel_x, toe_x = -ANKLE_FROM_HEEL_FRAC * lf, (1 - ANKLE_FROM_HEEL_FRAC) * lf
        _inertia(foot, a.foot.mass_kg, (heel_x + a.foot.com_from_proximal_m, 0, -0.6 * a.ankle_height_m),
                 a.foot.inertia_kg_m2, LONG_AXIS_INERTIA_RATIO["foot"], long_axis=0)
        foot.add_geom(name=f"foot_{side}", type=mujoco.mjtGeom.mjGEOM_BOX,
                      size=(0.5 * (toe_x - heel_x), 0.5 * fw, 0.5 * a.ankle_height_m * 0.8),
                      pos=(0.5 * (toe_x + heel_x), 0, 0.6 * sole_z), rgba=rgba, contype=0, conaffinity=0,
                      group=1, mass=0)
        for point in CONTACT_POINTS:
            x = heel_x + r_contact if point.startswith("heel") else toe_x - r_contact
            half = (HEEL_HALF_WIDTH_FRAC if point.startswith("heel") else TOE_HALF_WIDTH_FRAC) * fw
            y = half * (lateral if point.endswith("lat") else -lateral)
            foot.add_geom(name=f"{point}_{side}", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(r_contact, 0, 0),
                          pos=(x, y, sole_z + r_contact), rgba=rgba, friction=(body.foot_friction, 0.005, 0.0001),
                          condim=3, **geom_kw)
    add_pd_actuators(spec, body, pd, JOINT_NAMES_3D)
    if lumbar_locked:
        for name in LUMBAR_JOINTS:
            eq = spec.add_equality(name=f"lock_{name}", type=mujoco.mjtEq.mjEQ_JOINT, objtype=mujoco.mjtObj.mjOBJ_JOINT,
                                   name1=name)
            eq.data[:5] = 0.0  # q = 0 (the constant of the polynomial q1 = c0 + c1·q2 + …, no second joint)
    return spec


def body3d_layout(model: mujoco.MjModel, body: BodyParams) -> Body3DLayout:
    """Indices of the 3D body's joints, actuators, bodies and contact geoms in ``model``."""
    root = model.joint("root").id
    joints = [model.joint(n).id for n in JOINT_NAMES_3D]
    return Body3DLayout(
        root_qpos=np.arange(model.jnt_qposadr[root], model.jnt_qposadr[root] + 7),
        root_qvel=np.arange(model.jnt_dofadr[root], model.jnt_dofadr[root] + 6),
        joint_qpos=np.array([model.jnt_qposadr[j] for j in joints]),
        joint_qvel=np.array([model.jnt_dofadr[j] for j in joints]),
        actuators=np.array([model.actuator(n).id for n in JOINT_NAMES_3D]),
        pelvis_body=model.body("pelvis").id,
        trunk_body=model.body("trunk").id,
        foot_bodies=np.array([model.body(f"foot_{s}").id for s in SIDES]),
        contact_geoms=np.array([[model.geom(f"{p}_{s}").id for p in CONTACT_POINTS] for s in SIDES]),
        anthro=anthropometry(body.height_m, body.mass_kg),
        joint_range_rad=np.array([model.jnt_range[j] for j in joints]),
        hip_half_width_m=hip_half_width_m(body.height_m),
    )
