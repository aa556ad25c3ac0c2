"""The sagittal-plane (planar) lower-limb + trunk biped, built with ``mujoco.MjSpec``.

Degrees of freedom: root ``root_x`` (slide, forward), ``root_z`` (slide, up), ``root_pitch`` (hinge,
forward lean positive); per side ``hip_*``, ``knee_*``, ``ankle_*`` flexion/extension hinges with
clinical signs (:mod:`rl_gait.joints`). Each foot touches the ground through a heel and a toe sphere.
This is the standard model class for predictive hemiparetic gait simulation (e.g. the 2D models of
Ong et al. 2019, Song & Geyer 2015): the sagittal plane carries most of the joint work in walking
and the model trains on 2 CPU cores.

Masses, CoMs and inertias come from :mod:`rl_gait.body.anthropometry` (Winter 2009); the HAT
(head-arms-trunk) is one segment whose base is the hip axis. The legs are offset ±hip_width/2
laterally for the picture only: legs never collide with each other, only with the terrain.

Actuation: one MuJoCo position actuator per leg joint (gain kp, bias −kp·q − kd·q̇, force range
±torque limit), which is :func:`rl_gait.body.params.pd_torque_nm` exactly, integrated with
``implicitfast`` so the derivative term is stable. Gains change in place (:func:`apply_pd`).

Rates: physics ``timestep_s`` = 2 ms (500 Hz; stable foot contacts), control every 8 physics steps
= 62.5 Hz, the rate at which a planar biped learned to walk in minutes (shared/docs/SIM_NOTES.md).

The 3D variant is :mod:`rl_gait.body.body3d` (free pelvis, lumbar joint, 3-DOF hips, 2-DOF ankles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mujoco
import numpy as np

from rl_gait.body.anthropometry import ANKLE_FROM_HEEL_FRAC, Anthropometry, anthropometry
from rl_gait.body.params import BodyParams, PDParams
from rl_gait.joints import JOINT_NAMES, SIDES

if TYPE_CHECKING:
    from rl_gait.body.body3d import Body3DLayout

TIMESTEP_S = 0.002
FRAME_SKIP = 8
CONTACT_RADIUS_FRAC_H = 0.012  # heel/toe sphere radius ~2 cm for 1.7 m

# Physiological sagittal ranges of motion (deg, clinical signs), generous enough for stairs:
# hip −30…+120, knee −5…+140, ankle −45 (plantarflexion)…+30 (dorsiflexion)
# (Kapandji, *The Physiology of the Joints*, vol. 2; AAOS normal values).
JOINT_RANGE_DEG: dict[str, tuple[float, float]] = {"hip": (-30.0, 120.0), "knee": (-5.0, 140.0), "ankle": (-45.0, 30.0)}
# Hinge axes so that positive angles are flexion / dorsiflexion (x forward, z up, y left).
_AXIS = {"hip": (0.0, -1.0, 0.0), "knee": (0.0, 1.0, 0.0), "ankle": (0.0, -1.0, 0.0)}
ARMATURE_KG_M2 = 0.02

# collision filtering: terrain (contype 1) collides with body geoms (conaffinity 1); body-body never.
BODY_CONTYPE, BODY_CONAFFINITY = 0, 1
TERRAIN_CONTYPE, TERRAIN_CONAFFINITY = 1, 0


@dataclass(frozen=True)
class BodyLayout:
    """Where things are in the compiled model, for envs and tests (indices into qpos/qvel/ctrl)."""

    root_qpos: np.ndarray  # [3] x, z, pitch
    root_qvel: np.ndarray  # [3]
    joint_qpos: np.ndarray  # [6] JOINT_NAMES order
    joint_qvel: np.ndarray  # [6]
    actuators: np.ndarray  # [6] JOINT_NAMES order
    pelvis_body: int
    foot_bodies: np.ndarray  # [2] r, l
    contact_geoms: np.ndarray  # [2, 2] (r, l) x (heel, toe) geom ids
    anthro: Anthropometry
    joint_range_rad: np.ndarray  # [6, 2]


def _add_segment_inertia(body: mujoco.MjsBody, mass: float, com: tuple[float, float, float], inertia: float) -> None:
    body.mass = mass
    body.ipos = com
    body.inertia = (inertia, inertia, max(inertia * 0.1, 1e-5))
    body.explicitinertial = True


def build_planar_spec(body: BodyParams, pd: PDParams | None = None) -> mujoco.MjSpec:
    """Build the planar biped scaled to ``body`` (no terrain). Returns an uncompiled ``MjSpec``."""
    pd = pd or PDParams.default_for(body)
    a = anthropometry(body.height_m, body.mass_kg)
    spec = mujoco.MjSpec()
    spec.modelname = "rl_gait_planar_biped"
    spec.compiler.inertiafromgeom = mujoco.mjtInertiaFromGeom.mjINERTIAFROMGEOM_FALSE
    spec.compiler.autolimits = True
    spec.compiler.degree = False  # every angle in this builder is in radians
    spec.option.timestep = TIMESTEP_S
    spec.option.integrator = mujoco.mjtIntegrator.mjINT_IMPLICITFAST
    spec.option.iterations = 20
    spec.visual.global_.offwidth = 640
    spec.visual.global_.offheight = 480

    h = body.height_m
    r_contact = CONTACT_RADIUS_FRAC_H * h
    pelvis = spec.worldbody.add_body(name="pelvis", pos=(0, 0, 0))
    pelvis.add_joint(name="root_x", type=mujoco.mjtJoint.mjJNT_SLIDE, axis=(1, 0, 0))
    pelvis.add_joint(name="root_z", type=mujoco.mjtJoint.mjJNT_SLIDE, axis=(0, 0, 1))
    pelvis.add_joint(name="root_pitch", type=mujoco.mjtJoint.mjJNT_HINGE, axis=(0, 1, 0))
    _add_segment_inertia(pelvis, a.hat.mass_kg, (0, 0, a.hat.com_from_proximal_m), a.hat.inertia_kg_m2)
    trunk_r = 0.07 * h
    pelvis.add_geom(name="trunk", type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(trunk_r, 0, 0),
                    fromto=(0, 0, trunk_r, 0, 0, a.hat.length_m), rgba=(0.55, 0.6, 0.75, 1),
                    contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, mass=0)
    pelvis.add_geom(name="head", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(0.06 * h, 0, 0),
                    pos=(0, 0, a.hat.length_m + 0.075 * h), rgba=(0.85, 0.75, 0.65, 1),
                    contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, mass=0)
    pelvis.add_camera(name="side", mode=mujoco.mjtCamLight.mjCAMLIGHT_TRACKCOM, pos=(0.3, -3.2, 0.3),
                      xyaxes=(1, 0, 0, 0, 0, 1))

    hip_half_width = 0.5 * 0.191 * h * 0.5  # hip joint centres ~ half the bi-trochanteric width apart
    colors = {"r": (0.85, 0.35, 0.3, 1), "l": (0.3, 0.45, 0.85, 1)}
    jr = JOINT_RANGE_DEG
    for side in SIDES:
        y = -hip_half_width if side == "r" else hip_half_width
        rgba = colors[side]
        thigh = pelvis.add_body(name=f"thigh_{side}", pos=(0, y, 0))
        _add_segment_inertia(thigh, a.thigh.mass_kg, (0, 0, -a.thigh.com_from_proximal_m), a.thigh.inertia_kg_m2)
        thigh.add_joint(name=f"hip_{side}", type=mujoco.mjtJoint.mjJNT_HINGE, axis=_AXIS["hip"],
                        range=np.deg2rad(jr["hip"]))
        thigh.add_geom(name=f"thigh_{side}", type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(0.045 * h * 0.6, 0, 0),
                       fromto=(0, 0, 0, 0, 0, -a.thigh.length_m), rgba=rgba,
                       contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, mass=0)
        shank = thigh.add_body(name=f"shank_{side}", pos=(0, 0, -a.thigh.length_m))
        _add_segment_inertia(shank, a.shank.mass_kg, (0, 0, -a.shank.com_from_proximal_m), a.shank.inertia_kg_m2)
        shank.add_joint(name=f"knee_{side}", type=mujoco.mjtJoint.mjJNT_HINGE, axis=_AXIS["knee"],
                        range=np.deg2rad(jr["knee"]))
        shank.add_geom(name=f"shank_{side}", type=mujoco.mjtGeom.mjGEOM_CAPSULE, size=(0.035 * h * 0.6, 0, 0),
                       fromto=(0, 0, 0, 0, 0, -a.shank.length_m), rgba=rgba,
                       contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, mass=0)
        foot = shank.add_body(name=f"foot_{side}", pos=(0, 0, -a.shank.length_m))
        lf = a.foot.length_m
        heel_x = -ANKLE_FROM_HEEL_FRAC * lf
        toe_x = (1 - ANKLE_FROM_HEEL_FRAC) * lf
        _add_segment_inertia(foot, a.foot.mass_kg, (heel_x + a.foot.com_from_proximal_m, 0, -0.6 * a.ankle_height_m),
                             a.foot.inertia_kg_m2)
        foot.add_joint(name=f"ankle_{side}", type=mujoco.mjtJoint.mjJNT_HINGE, axis=_AXIS["ankle"],
                       range=np.deg2rad(jr["ankle"]))
        sole_z = -a.ankle_height_m
        foot.add_geom(name=f"foot_{side}", type=mujoco.mjtGeom.mjGEOM_BOX,
                      size=(0.5 * (toe_x - heel_x), 0.5 * a.foot_width_m, 0.5 * a.ankle_height_m * 0.8),
                      pos=(0.5 * (toe_x + heel_x), 0, 0.6 * sole_z), rgba=rgba, contype=0, conaffinity=0,
                      group=1, mass=0)
        for part, x in (("heel", heel_x + r_contact), ("toe", toe_x - r_contact)):
            foot.add_geom(name=f"{part}_{side}", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(r_contact, 0, 0),
                          pos=(x, 0, sole_z + r_contact), rgba=rgba, friction=(body.foot_friction, 0.005, 0.0001),
                          contype=BODY_CONTYPE, conaffinity=BODY_CONAFFINITY, condim=3, mass=0)

    add_pd_actuators(spec, body, pd, JOINT_NAMES)
    return spec


def add_pd_actuators(spec: mujoco.MjSpec, body: BodyParams, pd: PDParams, names: tuple[str, ...]) -> None:
    """Passive damping / stiffness, armature and one PD position actuator (``kp``, ``kv``, ±torque limit, control
    range = joint range) for each joint of ``names`` (the order of ``pd``'s values); joints beyond the six of
    ``BodyParams.joint_stiffness_scale`` get scale 1."""
    for i, name in enumerate(names):
        joint = spec.joint(name)
        joint.damping = (body.joint_damping_nms_per_rad, 0.0, 0.0)  # linear term only
        scale = body.joint_stiffness_scale[i] if i < len(body.joint_stiffness_scale) else 1.0
        joint.stiffness = (body.joint_stiffness_nm_per_rad * scale, 0.0, 0.0)
        joint.armature = ARMATURE_KG_M2
        act = spec.add_actuator(name=name, target=name, trntype=mujoco.mjtTrn.mjTRN_JOINT)
        act.set_to_position(kp=pd.kp_nm_per_rad[i], kv=pd.kd_nms_per_rad[i])
        act.ctrlrange = joint.range
        act.ctrllimited = True
        act.forcelimited = True
        act.forcerange = (-pd.torque_limit_nm[i], pd.torque_limit_nm[i])


def body_layout(model: mujoco.MjModel, body: BodyParams) -> BodyLayout:
    """Indices of the planar biped's joints, actuators, bodies and contact geoms in ``model``."""
    def jid(name: str) -> int:
        return model.joint(name).id

    root = [jid(n) for n in ("root_x", "root_z", "root_pitch")]
    joints = [jid(n) for n in JOINT_NAMES]
    return BodyLayout(
        root_qpos=np.array([model.jnt_qposadr[j] for j in root]),
        root_qvel=np.array([model.jnt_dofadr[j] for j in root]),
        joint_qpos=np.array([model.jnt_qposadr[j] for j in joints]),
        joint_qvel=np.array([model.jnt_dofadr[j] for j in joints]),
        actuators=np.array([model.actuator(n).id for n in JOINT_NAMES]),
        pelvis_body=model.body("pelvis").id,
        foot_bodies=np.array([model.body(f"foot_{s}").id for s in SIDES]),
        contact_geoms=np.array([[model.geom(f"{p}_{s}").id for p in ("heel", "toe")] for s in SIDES]),
        anthro=anthropometry(body.height_m, body.mass_kg),
        joint_range_rad=np.array([model.jnt_range[j] for j in joints]),
    )


def apply_pd(model: mujoco.MjModel, layout: BodyLayout | Body3DLayout, pd: PDParams) -> None:
    """Write ``pd`` into the compiled model's actuators in place (no recompile); ``pd`` has the layout's joints."""
    if len(pd.kp_nm_per_rad) != len(layout.actuators):
        raise ValueError(f"PDParams for {len(pd.kp_nm_per_rad)} joints on a body with {len(layout.actuators)} actuators"
                         " — fix: PDParams.default_for(body, body_model) or pd.extended_3d(body)")
    for i, a in enumerate(layout.actuators):
        kp, kd, lim = pd.kp_nm_per_rad[i], pd.kd_nms_per_rad[i], pd.torque_limit_nm[i]
        model.actuator_gainprm[a, 0] = kp
        model.actuator_biasprm[a, 1] = -kp
        model.actuator_biasprm[a, 2] = -kd
        model.actuator_forcerange[a] = (-lim, lim)
