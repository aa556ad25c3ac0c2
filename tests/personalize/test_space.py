from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from rl_gait.body import BodyParams, PDParams
from rl_gait.learner.params import ImitationParams
from rl_gait.personalize.space import (
    STIFFNESS_MAX_NM_PER_RAD,
    Candidate,
    ParamRange,
    PatientPrior,
    prior_from_trial,
    range_of_motion_rad,
    rom_ratio,
    search_space_for,
)

NAMES = ("hip_r", "knee_r", "hip_l", "knee_l")


def _curves(hip_r, knee_r, hip_l, knee_l):
    """[4, 101] sinusoids with the given peak-to-peak ranges (rad)."""
    t = np.linspace(0, 2 * np.pi, 101)
    return np.stack([a / 2 * np.sin(t) for a in (hip_r, knee_r, hip_l, knee_l)])


def test_range_of_motion_hand_computed():
    curves = np.array([[0.1, 0.5, -0.2], [1.0, 1.0, 1.0]])
    np.testing.assert_allclose(range_of_motion_rad(curves), [0.7, 0.0])


def test_rom_ratio_hand_computed():
    # left paretic: hip 0.3/0.6 = 0.5, knee 0.25/1.0 = 0.25 → mean 0.375
    curves = _curves(0.6, 1.0, 0.3, 0.25)
    assert rom_ratio(curves, NAMES, "l") == pytest.approx(0.375, rel=1e-3)
    assert rom_ratio(curves, NAMES, "none") == 1.0
    # the "paretic" side moving more is clipped to 1; a frozen side is clipped to 0.2
    assert rom_ratio(curves, NAMES, "r") == 1.0
    assert rom_ratio(_curves(0.6, 1.0, 0.0, 0.0), NAMES, "l") == 0.2


def test_prior_from_trial_uses_paretic_side():
    trial = SimpleNamespace(subject_id="p01", paretic_side="left", joint_names=NAMES,
                            curves_mean_rad=_curves(0.6, 1.0, 0.3, 0.25))
    prior = prior_from_trial(trial)
    assert (prior.patient_id, prior.paretic_side) == ("p01", "l")
    assert prior.rom_ratio == pytest.approx(0.375, rel=1e-3)


def test_search_space_starts_weaker_and_stiffer_on_paretic_side():
    space = search_space_for(PatientPrior("p", "l", 0.4))
    start = space.centre()
    assert start.kp_scale_l == pytest.approx(0.7) and start.torque_scale_l == pytest.approx(0.7)  # 0.5 + 0.5·0.4
    assert start.kp_scale_r == 1.0 and start.torque_scale_r == 1.0
    assert start.stiffness_nm_per_rad_l == pytest.approx(STIFFNESS_MAX_NM_PER_RAD * 0.3)  # 60 · (1−0.4)/2
    assert start.stiffness_nm_per_rad_r == 2.0
    assert space.contains(start)
    healthy = search_space_for(PatientPrior("h", "none", 1.0))
    assert healthy.kp_scale_l == healthy.kp_scale_r


def test_search_space_to_tune_domains():
    from ray import tune

    domains = search_space_for(PatientPrior("p", "r", 0.5)).to_tune()
    assert set(domains) == set(Candidate().to_dict())
    assert isinstance(domains["lr"], tune.search.sample.Float)
    assert domains["lr"].lower == 1e-4 and domains["lr"].upper == 1e-3
    rng = np.random.default_rng(0)
    samples = [domains["kp_scale_r"].sample(random_state=rng) for _ in range(50)]
    assert min(samples) >= 0.3 and max(samples) <= 1.1


def test_param_range_validation():
    with pytest.raises(ValueError):
        ParamRange(1.0, 0.5, 0.7)
    with pytest.raises(ValueError):
        ParamRange(0.0, 1.0, 0.5, log=True)
    with pytest.raises(ValueError):
        ParamRange(0.0, 1.0, 2.0)


def test_candidate_applies_to_the_parameter_dataclasses():
    body = BodyParams(height_m=1.7, mass_kg=70.0)
    pd = PDParams.default_for(body)
    cand = Candidate(kp_scale_r=1.0, kp_scale_l=0.64, torque_scale_r=1.0, torque_scale_l=0.5,
                     stiffness_nm_per_rad_r=2.0, stiffness_nm_per_rad_l=30.0, damping_nms_per_rad=1.5)
    new_pd = cand.pd(pd)
    # left joints (indices 3..5): kp × 0.64, kd × sqrt(0.64) = 0.8, torque × 0.5; right unchanged
    np.testing.assert_allclose(new_pd.kp_nm_per_rad[3:], np.array(pd.kp_nm_per_rad[3:]) * 0.64)
    np.testing.assert_allclose(new_pd.kd_nms_per_rad[3:], np.array(pd.kd_nms_per_rad[3:]) * 0.8)
    np.testing.assert_allclose(new_pd.torque_limit_nm[3:], np.array(pd.torque_limit_nm[3:]) * 0.5)
    assert new_pd.kp_nm_per_rad[:3] == pd.kp_nm_per_rad[:3]
    new_body = cand.body(body)
    stiffness = new_body.joint_stiffness_nm_per_rad * np.array(new_body.joint_stiffness_scale)
    np.testing.assert_allclose(stiffness, [2.0, 2.0, 2.0, 30.0, 30.0, 30.0])
    assert new_body.joint_damping_nms_per_rad == 1.5 and new_body.mass_kg == 70.0
    assert Candidate.from_config({**cand.to_dict(), "patient_id": "x"}) == cand
    imitation = cand.imitation(ImitationParams(task_reward_weight=0.7, grad_penalty=3.0))
    assert replace(cand, bc_coeff=0.2).imitation(ImitationParams()).bc_coeff == 0.2
    assert imitation.style_reward_weight == cand.style_reward_weight
    assert imitation.task_reward_weight == 0.7 and imitation.grad_penalty == 3.0
    from rl_gait.envs.rewards import RewardWeights
    rewards = replace(cand, k_pose_per_rad2=4.0).reward_weights(RewardWeights(pose=0.3))
    assert rewards.k_pose_per_rad2 == 4.0 and rewards.pose == 0.3


def test_a_trial_env_tracks_with_its_candidates_pose_kernel(patient_p1):
    """The candidate's pose kernel reaches the trial's WalkEnv: from the same state, the pose term
    0.40 · exp(−k · e) of a k = 4 candidate and a k = 2 one satisfy ln(r₄/0.4) / ln(r₂/0.4) = 4/2."""
    from rl_gait.envs.walk import WalkEnv
    from rl_gait.personalize.trainable import TrialSettings, trial_env_config

    pose = {}
    for k in (4.0, 2.0):
        cfg = trial_env_config(patient_p1, Candidate(k_pose_per_rad2=k), TrialSettings())
        assert cfg.reward_weights.k_pose_per_rad2 == k
        env = WalkEnv(cfg)
        env.reset(seed=0)
        pose[k] = env.step(np.full(6, 0.3, np.float32))[4]["reward_pose"]
    assert 0 < pose[4.0] < pose[2.0] < 0.40
    assert np.log(pose[4.0] / 0.40) / np.log(pose[2.0] / 0.40) == pytest.approx(2.0, rel=1e-9)


def test_a_trial_uses_the_learners_second_thread_only_with_env_runners(patient_p1):
    """A trial sampling in its own process holds one CPU: its learner keeps to one thread; with EnvRunners (idle
    during the update) the discriminator's thread is on (rl_gait.learner.imitation_learner)."""
    from rl_gait.personalize.trainable import TrialSettings, learner_config

    small = dict(demo_samples=64, warm_start=None)
    assert not learner_config(patient_p1, Candidate(), TrialSettings(**small)).rl_gait_discriminator_thread
    assert learner_config(patient_p1, Candidate(), TrialSettings(num_env_runners=1, **small)).rl_gait_discriminator_thread
