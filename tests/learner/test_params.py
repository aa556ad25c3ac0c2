"""Typed parameters and the config builder (no Ray start needed)."""

from __future__ import annotations

import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import RlGaitError
from rl_gait.learner.params import Budget, ImitationParams


def test_imitation_params_validate_and_round_trip():
    p = ImitationParams(bc_coeff=0.2, disc_hidden=[64, 64])
    assert p.disc_hidden == (64, 64)
    assert ImitationParams.from_dict(p.to_dict()) == p
    with pytest.raises(ValueError, match="bc_coeff"):
        ImitationParams(bc_coeff=-1.0)
    with pytest.raises(ValueError, match="disc_lr"):
        ImitationParams(disc_lr=0.0)
    a = ImitationParams(anchor_coeff=0.5, anchor_class_weights={"stairs_up": 0, "stairs_down": 4})
    assert a.anchor_class_weights == (("stairs_down", 4.0), ("stairs_up", 0.0))
    assert ImitationParams.from_dict(a.to_dict()) == a
    assert a == ImitationParams(anchor_coeff=0.5, anchor_class_weights=[("stairs_up", 0.0), ("stairs_down", 4.0)])
    # TERRAIN_CLASSES order: level, slope_up, slope_down, stairs_up, stairs_down; unnamed classes weigh 1
    assert a.anchor_weight_per_class() == (1.0, 1.0, 1.0, 0.0, 4.0)
    assert ImitationParams().anchor_weight_per_class() == (1.0,) * 5
    with pytest.raises(ValueError, match="unknown terrain classes"):
        ImitationParams(anchor_class_weights={"stairs": 0})
    with pytest.raises(ValueError, match="anchor_class_weights must be >= 0"):
        ImitationParams(anchor_class_weights={"stairs_up": -1})
    with pytest.raises(ValueError, match="anchor_coeff"):
        ImitationParams(anchor_coeff=-0.1)


def test_budget_presets_are_ordered():
    s, q, st = (Budget.preset(n) for n in ("smoke", "quick", "standard"))
    assert s.env_steps < q.env_steps < st.env_steps
    assert s.wall_time_s <= 60.0
    with pytest.raises(ValueError, match="unknown budget"):
        Budget.preset("huge")  # type: ignore[arg-type]


def test_imitation_builder_is_typed_and_keeps_unset_fields(tmp_path):
    from rl_gait.learner.config import ImitationPPOConfig

    demos = tmp_path / "d.npz"
    with pytest.raises(RlGaitError, match="demonstrations file not found"):
        ImitationPPOConfig().imitation(demos=demos)
    demos.write_bytes(b"demos")  # hashed here, read (after its digest is checked) by the learner
    cfg = ImitationPPOConfig().imitation(bc_coeff=0.3, demos=demos)
    assert cfg.imitation_params == ImitationParams(bc_coeff=0.3)
    cfg.imitation(style_reward_weight=0.9)
    assert cfg.imitation_params.bc_coeff == 0.3 and cfg.imitation_params.style_reward_weight == 0.9
    assert cfg.imitation_demos == str(demos.resolve())
    with pytest.raises(ValueError):
        cfg.imitation(disc_lr=-1.0)


def test_physics_only_refuses_imitation_inputs():
    from rl_gait.learner.config import build_config

    with pytest.raises(RlGaitError, match="physics-only"):
        build_config(mode="physics-only", env=WalkEnvConfig(), imitation=ImitationParams())
    with pytest.raises(RlGaitError, match="mode must be"):
        build_config(mode="gail", env=WalkEnvConfig())  # type: ignore[arg-type]


def test_an_anchor_needs_a_warm_start(tmp_path):
    from rl_gait.learner.config import build_config

    with pytest.raises(RlGaitError, match="anchor_coeff > 0 anchors the policy to its warm start"):
        build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=None,
                     imitation=ImitationParams(anchor_coeff=1.0), demos=None)
    with pytest.raises(RlGaitError, match="anchor_states are only used with"):
        build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=None, anchor_states=tmp_path / "s.npz")


def test_progress_bar_shows_fidelity_only_where_the_budget_measures_it():
    """The task training (``eval_every_iters=0``) printed ``RMSE nan° falls nan`` to its end."""
    import dataclasses

    from rl_gait.learner.training import _progress_bar

    def column_texts(budget: Budget) -> str:
        prog, _ = _progress_bar(True, budget)
        prog.stop()
        return " ".join(getattr(c, "text_format", "") for c in prog.columns)

    smoke = Budget.preset("smoke")
    assert "RMSE" in column_texts(dataclasses.replace(smoke, eval_every_iters=5))
    assert "RMSE" not in column_texts(dataclasses.replace(smoke, eval_every_iters=0))
    assert _progress_bar(False, smoke) is None


def test_each_body_model_gets_the_ppo_settings_it_was_trained_with():
    """Planar: RLlib's value clip and minibatch 1000 (the shipped planar prior's); 3D: the 3D walker's recipe
    (minibatch 500, an unbinding value clip); an explicit minibatch wins on both."""
    from rl_gait.learner.config import build_config

    planar = build_config(mode="physics-only", env=WalkEnvConfig(), warm_start=None)
    three_d = build_config(mode="physics-only", env=WalkEnvConfig(body_model="3d"), warm_start=None)
    assert (planar.minibatch_size, planar.vf_clip_param) == (1000, 10.0)
    assert (three_d.minibatch_size, three_d.vf_clip_param) == (500, 1e4)
    assert build_config(mode="physics-only", env=WalkEnvConfig(body_model="3d"), warm_start=None,
                        minibatch_size=250).minibatch_size == 250
