"""PPO + behaviour cloning + GAIL discriminator on RLlib's new API stack (torch).

How demonstrations are made from kinematics (IMU data has no actions)
--------------------------------------------------------------------
The patient's trial becomes a :class:`~rl_gait.reference.ReferenceMotion` (joint angles over one
cycle). The env plays that reference through the patient's PD body (``rl_gait.envs.demonstrations``)
and records, per control step, the observation ``s``, the next observation ``s'`` and the action that
reproduces the reference — for the env's residual action space that is the normalised offset between
the PD target and the reference angle, i.e. the BC target is "the PD target that reproduces the
reference". Two losses use them:

- **BC**: ``bc_coeff ×`` the MSE between the policy's mean action at ``s`` and that action
  (:func:`~rl_gait.learner.losses.bc_mse_loss`), added to PPO's loss for the policy module.
- **Anchor** (optional, ``anchor_coeff > 0``): ``anchor_coeff ×`` the distance between the policy's mean
  action and its frozen warm start's on the sampled batch (:func:`~rl_gait.learner.losses.anchor_mse_loss`),
  each sample weighted by its terrain class (``anchor_class_weights``; 0 frees a class): a training
  stretch that teaches one skill keeps the others. With anchor states (the warm start's own rollout
  states, ``build_config(anchor_states=)``) the same distance is also taken on a sample of them, so skills
  the batch never visits are kept too.
- **GAIL**: a learner-only discriminator (:mod:`rl_gait.learner.discriminator`) sees only the
  ``"style"`` block of ``(s, s')`` — joint angles, joint velocities, feet relative to the pelvis, computed
  by ONE env function for simulated and reference states — never the actions (which do not exist in
  the data) nor the task block (so the style transfers across terrains). It is trained with binary
  cross-entropy (expert = 1) plus a gradient penalty; its ``softplus(logit)`` becomes a style reward
  mixed with the env reward *before* advantages are computed.

Why a connector after ``NumpyToTensor``: PPO appends GAE last in the learner pipeline, so a reward
rewritten there feeds the advantages, and the batch is already a tensor on the learner's device.

The discriminator's thread (``build_config(discriminator_thread=True)``, the default on a CPU learner): RLlib's
minibatch step backpropagates the sum of both modules' losses and steps every optimizer; the discriminator's
part depends on nothing of the policy's (its own parameters, the batch's observations, demonstrations). Here
the policy's step runs without it and the discriminator's minibatch ``k`` runs on a second thread
(:class:`~rl_gait.learner.serial_worker.SerialWorker`) while the policy steps on ``k + 1``; the same minibatches,
the same demonstration draws in the same order, the same arithmetic — the same weights, bit for bit
(``tests/learner/test_discriminator_thread.py``). BC's gradient is made there too (a minibatch ahead) and added to
PPO's before the policy's step: for each parameter the same two terms the joint backward sums. Every discriminator step has finished before the update
returns, so the next batch's style reward sees the same discriminator as before.
"""

from __future__ import annotations

import copy
import logging
from collections import defaultdict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from ray.rllib.algorithms.ppo.torch.ppo_torch_learner import PPOTorchLearner
from ray.rllib.connectors.common.add_observations_from_episodes_to_batch import (
    AddObservationsFromEpisodesToBatch,
)
from ray.rllib.connectors.common.numpy_to_tensor import NumpyToTensor
from ray.rllib.connectors.connector_v2 import ConnectorV2
from ray.rllib.connectors.learner.add_next_observations_from_episodes_to_train_batch import (
    AddNextObservationsFromEpisodesToTrainBatch,
)
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.columns import Columns
from ray.rllib.core.models.base import ENCODER_OUT

from rl_gait.errors import InputFormatError
from rl_gait.learner import losses
from rl_gait.learner.checkpoint import read_policy, set_policy_state
from rl_gait.learner.discriminator import DISCRIMINATOR_MODULE_ID, LOGITS_KEY
from rl_gait.learner.params import ImitationParams, disc_steps_per_update
from rl_gait.learner.serial_worker import SerialWorker

logger = logging.getLogger(__name__)

# logged metric names (under the module id in RLlib's learner results)
BC_LOSS = "bc_loss"
ANCHOR_LOSS = "anchor_loss"
DISC_LOSS = "disc_loss"
DISC_GRAD_PENALTY = "disc_grad_penalty"
DISC_ACC_EXPERT = "disc_accuracy_expert"
DISC_ACC_POLICY = "disc_accuracy_policy"
STYLE_REWARD_MEAN = "style_reward_mean"
ENV_REWARD_MEAN = "env_reward_mean"


def load_demonstration_arrays(path: str | Path, sha256: str | None = None) -> dict[str, np.ndarray]:
    """``obs [N, D]``, ``next_obs [N, D]``, ``actions [N, A]`` (float32) from a demonstrations ``.npz``; with
    ``sha256``, the file's bytes are checked against it first (a one-line error if they differ), never read
    otherwise. Arrays are read without pickle."""
    from rl_gait.io.jsonio import sha256_file

    p = Path(path)
    if not p.is_file():
        raise InputFormatError("demonstrations file not found", path=p,
                               fix="build it with rl_gait.envs.demonstrations.make_demonstrations(...).save(path)")
    if sha256 is not None and sha256_file(p) != sha256:
        raise InputFormatError("demonstrations file changed since the training config was built (sha256 differs)",
                               path=p, fix="build the config again (a cached file is made again)")
    with np.load(p, allow_pickle=False) as z:
        missing = {"obs", "next_obs", "actions"} - set(z.files)
        if missing:
            raise InputFormatError(f"demonstrations lack arrays {sorted(missing)}", path=p,
                                   fix="save them with Demonstrations.save")
        out = {k: np.asarray(z[k], dtype=np.float32) for k in ("obs", "next_obs", "actions")}
    if not (out["obs"].shape == out["next_obs"].shape and out["obs"].shape[0] == out["actions"].shape[0]):
        raise InputFormatError(f"inconsistent demonstration shapes {[v.shape for v in out.values()]}", path=p)
    return out


def load_anchor_states(path: str | Path) -> np.ndarray:
    """``obs [N, D]`` (float32) from an anchor-states ``.npz`` (the warm start's own rollout states)."""
    p = Path(path)
    if not p.is_file():
        raise InputFormatError("anchor states file not found", path=p,
                               fix="collect them with experiments/train_atlas_policy.py --anchor-states N")
    with np.load(p, allow_pickle=False) as z:
        if "obs" not in z.files or z["obs"].ndim != 2 or len(z["obs"]) == 0:
            raise InputFormatError("anchor states need a non-empty 2-D array 'obs'", path=p,
                                   fix="collect them again with experiments/train_atlas_policy.py --anchor-states N")
        return np.asarray(z["obs"], dtype=np.float32)


def actor_dist_inputs(module, obs: torch.Tensor) -> torch.Tensor:
    """``[B, 2A]`` a policy ``RLModule``'s action-distribution inputs (``[mean, log_std]``) at ``obs [B, D]``.

    Runs only the actor (its encoder and ``pi`` head, as the module's own forward does for actions):
    ``forward_train`` would also run the critic's encoder, whose output no action loss uses."""
    actor = getattr(module.encoder, "actor_encoder", None)
    if actor is None:  # a shared encoder: the module's own forward
        return module.forward_train({Columns.OBS: obs})[Columns.ACTION_DIST_INPUTS]
    return module.pi(actor({Columns.OBS: obs})[ENCODER_OUT])


def mean_actions(module, obs: torch.Tensor) -> torch.Tensor:
    """``[B, A]`` the Gaussian means of a policy ``RLModule`` at ``obs [B, D]``: the first ``A`` (action
    size) of its action-distribution inputs (:func:`actor_dist_inputs`)."""
    return actor_dist_inputs(module, obs)[..., : module.action_space.shape[0]]


class _DiscStep(NamedTuple):
    """What a discriminator step on the thread returns: its loss and metrics (detached)."""

    loss: torch.Tensor
    metrics: dict[str, torch.Tensor]


class _BCGradients(NamedTuple):
    """BC's gradient made on the thread: the policy module, its BC loss (detached), ``(parameter, gradient)`` pairs."""

    module_id: str
    bc_loss: torch.Tensor
    grads: list[tuple[torch.nn.Parameter, torch.Tensor | None]]


class StyleRewardConnector(ConnectorV2):
    """Learner connector piece: replaces the policy batch's rewards by the mixed reward.

    ``r ← task_weight · r_env + style_weight · softplus(D(s, s'))`` on the policy module's batch, and
    copies that batch to the discriminator module so it trains on the same policy transitions.
    Must sit after ``NumpyToTensor`` (tensors) and before PPO's GAE (last piece).
    """

    def __init__(self, input_observation_space=None, input_action_space=None, *,
                 task_weight: float, style_weight: float, **kwargs):
        super().__init__(input_observation_space, input_action_space, **kwargs)
        self.task_weight = float(task_weight)
        self.style_weight = float(style_weight)

    def __call__(self, *, rl_module, batch: dict[str, Any], episodes, explore=None, shared_data=None,
                 metrics=None, **kwargs) -> Any:
        policy_batch = batch[DEFAULT_MODULE_ID]
        disc = rl_module[DISCRIMINATOR_MODULE_ID].unwrapped()
        with torch.no_grad():
            logits = disc.forward_train(policy_batch)[LOGITS_KEY]
            style = losses.gail_style_reward(logits)
        env_reward = policy_batch[Columns.REWARDS]
        mask = policy_batch.get(Columns.LOSS_MASK)
        mixed = losses.mix_rewards(env_reward, style.to(env_reward.dtype),
                                   task_weight=self.task_weight, style_weight=self.style_weight)
        if mask is not None:  # PPO's artificial bootstrap timesteps keep their (zero) env reward
            mixed = torch.where(mask, mixed, env_reward)
        policy_batch[Columns.REWARDS] = mixed
        if metrics is not None:
            valid = style[mask] if mask is not None else style
            env_valid = env_reward[mask] if mask is not None else env_reward
            metrics.log_value((DEFAULT_MODULE_ID, STYLE_REWARD_MEAN), float(valid.mean()), window=1)
            metrics.log_value((DEFAULT_MODULE_ID, ENV_REWARD_MEAN), float(env_valid.mean()), window=1)
        batch[DISCRIMINATOR_MODULE_ID] = dict(policy_batch)
        return batch


class ImitationPPOTorchLearner(PPOTorchLearner):
    """``PPOTorchLearner`` with BC on the policy and a GAIL discriminator as a second module.

    Reads its settings from ``config.imitation_params`` / ``config.imitation_demos`` (set by
    :meth:`rl_gait.learner.ImitationPPOConfig.imitation`). With ``imitation_params is None`` it is plain
    PPO (physics-only mode builds the same learner class).
    """

    def build(self) -> None:
        # Measured on the 2-core box: 40 PPO minibatch updates take 0.6 s with one torch thread and 8 s
        # with two when the CPUs are shared (OpenMP threads spin against the env runners).
        torch.set_num_threads(max(1, int(getattr(self.config, "rl_gait_torch_threads", 1))))
        super().build()
        from rl_gait.learner.pipelined import ProximalPolicyConnector, samples_ahead

        if (samples_ahead(self.config) and self._learner_connector is not None
                and self.config.add_default_connectors_to_learner_pipeline):
            self._learner_connector.append(ProximalPolicyConnector())  # after GAE: decoupled PPO (its module doc)
        params: ImitationParams | None = getattr(self.config, "imitation_params", None)
        self._imitation = params
        self._anchor = None
        self._disc_worker: SerialWorker | None = None
        if params is None:
            return
        if self._discriminator_thread_applies():
            self._disc_worker = SerialWorker("rl_gait-discriminator")
        self._bc_pending: list = []  # futures of BC gradients made on the thread for this minibatch
        self._disc_steps_per_update = disc_steps_per_update(
            params.disc_num_epochs, batch_size=self.config.train_batch_size_per_learner,
            minibatch_size=self.config.minibatch_size or self.config.train_batch_size_per_learner,
            num_epochs=self.config.num_epochs)
        self._disc_steps_left: int | None = None
        if params.anchor_coeff > 0:
            # the warm start, frozen (the trained module gets it only in on_algorithm_init, after build())
            anchor = copy.deepcopy(self.module[DEFAULT_MODULE_ID].unwrapped())
            _, state, _ = read_policy(self.config.rl_gait_anchor_dir)  # hash-verified safetensors, no pickle
            set_policy_state(anchor, state, self.config.rl_gait_anchor_dir)
            anchor.eval()
            for p in anchor.parameters():
                p.requires_grad_(False)
            self._anchor = anchor
            self._task_slice = slice(*self.config.rl_gait_task_slice)
            self._anchor_class_weights = torch.tensor(params.anchor_weight_per_class(), device=self._device)
            self._anchor_states = None
            if self.config.rl_gait_anchor_states:  # fixed states: the anchor's means are computed once
                states = torch.as_tensor(load_anchor_states(self.config.rl_gait_anchor_states), device=self._device)
                with torch.no_grad():
                    means = mean_actions(anchor, states)
                weights = losses.anchor_sample_weights(states[:, self._task_slice], self._anchor_class_weights)
                self._anchor_states = (states, means, weights)
        # with an anchor, a third term reaches the actor's gradient (the anchor states' distance): BC stays in the
        # joint backward there, whose sum of three terms' order the thread could not reproduce
        self._bc_on_thread = self._disc_worker is not None and self._anchor is None and params.bc_coeff > 0
        self._bc_module: str | None = None  # the module BC trains (known after its first minibatch)
        self._bc_next: tuple[dict[str, torch.Tensor], Future, int] | None = None  # next BC: sample, gradient, update
        self._update_index = 0
        demos = load_demonstration_arrays(self.config.imitation_demos,
                                          getattr(self.config, "imitation_demos_sha256", None))
        self._demo = {k: torch.as_tensor(v, device=self._device) for k, v in demos.items()}
        seed = (self.config.seed or 0) * 1000 + int(getattr(self, "_learner_index", 0) or 0)
        self._demo_rng = torch.Generator(device="cpu").manual_seed(seed)
        if self._learner_connector is not None and self.config.add_default_connectors_to_learner_pipeline:
            self._learner_connector.insert_after(AddObservationsFromEpisodesToBatch,
                                                 AddNextObservationsFromEpisodesToTrainBatch())
            self._learner_connector.insert_after(
                NumpyToTensor,
                StyleRewardConnector(task_weight=params.task_reward_weight,
                                     style_weight=params.style_reward_weight),
            )

    def configure_optimizers_for_module(self, module_id, config=None) -> None:
        if module_id != DISCRIMINATOR_MODULE_ID:
            return super().configure_optimizers_for_module(module_id, config)
        module = self._module[module_id]
        params = self.get_parameters(module)
        lr = self.config.imitation_params.disc_lr
        self.register_optimizer(module_id=module_id, optimizer=torch.optim.Adam(params), params=params,
                                lr_or_lr_schedule=lr)

    def _sample_demo(self, n: int) -> dict[str, torch.Tensor]:
        idx = torch.randint(0, self._demo["obs"].shape[0], (n,), generator=self._demo_rng).to(self._device)
        return {k: v[idx] for k, v in self._demo.items()}

    def compute_loss_for_module(self, *, module_id, config, batch, fwd_out):
        if module_id == DISCRIMINATOR_MODULE_ID:
            return self._discriminator_loss(batch, fwd_out)
        total = super().compute_loss_for_module(module_id=module_id, config=config, batch=batch, fwd_out=fwd_out)
        if self._anchor is not None:
            total = total + self._imitation.anchor_coeff * self._anchor_loss(module_id, batch, fwd_out)
        if self._imitation is None or self._imitation.bc_coeff == 0.0:
            return total
        policy = self.module[module_id].unwrapped()
        if self._bc_on_thread:  # BC's gradient on the thread, added to PPO's in compute_gradients
            self._bc_pending.append(self._bc_future(module_id, policy))
            return total
        demo = self._sample_demo(self._imitation.bc_batch_size)
        bc = losses.bc_mse_loss(mean_actions(policy, demo["obs"]), demo["actions"])
        self.metrics.log_value((module_id, BC_LOSS), bc.detach(), window=1)
        return total + self._imitation.bc_coeff * bc

    def _anchor_loss(self, module_id, batch, fwd_out) -> torch.Tensor:
        obs = batch[Columns.OBS]
        weights = losses.anchor_sample_weights(obs[:, self._task_slice], self._anchor_class_weights)
        mask = batch.get(Columns.LOSS_MASK)
        if mask is not None:
            weights = weights * mask.to(obs.dtype)
        policy = self.module[module_id].unwrapped()
        with torch.no_grad():
            anchor_mean = mean_actions(self._anchor, obs)
        n_act = anchor_mean.shape[-1]
        loss = losses.anchor_mse_loss(fwd_out[Columns.ACTION_DIST_INPUTS][..., :n_act], anchor_mean, weights)
        if self._anchor_states is not None:  # + the anchor's own states, which the batch may not visit
            states, means, state_weights = self._anchor_states
            idx = torch.randint(0, states.shape[0], (self._imitation.bc_batch_size,),
                                generator=self._demo_rng).to(self._device)
            loss = loss + losses.anchor_mse_loss(mean_actions(policy, states[idx]), means[idx], state_weights[idx])
        self.metrics.log_value((module_id, ANCHOR_LOSS), loss.detach(), window=1)
        return loss

    def _discriminator_loss(self, batch, fwd_out) -> torch.Tensor:
        """The discriminator's loss in RLlib's joint minibatch step (no thread); logs its metrics."""
        demo = self._sample_demo(self._disc_demo_size(batch))
        loss, metrics = self._discriminator_loss_and_metrics(batch, fwd_out, demo)
        self.metrics.log_dict(metrics, key=DISCRIMINATOR_MODULE_ID, window=1)
        self._last_disc_loss = loss.detach()
        return loss

    def _disc_demo_size(self, batch) -> int:
        """Demonstrations per discriminator minibatch: as many as its valid policy transitions, at most
        ``bc_batch_size`` (at least 1)."""
        mask = batch.get(Columns.LOSS_MASK)
        n_policy = int(mask.sum()) if mask is not None else int(batch[Columns.OBS].shape[0])
        return min(self._imitation.bc_batch_size, max(n_policy, 1))

    def _discriminator_loss_and_metrics(self, batch, fwd_out, demo) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """BCE (expert = 1) + ``grad_penalty`` × the gradient penalty on ``demo``, and the metrics to log."""
        disc = self.module[DISCRIMINATOR_MODULE_ID].unwrapped()
        logits_policy = fwd_out[LOGITS_KEY]
        mask = batch.get(Columns.LOSS_MASK)
        if mask is not None:
            logits_policy = logits_policy[mask]
        feats_expert = disc.transition_features(demo["obs"], demo["next_obs"]).requires_grad_(True)
        logits_expert = disc.logits_from_features(feats_expert)
        bce = losses.discriminator_bce_loss(logits_expert, logits_policy)
        gp = losses.gradient_penalty(logits_expert, feats_expert)
        metrics = {
            DISC_LOSS: bce.detach(),
            DISC_GRAD_PENALTY: gp.detach(),
            DISC_ACC_EXPERT: losses.discriminator_accuracy(logits_expert.detach(), labels_expert_is_one=True),
            DISC_ACC_POLICY: losses.discriminator_accuracy(logits_policy.detach(), labels_expert_is_one=False),
        }
        return bce + self._imitation.grad_penalty * gp, metrics

    # --- the discriminator on its own thread (module docstring) ---

    def _discriminator_thread_applies(self) -> bool:
        """Whether this learner steps the discriminator on a thread: asked for (``rl_gait_discriminator_thread``),
        on a CPU, without DDP (whose gradient all-reduce would then run from two threads), torch.compile or
        mixed precision (a loss scaler shared by the modules)."""
        device = torch.device(self._device) if self._device is not None else torch.device("cpu")
        return (bool(getattr(self.config, "rl_gait_discriminator_thread", False)) and device.type == "cpu"
                and self.config.num_learners <= 1 and not self.config.torch_compile_learner
                and self._grad_scalers is None)

    def before_gradient_based_update(self, *, timesteps) -> None:
        super().before_gradient_based_update(timesteps=timesteps)
        if self._imitation is not None:
            self._disc_steps_left = self._disc_steps_per_update  # None: a step on every minibatch
            self._last_disc_loss = None
            self._update_index += 1

    def _uncompiled_update(self, batch, **kwargs):
        """``TorchLearner._uncompiled_update`` for the other modules; the discriminator's step on its thread.
        Past ``ImitationParams.disc_num_epochs`` the discriminator sits the update's other minibatches out."""
        if DISCRIMINATOR_MODULE_ID in batch and getattr(self, "_disc_steps_left", None) is not None:
            if self._disc_steps_left <= 0:
                batch = {mid: b for mid, b in batch.items() if mid != DISCRIMINATOR_MODULE_ID}
            else:
                self._disc_steps_left -= 1
        if self._disc_worker is None:
            return super()._uncompiled_update(batch, **kwargs)
        self._compute_off_policyness(batch)
        rest = {mid: b for mid, b in batch.items() if mid != DISCRIMINATOR_MODULE_ID}
        fwd_out = self.module.forward_train(rest)
        loss_per_module = self.compute_losses(fwd_out=fwd_out, batch=rest)
        gradients = self.compute_gradients(loss_per_module)
        self.apply_gradients(self.postprocess_gradients(gradients))
        # the joint step's draws in its order: this minibatch's discriminator sample (after its BC sample), then
        # the next minibatch's BC sample, whose gradient (at the weights just stepped) the thread makes first
        disc_batch = batch.get(DISCRIMINATOR_MODULE_ID)
        disc_demo = self._sample_demo(self._disc_demo_size(disc_batch)) if disc_batch is not None else None
        if self._bc_module is not None:
            demo = self._sample_demo(self._imitation.bc_batch_size)
            policy = self.module[self._bc_module].unwrapped()
            future = self._disc_worker.submit(self._bc_gradients, self._bc_module, policy, demo)
            self._bc_next = (demo, future, self._update_index)
        if disc_batch is not None:
            self._disc_worker.submit(self._discriminator_step, disc_batch, disc_demo,
                                     self.get_optimizer(DISCRIMINATOR_MODULE_ID))
        return fwd_out, loss_per_module, {}

    def _discriminator_step(self, batch, demo, optimizer) -> _DiscStep:
        """One discriminator minibatch update (on the worker thread): what RLlib's joint step does for it —
        forward, loss, backward, non-finite gradients zeroed (``torch_skip_nan_gradients=False``), Adam step."""
        module = self.module[DISCRIMINATOR_MODULE_ID]
        loss, metrics = self._discriminator_loss_and_metrics(batch, module.forward_train(batch), demo)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        for group in optimizer.param_groups:
            for p in group["params"]:
                if p.grad is not None and not torch.isfinite(p.grad).all():
                    logger.warning("discriminator gradients contain nan/inf: set to zero")
                    p.grad = torch.nan_to_num(p.grad)
        optimizer.step()
        return _DiscStep(loss.detach(), metrics)

    def _bc_future(self, module_id, policy) -> Future:
        """This minibatch's BC gradient on the thread: made at the end of the last minibatch (its sample drawn
        then, in the joint step's order), or now — at the first minibatch, or when the one made belongs to an
        earlier update (the weights may have been set since; the sample drawn for it is this one)."""
        self._bc_module = module_id
        made, self._bc_next = self._bc_next, None
        if made is not None and made[2] == self._update_index:
            return made[1]
        demo = made[0] if made is not None else self._sample_demo(self._imitation.bc_batch_size)
        return self._disc_worker.submit(self._bc_gradients, module_id, policy, demo)

    def _bc_gradients(self, module_id, policy, demo) -> _BCGradients:
        """``∂(bc_coeff · BC)/∂θ`` of the policy's parameters (on the worker thread, beside PPO's backward): the
        joint backward's BC branch, the same operations; ``None`` where BC does not reach (the critic)."""
        bc = losses.bc_mse_loss(mean_actions(policy, demo["obs"]), demo["actions"])
        params = [p for p in policy.parameters() if p.requires_grad]
        grads = torch.autograd.grad(self._imitation.bc_coeff * bc, params, allow_unused=True)
        return _BCGradients(module_id, bc.detach(), list(zip(params, grads, strict=True)))

    def compute_gradients(self, loss_per_module, **kwargs):
        """RLlib's, but with the discriminator on its thread only the optimizers of the modules with a loss here
        are zeroed and only their gradients returned (RLlib zeroes and reads every module's); BC's gradient, made on
        the thread meanwhile, is added to PPO's — for each parameter the sum of the same two terms the joint
        backward adds, so the same bits."""
        if self._disc_worker is None:
            return super().compute_gradients(loss_per_module, **kwargs)
        refs = []
        for mid in loss_per_module:
            for _, optimizer in self.get_optimizers_for_module(mid):
                optimizer.zero_grad(set_to_none=True)
                refs += self._optimizer_parameters[optimizer]
        total_loss = sum(loss_per_module.values())
        try:
            if isinstance(total_loss, int) or total_loss.grad_fn is None:
                return {}
            total_loss.backward()
        finally:
            bc_results = [f.result() for f in self._bc_pending]  # waits (and raises a BC error) in any case
            self._bc_pending.clear()
        for res in bc_results:
            for p, g in res.grads:
                if g is not None:
                    p.grad = g if p.grad is None else p.grad + g
            self.metrics.log_value((res.module_id, BC_LOSS), res.bc_loss, window=1)
            # the module's total loss as RLlib logs it after the update (PPO's + bc_coeff × BC)
            loss_per_module[res.module_id] = (loss_per_module[res.module_id].detach()
                                              + self._imitation.bc_coeff * res.bc_loss)
        return {ref: self._params[ref].grad for ref in refs}

    def apply_gradients(self, gradients_dict) -> None:
        """RLlib's, without stepping the discriminator's optimizer when its thread steps it."""
        if self._disc_worker is None:
            return super().apply_gradients(gradients_dict)
        every = self._module_optimizers
        self._module_optimizers = defaultdict(list, {m: n for m, n in every.items() if m != DISCRIMINATOR_MODULE_ID})
        try:
            super().apply_gradients(gradients_dict)
        finally:
            self._module_optimizers = every

    def after_gradient_based_update(self, *, timesteps) -> None:
        if self._disc_worker is not None:
            results = [r for r in self._disc_worker.drain() if isinstance(r, _DiscStep)]  # all have finished
            if results:  # logged as the joint step does (window 1: the last minibatch's values)
                loss, metrics = results[-1]
                self.metrics.log_dict(metrics, key=DISCRIMINATOR_MODULE_ID, window=1)
                self.metrics.log_value((DISCRIMINATOR_MODULE_ID, self.TOTAL_LOSS_KEY), loss, window=1)
        elif getattr(self, "_disc_steps_per_update", None) is not None and self._last_disc_loss is not None:
            # RLlib logs each module's loss of the update's last minibatch, which the discriminator may have sat out
            self.metrics.log_value((DISCRIMINATOR_MODULE_ID, self.TOTAL_LOSS_KEY), self._last_disc_loss, window=1)
        super().after_gradient_based_update(timesteps=timesteps)

    def update(self, *args, **kwargs):
        try:
            return super().update(*args, **kwargs)
        finally:
            if getattr(self, "_disc_worker", None) is not None and self._bc_pending:
                self._bc_pending.clear()  # the update failed
            if getattr(self, "_disc_worker", None) is not None and not self._disc_worker.idle:
                self._disc_worker.discard()  # all steps finished (the next BC gradient: remade for the next update)
