"""Segment lengths, masses, centres of mass and inertias scaled to a person.

Source: D. A. Winter, *Biomechanics and Motor Control of Human Movement*, 4th ed. (Wiley, 2009),
Table 4.1 (segment mass fractions, centre-of-mass location and radius of gyration, after Dempster
1955) and Fig. 4.1 (segment lengths as fractions of body height H).

| segment | length / H | mass / M | CoM from proximal / length | radius of gyration about CoM / length |
|---|---|---|---|---|
| HAT (head, arms, trunk): hip → shoulder | 0.288 (0.818 − 0.530) | 0.678 | 0.626 | 0.496 |
| thigh: hip → knee | 0.245 | 0.100 | 0.433 | 0.323 |
| shank (leg): knee → ankle | 0.246 | 0.0465 | 0.433 | 0.302 |
| foot: heel → toe | 0.152 | 0.0145 | 0.50 (from heel) | 0.475 |
| ankle height above sole | 0.039 | | | |
| foot width | 0.055 | | | |

The fractions sum to 1.0 of body mass (0.678 + 2 × (0.100 + 0.0465 + 0.0145)), so the model's total
mass equals ``mass_kg`` exactly.

The 3D body splits the HAT at a lumbar joint (:func:`split_hat`): a pelvis of Winter's pelvis mass fraction
0.142 (Table 4.1, L4L5 → greater trochanter, CoM 0.105 of its length from L4L5) and a trunk of the rest
(thorax, abdomen, head, arms: 0.536), the lumbar joint ``LUMBAR_HEIGHT_FRAC_H`` above the hip axis (an
approximation: Fig. 4.1 gives no L4L5 height). The trunk's CoM and inertia are chosen so that pelvis +
trunk, upright, have the HAT's mass, CoM and sagittal inertia exactly. Segment inertias about the long
axis are a fraction of the sagittal one (``LONG_AXIS_INERTIA_RATIO``, from the radii of gyration of
de Leva 1996, J. Biomech. 29:1223: (r_long / r_sagittal)²).
"""

from __future__ import annotations

from dataclasses import dataclass

# Winter 2009, Table 4.1 / Fig. 4.1 (see module docstring).
HAT_LENGTH_FRAC_H = 0.288
THIGH_LENGTH_FRAC_H = 0.245
SHANK_LENGTH_FRAC_H = 0.246
FOOT_LENGTH_FRAC_H = 0.152
ANKLE_HEIGHT_FRAC_H = 0.039
FOOT_WIDTH_FRAC_H = 0.055

HAT_MASS_FRAC = 0.678
THIGH_MASS_FRAC = 0.100
SHANK_MASS_FRAC = 0.0465
FOOT_MASS_FRAC = 0.0145

HAT_COM_FRAC = 0.626
THIGH_COM_FRAC = 0.433
SHANK_COM_FRAC = 0.433
FOOT_COM_FRAC = 0.50

HAT_GYRATION_FRAC = 0.496
THIGH_GYRATION_FRAC = 0.323
SHANK_GYRATION_FRAC = 0.302
FOOT_GYRATION_FRAC = 0.475

PELVIS_MASS_FRAC = 0.142
PELVIS_COM_FROM_LUMBAR_FRAC = 0.105
PELVIS_GYRATION_FRAC = 0.31  # of the lumbar height (a compact segment; it only splits the HAT's inertia)
LUMBAR_HEIGHT_FRAC_H = 0.10
# approximately (r_longitudinal / r_sagittal)² of de Leva 1996 (thigh 0.149 / 0.329, shank 0.103 / 0.251; trunk, foot rounded)
LONG_AXIS_INERTIA_RATIO = {"trunk": 0.35, "pelvis": 1.0, "thigh": 0.21, "shank": 0.17, "foot": 0.25}

# Where the ankle sits along the foot, as a fraction of foot length from the heel (the heel extends
# behind the ankle joint; the toe contact is at the metatarsal heads / toe tip).
ANKLE_FROM_HEEL_FRAC = 0.22


@dataclass(frozen=True)
class Segment:
    """One rigid segment: length (m), mass (kg), CoM distance from the proximal joint (m) and the
    moment of inertia about the CoM for sagittal rotation (kg·m²)."""

    length_m: float
    mass_kg: float
    com_from_proximal_m: float
    inertia_kg_m2: float


@dataclass(frozen=True)
class Anthropometry:
    """All segments of a person of ``height_m`` and ``mass_kg`` (Winter 2009)."""

    hat: Segment
    thigh: Segment
    shank: Segment
    foot: Segment
    ankle_height_m: float
    foot_width_m: float

    @property
    def leg_length_m(self) -> float:
        """Hip joint to sole, standing straight."""
        return self.thigh.length_m + self.shank.length_m + self.ankle_height_m

    @property
    def total_mass_kg(self) -> float:
        return self.hat.mass_kg + 2 * (self.thigh.mass_kg + self.shank.mass_kg + self.foot.mass_kg)


def _segment(height_m: float, mass_kg: float, length_frac: float, mass_frac: float, com_frac: float,
             gyration_frac: float) -> Segment:
    length = length_frac * height_m
    mass = mass_frac * mass_kg
    return Segment(length, mass, com_frac * length, mass * (gyration_frac * length) ** 2)


def anthropometry(height_m: float, mass_kg: float) -> Anthropometry:
    """Scale Winter's (2009) segment table to a person of ``height_m`` (m) and ``mass_kg`` (kg)."""
    if not (1.0 <= height_m <= 2.3):
        raise ValueError(f"height_m must be within 1.0–2.3 m, got {height_m}")
    if not (25.0 <= mass_kg <= 250.0):
        raise ValueError(f"mass_kg must be within 25–250 kg, got {mass_kg}")
    h, m = height_m, mass_kg
    return Anthropometry(
        hat=_segment(h, m, HAT_LENGTH_FRAC_H, HAT_MASS_FRAC, HAT_COM_FRAC, HAT_GYRATION_FRAC),
        thigh=_segment(h, m, THIGH_LENGTH_FRAC_H, THIGH_MASS_FRAC, THIGH_COM_FRAC, THIGH_GYRATION_FRAC),
        shank=_segment(h, m, SHANK_LENGTH_FRAC_H, SHANK_MASS_FRAC, SHANK_COM_FRAC, SHANK_GYRATION_FRAC),
        foot=_segment(h, m, FOOT_LENGTH_FRAC_H, FOOT_MASS_FRAC, FOOT_COM_FRAC, FOOT_GYRATION_FRAC),
        ankle_height_m=ANKLE_HEIGHT_FRAC_H * h,
        foot_width_m=FOOT_WIDTH_FRAC_H * h,
    )


@dataclass(frozen=True)
class HatSplit:
    """The HAT as pelvis + trunk on a lumbar joint (3D body). Heights are above the hip axis (m)."""

    pelvis_mass_kg: float
    pelvis_com_height_m: float
    pelvis_inertia_kg_m2: float
    trunk_mass_kg: float
    trunk_com_above_lumbar_m: float
    trunk_inertia_kg_m2: float
    lumbar_height_m: float


def split_hat(a: Anthropometry, height_m: float) -> HatSplit:
    """Split ``a``'s HAT into pelvis and trunk so that their union, upright, keeps the HAT's mass, CoM height
    and sagittal moment of inertia about the HAT CoM (parallel axis theorem)."""
    hat = a.hat
    lumbar = LUMBAR_HEIGHT_FRAC_H * height_m
    m_p = hat.mass_kg * PELVIS_MASS_FRAC / HAT_MASS_FRAC  # = 0.142 × body mass
    m_t = hat.mass_kg - m_p
    c_hat = hat.com_from_proximal_m
    c_p = lumbar * (1.0 - PELVIS_COM_FROM_LUMBAR_FRAC)
    c_t = (hat.mass_kg * c_hat - m_p * c_p) / m_t
    i_p = m_p * (PELVIS_GYRATION_FRAC * lumbar) ** 2
    i_t = hat.inertia_kg_m2 - i_p - m_p * (c_p - c_hat) ** 2 - m_t * (c_t - c_hat) ** 2
    if i_t <= 0:
        raise ValueError("split_hat: the trunk's inertia came out non-positive; the split constants are wrong")
    return HatSplit(m_p, c_p, i_p, m_t, c_t - lumbar, i_t, lumbar)
