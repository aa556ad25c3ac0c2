"""The patient the cluster tests personalize."""

from dataclasses import replace

import numpy as np
import pytest


@pytest.fixture()
def patient_reference(tmp_path):
    """The atlas' healthy level reference with the left knee's range shrunk to 40 % (paretic left), saved."""
    from rl_gait.reference import healthy_reference

    ref = healthy_reference()
    q = np.array(ref.joint_angles_rad)
    k = ref.column("knee_l")
    q[:, k] = q[:, k].mean() + 0.4 * (q[:, k] - q[:, k].mean())
    return replace(ref, joint_angles_rad=q, paretic_side="left").save(tmp_path / "p1.npz")
