"""Reference motions: the per-task joint-angle targets derived from a trial and the atlas."""

from rl_gait.reference.healthy import healthy_reference
from rl_gait.reference.motion import ReferenceMotion
from rl_gait.reference.patient import patient_rom_limits_rad, reference_for

__all__ = ["ReferenceMotion", "healthy_reference", "patient_rom_limits_rad", "reference_for"]
