"""LeanEnvRunner: the same episodes as RLlib's SingleAgentEnvRunner for the same seed and weights (up to float32
rounding: the lean loop runs the actor in numpy, ~1e-6 from torch's products), and a fallback to RLlib's sampling
wherever a config needs more than the default connector pipelines."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.env.single_agent_env_runner import SingleAgentEnvRunner

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.envs.registration import register_with_ray
from rl_gait.learner import build_config
from rl_gait.learner.env_runner import LeanEnvRunner

# 0.3 s episodes (15 control steps) with 3 envs: every sample() call crosses autoresets and cuts episodes
SHORT = WalkEnvConfig(episode_duration_s=0.3)


def _config(**kwargs):
    register_with_ray()
    return build_config(mode="physics-only", env=SHORT, num_env_runners=0, num_envs_per_env_runner=3,
                        warm_start=None, seed=5, **kwargs)


def _sample_calls(runner, torch_seed: int):
    """Three exploring sample() calls (cut episodes go on in the next), then one deterministic from a reset."""
    torch.manual_seed(torch_seed)  # the action noise: the global torch generator, as in RLlib's runner
    calls = [runner.sample(num_timesteps=n, explore=True) for n in (20, 70, 45)]
    calls.append(runner.sample(num_timesteps=12, explore=False, force_reset=True))
    return calls, runner.get_metrics()


def test_same_episodes_columns_and_metrics_as_rllibs_runner():
    cfg = _config()
    assert cfg.env_runner_cls is LeanEnvRunner  # the default
    rllib, lean = SingleAgentEnvRunner(config=cfg), LeanEnvRunner(config=cfg)
    lean.module.set_state(rllib.module.get_state())
    calls_r, metrics_r = _sample_calls(rllib, 11)
    calls_l, metrics_l = _sample_calls(lean, 11)
    assert lean.numpy_forward is False  # the last call did not explore: torch's deterministic forward
    lean.sample(num_timesteps=3, explore=True)
    assert lean.numpy_forward
    n_steps = n_done = 0
    for eps_r, eps_l in zip(calls_r, calls_l, strict=True):
        assert [len(e) for e in eps_l] == [len(e) for e in eps_r]
        for r, e in zip(eps_r, eps_l, strict=True):
            assert (e.is_terminated, e.is_truncated, e.t_started) == (r.is_terminated, r.is_truncated, r.t_started)
            np.testing.assert_allclose(e.get_observations(), r.get_observations(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(e.get_actions(), r.get_actions(), rtol=1e-4, atol=1e-4)
            np.testing.assert_allclose(e.get_rewards(), r.get_rewards(), rtol=1e-4, atol=1e-4)
            assert set(e.extra_model_outputs) == set(r.extra_model_outputs) == {
                Columns.ACTION_DIST_INPUTS, Columns.ACTION_LOGP, "weights_seq_no"}
            for k in e.extra_model_outputs:
                np.testing.assert_allclose(e.get_extra_model_outputs(k), r.get_extra_model_outputs(k), rtol=1e-4,
                                           atol=1e-4)
            # only the last step's info travels to the learner (drop_step_infos); the runner's callbacks saw them all
            infos_l, infos_r = e.get_infos(), r.get_infos()
            assert _info_close(dict(infos_l[-1]), dict(infos_r[-1])) and len(infos_l) == len(infos_r)
            assert all(dict(i) == {} for i in infos_l[:-1])
            n_steps += len(e)
            n_done += int(e.is_done)
    assert n_steps >= 20 + 70 + 45 + 12 and n_done >= 6  # autoresets and cut episodes were exercised
    for key in ("num_env_steps_sampled", "num_env_steps_sampled_lifetime", "num_episodes", "episode_return_mean",
                "episode_len_mean"):
        assert metrics_l[key].peek() == pytest.approx(metrics_r[key].peek(), rel=1e-4), key


def _info_close(a: dict, b: dict) -> bool:
    """Same keys; numbers within 1e-4 (absolute or relative), everything else equal."""
    if set(a) != set(b):
        return False
    for k, v in a.items():
        if isinstance(v, float | np.floating) and not isinstance(v, bool):
            if not np.isclose(v, b[k], rtol=1e-4, atol=1e-4):
                return False
        elif isinstance(v, np.ndarray):
            if not np.allclose(v, b[k], rtol=1e-4, atol=1e-4):
                return False
        elif v != b[k]:
            return False
    return True


def test_recorded_logp_is_the_distributions_logp_of_the_recorded_actions():
    runner = LeanEnvRunner(config=_config())
    torch.manual_seed(0)
    episodes = runner.sample(num_timesteps=60, explore=True)
    dist_cls = runner.module.get_train_action_dist_cls()
    for e in episodes:
        inputs = torch.from_numpy(e.get_extra_model_outputs(Columns.ACTION_DIST_INPUTS))
        actions = torch.from_numpy(e.get_actions())
        assert inputs.shape == (len(e), 2 * actions.shape[1]) and actions.shape[1] == 6
        expected = dist_cls.from_logits(inputs).logp(actions).numpy()
        np.testing.assert_allclose(e.get_extra_model_outputs(Columns.ACTION_LOGP), expected, rtol=1e-5, atol=1e-5)
        # a Gaussian with the module's state-independent std: actions are not the means (exploration noise)
        assert not np.allclose(actions.numpy(), inputs.numpy()[:, :6])


def test_the_opt_out_is_rllibs_runner():
    assert _config(lean_sampling=False).env_runner_cls is None  # RLlib then builds its SingleAgentEnvRunner


def _count_rllib_samples(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = SingleAgentEnvRunner._sample

    def counting(self, **kwargs):
        calls.append(1)
        return original(self, **kwargs)

    monkeypatch.setattr(SingleAgentEnvRunner, "_sample", counting)
    return calls


def test_custom_connectors_and_action_clipping_fall_back_to_rllibs_sampling(monkeypatch):
    from ray.rllib.connectors.env_to_module.mean_std_filter import MeanStdFilter

    calls = _count_rllib_samples(monkeypatch)
    runner = LeanEnvRunner(config=_config())
    runner.sample(num_timesteps=10)
    assert calls == [] and runner._lean_blocker is None

    filtered = _config().env_runners(env_to_module_connector=lambda env, spaces, device: MeanStdFilter())
    runner = LeanEnvRunner(config=filtered)
    assert len(runner.sample(num_timesteps=10)) > 0
    assert calls == [1] and "env-to-module" in runner._lean_blocker

    clipped = _config().environment(clip_actions=True)
    runner = LeanEnvRunner(config=clipped)
    runner.sample(num_timesteps=10)
    assert len(calls) == 2 and "clipping" in runner._lean_blocker


def test_random_actions_and_episode_sampling_are_rllibs_and_the_lean_loop_goes_on_after_them(monkeypatch):
    calls = _count_rllib_samples(monkeypatch)
    runner = LeanEnvRunner(config=_config())
    runner.sample(num_timesteps=20)
    runner.sample(num_timesteps=20, random_actions=True, force_reset=True)  # (RLlib's own needs the reset too)
    episodes = runner.sample(num_episodes=2)
    assert len(calls) == 2 and sum(e.is_done for e in episodes) >= 2
    after = runner.sample(num_timesteps=20)  # lean again, from a fresh reset
    assert len(calls) == 2 and sum(len(e) for e in after) >= 20


def test_callbacks_see_every_step_info_the_returned_chunks_only_their_last():
    seen = []

    def on_episode_end(*, episode, **kwargs):
        seen.append([dict(i) for i in episode.get_infos()])

    cfg = _config()
    cfg.callbacks(on_episode_end=on_episode_end)
    runner = LeanEnvRunner(config=cfg)
    episodes = runner.sample(num_timesteps=60, explore=True)
    # the reset's info, then every step's reward terms
    assert seen and all(len(infos) > 1 and "phase" in infos[0] and all("reward_pose" in i for i in infos[1:])
                        for infos in seen)
    done = [e for e in episodes if e.is_done]
    assert done
    for e in episodes:
        infos = e.get_infos()
        assert "reward_pose" in infos[-1] and all(dict(i) == {} for i in infos[:-1])
    assert seen[0][-1] == dict(done[0].get_infos()[-1])


def test_a_second_runner_in_one_process_makes_its_env_without_gymnasiums_override_warning():
    """RLlib re-registers its env id on every make_env; gymnasium warns on the second (a second training, e.g.
    ``rl-gait run``'s twin then its tasks, or a recreated env). The lean runner drops the old entry first."""
    import warnings

    first = LeanEnvRunner(config=_config())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning while making the second runner's env fails the test
        second = LeanEnvRunner(config=_config())
        first.make_env()
    assert second.env is not None and first.env is not None
    first.stop()
    second.stop()
