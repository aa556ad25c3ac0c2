"""Test patients: the atlas' healthy level reference with one knee stiffened (paretic side)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rl_gait.personalize.patients import PatientSpec, patient_from_reference


def stiff_knee_patient(patient_id: str, knee_range_scale: float = 0.4, side: str = "left") -> PatientSpec:
    """The healthy level reference with the ``side`` knee's curve shrunk about its mean."""
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    ref = healthy_reference(Task())
    q = np.array(ref.joint_angles_rad)
    col = ref.column(f"knee_{side[0]}")
    q[:, col] = q[:, col].mean() + knee_range_scale * (q[:, col] - q[:, col].mean())
    patient_ref = replace(ref, joint_angles_rad=q, paretic_side=side, source=f"test: {side} knee × {knee_range_scale}")
    return patient_from_reference(patient_id, patient_ref, source="test")


@pytest.fixture(scope="session")
def patient_p1() -> PatientSpec:
    return stiff_knee_patient("p1", 0.4, "left")


@pytest.fixture(scope="session")
def patient_p2() -> PatientSpec:
    return stiff_knee_patient("p2", 0.7, "right")
