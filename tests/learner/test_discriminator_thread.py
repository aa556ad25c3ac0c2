"""The hybrid learner's second thread (the discriminator's steps, BC's gradient): the same weights, optimizer state
and metrics as RLlib's joint minibatch step, bit for bit; errors surface from the update; where it does not apply,
RLlib's step runs; ``ImitationParams.disc_num_epochs`` limits the discriminator's steps."""

from __future__ import annotations

import copy
import threading
import time

import numpy as np
import pytest
import torch
import tree
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.utils.metrics import NUM_ENV_STEPS_SAMPLED_LIFETIME

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.envs.registration import register_with_ray
from rl_gait.learner import build_config
from rl_gait.learner.discriminator import DISCRIMINATOR_MODULE_ID
from rl_gait.learner.env_runner import LeanEnvRunner
from rl_gait.learner.params import ImitationParams
from rl_gait.learner.serial_worker import SerialWorker

BATCH, MINIBATCH, EPOCHS = 384, 128, 2  # 6 minibatch steps per update, the batch reshuffled between epochs
SMALL = ImitationParams(bc_batch_size=48, disc_hidden=(32, 32), disc_num_epochs=None)  # a step on every minibatch


def test_serial_worker_runs_in_order_and_raises_the_first_error_after_all_finished():
    w = SerialWorker("test")
    seen: list[int] = []

    def slow(i: int) -> int:
        time.sleep(0.01 * (3 - i))
        seen.append(i)
        return 10 * i

    for i in range(3):
        w.submit(slow, i)
    assert w.drain() == [0, 10, 20] and seen == [0, 1, 2] and w.idle

    def boom() -> None:
        raise ValueError("boom")

    w.submit(boom)
    w.submit(slow, 2)
    with pytest.raises(ValueError, match="boom"):
        w.drain()
    assert seen[-1] == 2 and w.idle  # the call after the failing one ran too
    w.close()


def _config(thread: bool, imitation: ImitationParams = SMALL, **kwargs):
    register_with_ray()
    return build_config(mode="hybrid", env=WalkEnvConfig(), imitation=imitation, warm_start=None, num_env_runners=0,
                        num_envs_per_env_runner=4, train_batch_size=BATCH, minibatch_size=MINIBATCH,
                        num_epochs=EPOCHS, seed=3, discriminator_thread=thread, **kwargs)


@pytest.fixture(scope="module")
def batches():
    """Two batches of episodes sampled once (the learners below train on copies)."""
    runner = LeanEnvRunner(config=_config(False))
    torch.manual_seed(0)
    return runner, [runner.sample(num_timesteps=BATCH) for _ in range(2)]


def _train(learner, batches) -> list[dict]:
    results = []
    for eps in batches:
        np.random.seed(1)  # noqa: NPY002  (RLlib shuffles the minibatches with numpy's global generator)
        results.append(learner.update(episodes=copy.deepcopy(eps), timesteps={NUM_ENV_STEPS_SAMPLED_LIFETIME: BATCH},
                                      num_epochs=EPOCHS, minibatch_size=MINIBATCH, shuffle_batch_per_epoch=True))
    return results


def _peek(stats) -> float:
    return float(stats.peek() if hasattr(stats, "peek") else stats)


@pytest.mark.parametrize("imitation", [SMALL, ImitationParams(bc_batch_size=48, disc_hidden=(32, 32), disc_num_epochs=1)],
                         ids=["every-minibatch", "disc-one-epoch"])
def test_the_thread_gives_rllibs_joint_step_bit_for_bit(batches, imitation):
    runner, eps = batches
    joint = _config(False, imitation).build_learner(env=runner.env)
    threaded = _config(True, imitation).build_learner(env=runner.env)
    assert joint._disc_worker is None and threaded._disc_worker is not None
    threads: dict[str, set[str]] = {"bc": set(), "disc": set()}  # where BC's gradient and the discriminator ran

    def spy(name: str, fn):
        def call(*args):
            threads[name].add(threading.current_thread().name)
            return fn(*args)
        return call

    threaded._bc_gradients = spy("bc", threaded._bc_gradients)
    threaded._discriminator_step = spy("disc", threaded._discriminator_step)
    start = joint.module.get_state()
    tree.map_structure(np.testing.assert_array_equal, start, threaded.module.get_state())  # same seed, same init

    results_joint, results_threaded = _train(joint, eps), _train(threaded, eps)

    after = joint.module.get_state()
    tree.map_structure(np.testing.assert_array_equal, after, threaded.module.get_state())
    for mid in (DEFAULT_MODULE_ID, DISCRIMINATOR_MODULE_ID):  # both modules did train
        changed = tree.flatten(tree.map_structure(lambda a, b: not np.array_equal(a, b), start[mid], after[mid]))
        assert any(changed), mid
    tree.map_structure(np.testing.assert_array_equal, joint._get_optimizer_state(), threaded._get_optimizer_state())
    for res_j, res_t in zip(results_joint, results_threaded, strict=True):
        for mid in (DEFAULT_MODULE_ID, DISCRIMINATOR_MODULE_ID):
            assert set(res_j[mid]) == set(res_t[mid]), mid
            for key in res_j[mid]:
                same = np.array_equal(_peek(res_t[mid][key]), _peek(res_j[mid][key]), equal_nan=True)
                assert same or key.endswith("_timer"), (mid, key)
    assert threaded._disc_worker.idle  # nothing runs on past an update
    assert threads["bc"] and threads["disc"]
    assert all(n.startswith("rl_gait-discriminator") for n in threads["bc"] | threads["disc"]), threads


def test_an_error_in_the_discriminator_step_surfaces_from_the_update(batches, monkeypatch):
    runner, eps = batches
    learner = _config(True).build_learner(env=runner.env)
    calls: list[str] = []

    def failing(*args, **kwargs):
        calls.append(threading.current_thread().name)
        raise FloatingPointError("discriminator step failed")

    monkeypatch.setattr(learner, "_discriminator_step", failing)
    with pytest.raises(FloatingPointError, match="discriminator step failed"):
        _train(learner, eps[:1])
    assert calls and all(name.startswith("rl_gait-discriminator") for name in calls)
    assert learner._disc_worker.idle


def test_opt_out_and_where_the_thread_does_not_apply(batches):
    runner, _ = batches
    assert _config(True).rl_gait_discriminator_thread and not _config(False).rl_gait_discriminator_thread
    assert build_config(mode="hybrid", env=WalkEnvConfig(), warm_start=None).rl_gait_discriminator_thread  # default
    physics = build_config(mode="physics-only", env=WalkEnvConfig(), num_env_runners=0).build_learner(env=runner.env)
    assert physics._disc_worker is None
    cfg = _config(True)
    cfg.learners(num_learners=2)  # DDP: the gradient all-reduce would run from two threads
    learner = cfg.learner_class(config=cfg)
    learner._device, learner._grad_scalers = torch.device("cpu"), None
    assert not learner._discriminator_thread_applies()


def test_disc_steps_per_update_hand_numbers():
    from rl_gait.learner.params import disc_steps_per_update

    # 4,000 steps in minibatches of 1,000: one pass = 4 minibatches; 0.5 pass = 2; 1.2 passes = ceil(4.8) = 5
    assert disc_steps_per_update(1, batch_size=4000, minibatch_size=1000, num_epochs=5) == 4
    assert disc_steps_per_update(0.5, batch_size=4000, minibatch_size=1000, num_epochs=5) == 2
    assert disc_steps_per_update(1.2, batch_size=4000, minibatch_size=1000, num_epochs=5) == 5
    assert disc_steps_per_update(0.01, batch_size=4000, minibatch_size=1000, num_epochs=5) == 1  # at least one
    # no limit: unset, or as many passes as the policy's
    assert disc_steps_per_update(None, batch_size=4000, minibatch_size=1000, num_epochs=5) is None
    assert disc_steps_per_update(5, batch_size=4000, minibatch_size=1000, num_epochs=5) is None
    with pytest.raises(ValueError, match="disc_num_epochs"):
        ImitationParams(disc_num_epochs=0)
    assert ImitationParams.from_dict(ImitationParams(disc_num_epochs=1).to_dict()).disc_num_epochs == 1


def _adam_steps(learner, module_id: str) -> int:
    state = learner.get_optimizer(module_id).state
    return int(max(float(s["step"]) for s in state.values()))


@pytest.mark.parametrize("thread", [False, True])
def test_disc_num_epochs_limits_the_discriminator_steps_of_each_update(batches, thread):
    runner, eps = batches
    params = ImitationParams(bc_batch_size=48, disc_hidden=(32, 32), disc_num_epochs=1)
    learner = _config(thread, imitation=params).build_learner(env=runner.env)
    _train(learner, eps)
    # 384 steps in minibatches of 128: 3 discriminator steps per update; the policy steps on every minibatch
    assert _adam_steps(learner, DISCRIMINATOR_MODULE_ID) == 2 * 3
    assert _adam_steps(learner, DEFAULT_MODULE_ID) >= 2 * BATCH * EPOCHS // MINIBATCH
