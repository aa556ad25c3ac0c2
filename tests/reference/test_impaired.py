"""Hemiparetic references: the impairment model's pure pieces and the reference built from it."""

from __future__ import annotations

import numpy as np
import pytest

from rl_gait.joints import JOINT_NAMES
from rl_gait.reference.impaired import (
    ImpairmentModel,
    impaired_curves,
    impaired_reference,
    smooth_window,
    stance_warp,
)


def test_smooth_window_hand_values():
    # window 1 on [0.4, 0.6], ramps of 0.1: 0 at 0.3 and 0.7, 0.5 half-way up the ramp (0.35)
    w = smooth_window(np.array([0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7, 0.9]), 0.4, 0.6, 0.1)
    np.testing.assert_allclose(w, [0, 0, 0.5, 1, 1, 1, 0.5, 0, 0], atol=1e-12)
    # wraps around the cycle end: 1 on [0.9, 0.1]
    np.testing.assert_allclose(smooth_window(np.array([0.95, 0.05, 0.5]), 0.9, 0.1, 0.05), [1, 1, 0], atol=1e-12)


def test_stance_warp_maps_stance_end_and_is_monotone():
    p = np.linspace(0, 0.999, 500)
    g = stance_warp(p, 0.6, 0.66)
    assert stance_warp(np.array([0.66]), 0.6, 0.66)[0] == pytest.approx(0.6)
    assert stance_warp(np.array([0.33]), 0.6, 0.66)[0] == pytest.approx(0.3)  # 0.33 · 0.6/0.66
    assert np.all(np.diff(g) > 0) and g[0] == 0.0


def test_impairment_changes_only_the_paretic_side():
    ph = np.linspace(0, 1, 101)
    healthy = {f"{j}_{s}": np.sin(2 * np.pi * ph) + (1.0 if j == "knee" else 0.0)
               for s in "rl" for j in ("hip", "knee", "ankle")}
    out = impaired_curves(healthy, 0.6, ImpairmentModel(paretic_side="right", knee_swing_flexion_reduction=0.5))
    for j in ("hip", "knee", "ankle"):
        np.testing.assert_array_equal(out[f"{j}_l"], healthy[f"{j}_l"])
    # mid-swing (80 %) is inside the full window: knee halved; early stance (10 %) untouched
    assert out["knee_r"][80] == pytest.approx(0.5 * healthy["knee_r"][80])
    assert out["knee_r"][10] == pytest.approx(healthy["knee_r"][10])
    # push-off: plantar flexion (negative) reduced, dorsiflexion (positive) untouched
    assert np.all(np.abs(out["ankle_r"]) <= np.abs(healthy["ankle_r"]) + 1e-12)


def test_impaired_reference_reduces_only_the_paretic_knee_swing():
    """Against the healthy atlas at the same speed: the paretic knee's peak (swing) flexion drops (the
    window starts just after stance, so the peak falls to the knee flexion there: ~75 % of healthy at
    r_knee = 0.5), the other knee's peak is unchanged; speed and side are the model's. Without
    impairment (r = 0, shift 0) it equals the healthy reference."""
    from rl_gait.reference import healthy_reference
    from rl_gait.tasks import Task

    v = 0.6
    healthy = healthy_reference(Task(), speed_m_s=v)
    none = impaired_reference(ImpairmentModel(paretic_side="left", knee_swing_flexion_reduction=0.0,
                                              pushoff_reduction=0.0, stance_shift_pct=0.0, speed_m_s=v))
    np.testing.assert_allclose(none.joint_angles_rad, healthy.joint_angles_rad, atol=1e-9)
    assert none.cycle_duration_s == pytest.approx(healthy.cycle_duration_s)

    ref = impaired_reference(ImpairmentModel(paretic_side="left", knee_swing_flexion_reduction=0.5,
                                             stance_shift_pct=5.0, speed_m_s=v))
    kl, kr = JOINT_NAMES.index("knee_l"), JOINT_NAMES.index("knee_r")
    h = healthy.joint_angles_rad
    assert ref.paretic_side == "left" and ref.speed_m_s == pytest.approx(v)
    assert 0.5 * h[:, kl].max() <= ref.joint_angles_rad[:, kl].max() < 0.8 * h[:, kl].max()
    assert ref.joint_angles_rad[:, kr].max() == pytest.approx(h[:, kr].max(), rel=0.02)


def test_rom_scale_shrinks_paretic_knee_and_ankle_about_their_contact_value():
    """c' = c(0) + s·(c − c(0)) on the paretic knee and ankle only (hand-checked at two phases)."""
    ph = np.linspace(0, 1, 101)
    healthy = {f"{j}_{s}": np.sin(2 * np.pi * ph) + (1.0 if j == "knee" else 0.0)
               for s in "rl" for j in ("hip", "knee", "ankle")}
    m = ImpairmentModel(paretic_side="left", knee_swing_flexion_reduction=0.0, pushoff_reduction=0.0,
                        paretic_rom_scale=0.2)
    out = impaired_curves(healthy, 0.6, m)
    assert out["knee_l"][25] == pytest.approx(1.0 + 0.2 * 1.0)  # c(0) = 1, c(25 %) = 2
    assert out["ankle_l"][75] == pytest.approx(0.2 * -1.0)  # c(0) = 0, c(75 %) = −1
    np.testing.assert_array_equal(out["hip_l"], healthy["hip_l"])
    np.testing.assert_array_equal(out["knee_r"], healthy["knee_r"])
    with pytest.raises(ValueError, match="paretic_rom_scale"):
        ImpairmentModel(paretic_rom_scale=0.0)
