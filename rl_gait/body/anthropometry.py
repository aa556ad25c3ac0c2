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
