"""PPO whose EnvRunners sample the next batch while the learner updates on the last one.

RLlib's ``PPO.training_step`` samples, then updates, then syncs weights: on two cores one of them idles in
each phase (the EnvRunners wait for the learner, the learner for the EnvRunners). Profiled on the 2-core
box (docs/throughput.md), the hybrid learner's update of a 4,000-step batch costs about as much CPU as
sampling it, so running both at once nearly halves the iteration.

:class:`PipelinedPPO` keeps PPO's loss, batch, epochs and minibatches; it only reorders the iteration:

1. wait for the batch the remote EnvRunners are sampling (launched in the previous iteration);
2. launch the next batch at once (the runners still hold the weights they sampled with);
3. update the learner on the batch of step 1; 4. send the new weights (queued behind step 2's sampling).

So a batch is sampled by the weights of one update before the ones it trains — a policy lag of one
iteration, which PPO's clipped importance ratio (``π_new / π_behaviour``, with the behaviour
log-probabilities recorded at sampling) accounts for, as in asynchronous PPO samplers (Sample Factory's
APPO). Without remote EnvRunners (``num_env_runners=0``: a Tune trial on one CPU) it is RLlib's PPO.

The lag and PPO's adaptive KL term: RLlib's KL penalty compares the policy with the one that *sampled* the batch.
With a lag, that distance is already one update's worth when the update starts, so the KL coefficient rose by
×1.5 per iteration (0.3 → 5.1 in 15 iterations, measured) and the penalty pulled the policy back towards the
old one, against BC (whose loss rose from ~0.01 to 0.23–0.31) and the task. :class:`ProximalPolicyConnector`
fixes it the way decoupled PPO does (Hilton et al. 2022): before the update the learner computes the
batch's action distribution under the weights it starts from (``π_prox``); the ratio, its clip and the KL term
are taken about ``π_prox`` — exactly synchronous PPO's — and each sample is weighted by
``π_prox / π_behaviour`` (truncated at :data:`MAX_IMPORTANCE_WEIGHT`) so the expectation is over ``π_prox``'s
actions (:func:`rl_gait.learner.losses.decoupled_ppo_weights`).

``build_config(pipelined=...)``; the class is the algorithm either way (``rl_gait_pipelined`` decides).
Side effects of the lag: anything the driver pushes into the EnvRunners (curriculum levels) reaches the
batch after the one in flight.
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.algorithms.ppo import PPO
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.core.columns import Columns
from ray.rllib.execution.rollout_ops import synchronous_parallel_sample
from ray.rllib.utils.metrics import (
    ALL_MODULES,
    ENV_RUNNER_RESULTS,
    ENV_RUNNER_SAMPLING_TIMER,
    LEARNER_RESULTS,
    LEARNER_UPDATE_TIMER,
    NUM_ENV_STEPS_SAMPLED,
    NUM_ENV_STEPS_SAMPLED_LIFETIME,
    NUM_MODULE_STEPS_TRAINED_LIFETIME,
    SYNCH_WORKER_WEIGHTS_TIMER,
    TIMERS,
)

from rl_gait.learner.imitation_learner import actor_dist_inputs
from rl_gait.learner.losses import decoupled_ppo_weights

SAMPLE_TAG = "rl_gait_pipelined_sample"
MAX_IMPORTANCE_WEIGHT = 2.0
"""Truncation of the decoupled-PPO weight ``π_prox / π_behaviour``: with a one-update lag (KL ~0.015 between the
two) weights above 2 are rare; they would only add variance."""
IMPORTANCE_WEIGHT_MEAN = "proximal_importance_weight_mean"
IMPORTANCE_WEIGHT_TRUNCATED = "proximal_importance_weight_truncated"


class ProximalPolicyConnector(ConnectorV2):
    """Learner connector piece, after GAE: decoupled PPO for batches sampled by an older policy (module doc).

    For every module whose batch has sampled actions and advantages: the action-distribution inputs and
    log-probabilities of the module as it is now (the weights the update starts from) replace the behaviour
    ones, and the advantages are multiplied by ``min(π_prox / π_behaviour, max_weight)``. Logs the weights' mean
    and truncated share under the module id.
    """

    def __init__(self, input_observation_space=None, input_action_space=None, *,
                 max_weight: float = MAX_IMPORTANCE_WEIGHT, **kwargs):
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.max_weight = float(max_weight)

    def __call__(self, *, rl_module, batch: dict[str, Any], episodes, explore=None, shared_data=None,
                 metrics=None, **kwargs) -> Any:
        for module_id, module_batch in batch.items():
            if Columns.ADVANTAGES not in module_batch or Columns.ACTION_LOGP not in module_batch:
                continue
            module = rl_module[module_id].unwrapped()
            with torch.no_grad():
                dist_inputs = actor_dist_inputs(module, module_batch[Columns.OBS])
                dist = module.get_exploration_action_dist_cls().from_logits(dist_inputs)
                logp = dist.logp(module_batch[Columns.ACTIONS])
            behaviour = module_batch[Columns.ACTION_LOGP]
            w = decoupled_ppo_weights(logp, behaviour, self.max_weight)
            module_batch[Columns.ADVANTAGES] = module_batch[Columns.ADVANTAGES] * w.to(
                module_batch[Columns.ADVANTAGES].dtype)
            module_batch[Columns.ACTION_LOGP] = logp.to(behaviour.dtype)
            module_batch[Columns.ACTION_DIST_INPUTS] = dist_inputs.to(module_batch[Columns.ACTION_DIST_INPUTS].dtype)
            if metrics is not None:
                mask = module_batch.get(Columns.LOSS_MASK)
                valid = w[mask] if mask is not None else w
                metrics.log_value((module_id, IMPORTANCE_WEIGHT_MEAN), float(valid.mean()), window=1)
                metrics.log_value((module_id, IMPORTANCE_WEIGHT_TRUNCATED),
                                  float((valid >= self.max_weight).float().mean()), window=1)
        return batch


def samples_ahead(config: Any) -> bool:
    """Whether ``config`` trains with the pipelined iteration: ``rl_gait_pipelined`` set, remote EnvRunners, RLlib's
    new stack. The one test both :class:`PipelinedPPO` (the iteration) and the learner (which then appends
    :class:`ProximalPolicyConnector`) apply."""
    return (bool(getattr(config, "rl_gait_pipelined", False)) and (config.num_env_runners or 0) > 0
            and bool(config.enable_env_runner_and_connector_v2))


def _sample_with_metrics(runner: Any) -> tuple[Any, Any]:
    return runner.sample(), runner.get_metrics()


class PipelinedPPO(PPO):
    """RLlib PPO with sampling of batch ``k+1`` overlapped with the update on batch ``k`` (module docstring)."""

    _sampling_in_flight: bool = False

    def training_step(self) -> None:
        group = self.env_runner_group
        if not samples_ahead(self.config) or group is None or group.num_remote_env_runners() == 0:
            return super().training_step()
        with self.metrics.log_time((TIMERS, ENV_RUNNER_SAMPLING_TIMER)):
            episodes, runner_metrics = self._collect_batch()
            self._launch_sampling()  # the next batch, with the weights the runners hold now
            if not episodes:
                return
            self.metrics.aggregate(runner_metrics, key=ENV_RUNNER_RESULTS)
        with self.metrics.log_time((TIMERS, LEARNER_UPDATE_TIMER)):
            learner_results = self.learner_group.update(
                episodes=episodes,
                timesteps={
                    NUM_ENV_STEPS_SAMPLED_LIFETIME: self.metrics.peek((ENV_RUNNER_RESULTS,
                                                                       NUM_ENV_STEPS_SAMPLED_LIFETIME)),
                    NUM_MODULE_STEPS_TRAINED_LIFETIME: self.metrics.peek(
                        (LEARNER_RESULTS, ALL_MODULES, NUM_MODULE_STEPS_TRAINED_LIFETIME), default=0),
                },
                num_epochs=self.config.num_epochs,
                minibatch_size=self.config.minibatch_size,
                shuffle_batch_per_epoch=self.config.shuffle_batch_per_epoch,
            )
            self.metrics.aggregate(learner_results, key=LEARNER_RESULTS)
        with self.metrics.log_time((TIMERS, SYNCH_WORKER_WEIGHTS_TIMER)):
            # queued on each runner behind the sampling in flight: it samples the next batch after that. Waits
            # (up to a minute) for the previous sync, which ran when the last batch was done: RLlib drops a sync
            # while one is still in flight, and the runners would then sample with weights two updates old.
            group.sync_weights(from_worker_or_learner_group=self.learner_group,
                               policies=set(learner_results[0].keys()) - {ALL_MODULES}, inference_only=True,
                               timeout_seconds=60.0)

    def restore_from_path(self, *args: Any, **kwargs: Any) -> Any:
        """Restore, first dropping a batch in flight (sampled by the weights before the restore)."""
        if self._sampling_in_flight:
            self.env_runner_group.fetch_ready_async_reqs(tags=SAMPLE_TAG, timeout_seconds=None)
            self._sampling_in_flight = False
        return super().restore_from_path(*args, **kwargs)

    def _launch_sampling(self) -> None:
        launched = self.env_runner_group.foreach_env_runner_async(_sample_with_metrics, tag=SAMPLE_TAG)
        self._sampling_in_flight = launched > 0

    def _collect_batch(self) -> tuple[list, list]:
        """The batch in flight (all runners' episodes and metrics); sampled now, synchronously, when none is
        in flight (the first iteration) or a runner failed to deliver."""
        results = []
        if self._sampling_in_flight:
            results = self.env_runner_group.fetch_ready_async_reqs(tags=SAMPLE_TAG, timeout_seconds=None)
            self._sampling_in_flight = False
        steps = sum(int(m.get(NUM_ENV_STEPS_SAMPLED, 0)) for _, (_, m) in results)
        if results and steps >= self.config.total_train_batch_size:
            return [e for _, (eps, _) in results for e in eps], [m for _, (_, m) in results]
        episodes, metrics = synchronous_parallel_sample(
            worker_set=self.env_runner_group, max_env_steps=self.config.total_train_batch_size,
            sample_timeout_s=self.config.sample_timeout_s, _uses_new_env_runners=True, _return_metrics=True)
        return [e for _, (eps, _) in results for e in eps] + episodes, [m for _, (_, m) in results] + metrics
