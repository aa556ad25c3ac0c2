"""Pure loss and reward functions of the hybrid learner (torch; no RLlib, no env).

Sign conventions live in the names: the discriminator's logits are **high for expert**
(demonstration) transitions, its labels are **expert = 1, policy = 0**.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def bc_mse_loss(policy_mean_actions: torch.Tensor, expert_actions: torch.Tensor) -> torch.Tensor:
    """Behaviour-cloning loss: mean squared error of the policy's mean action on demonstrations.

    Args:
        policy_mean_actions: float tensor ``[B, A]``, the mean of the policy's Gaussian at the
            demonstration observations (normalised action units, the env's ``Box(-1, 1)``).
        expert_actions: float tensor ``[B, A]``, the BC targets in the same units.

    Returns:
        scalar, ``mean over B of sum over A of (mean − target)²``.

    Why MSE on the mean and not ``−log π(a_expert | s)``: the likelihood also rewards shrinking the
    Gaussian's standard deviation towards zero around the demonstrations, which removes the exploration
    PPO needs; the mean-squared error leaves the standard deviation to PPO's own objective.
    """
    return torch.mean(torch.sum((policy_mean_actions - expert_actions) ** 2, dim=-1))


def discriminator_bce_loss(logits_expert: torch.Tensor, logits_policy: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of a discriminator whose logits are high for expert transitions.

    Args:
        logits_expert: ``[Be]`` logits on demonstration transitions (label 1).
        logits_policy: ``[Bp]`` logits on policy transitions (label 0).

    Returns:
        scalar ``0.5 · (mean softplus(−l_e) + mean softplus(l_p))``: with ``D = sigmoid(l)``,
        ``−log D(e) = softplus(−l_e)`` and ``−log(1 − D(p)) = softplus(l_p)``; the two halves are
        averaged separately so a larger policy batch does not outweigh the expert one.
    """
    return 0.5 * (F.softplus(-logits_expert).mean() + F.softplus(logits_policy).mean())


def gradient_penalty(logits_expert: torch.Tensor, expert_inputs: torch.Tensor) -> torch.Tensor:
    """Zero-centred gradient penalty on expert inputs: ``mean over B of ‖∂l/∂x‖²``.

    Args:
        logits_expert: ``[B]`` discriminator logits computed from ``expert_inputs``.
        expert_inputs: ``[B, F]`` the (normalised) discriminator inputs, ``requires_grad=True``.

    Returns:
        scalar; differentiable (``create_graph=True``) so it can be minimised. Keeps the
        discriminator smooth around the data, which keeps the style reward informative (AMP, R1).
    """
    (grad,) = torch.autograd.grad(logits_expert.sum(), expert_inputs, create_graph=True)
    return torch.mean(torch.sum(grad**2, dim=-1))


def gail_style_reward(logits_policy: torch.Tensor) -> torch.Tensor:
    """Per-transition style reward from discriminator logits (high = looks like the demonstrations).

    GAIL's policy cost is ``log(1 − D(s, s'))`` with ``D = sigmoid(l)`` the probability of "expert", so
    the reward is ``r = −log(1 − sigmoid(l))``. Since ``1 − sigmoid(l) = sigmoid(−l)`` and
    ``−log sigmoid(−l) = softplus(l)``: ``r = softplus(l)`` — positive, ``log 2`` at ``l = 0``, growing
    linearly for transitions the discriminator takes for expert ones, near 0 for obvious fakes.

    Args:
        logits_policy: ``[B]`` logits on policy transitions. Returns ``[B]``.
    """
    return F.softplus(logits_policy)


def mix_rewards(
    env_reward: torch.Tensor, style_reward: torch.Tensor, *, task_weight: float, style_weight: float
) -> torch.Tensor:
    """Reward used for advantages: ``task_weight · env_reward + style_weight · style_reward`` (``[B]``)."""
    return task_weight * env_reward + style_weight * style_reward


def discriminator_accuracy(logits: torch.Tensor, *, labels_expert_is_one: bool) -> torch.Tensor:
    """Fraction (0…1) of ``logits`` (``[B]``) classified correctly: ``l > 0`` means "expert"."""
    correct = logits > 0 if labels_expert_is_one else logits < 0
    return correct.float().mean()


def terrain_class_codes(task_block: torch.Tensor) -> torch.Tensor:
    """Index into :data:`rl_gait.tasks.TERRAIN_CLASSES` of each observation's task.

    Args:
        task_block: ``[B, 6]`` the ``"task"`` block of :class:`~rl_gait.envs.walk.WalkEnv` observations:
            terrain one-hot (level, slope, stairs), grade rad (+ uphill), signed step height m (+ up),
            target speed m/s.

    Returns:
        long ``[B]``: 0 level, 1 slope up (grade ≥ 0, as ``Task.name``), 2 slope down, 3 stairs up,
        4 stairs down.
    """
    kind = task_block[:, :3].argmax(dim=-1)
    slope = torch.where(task_block[:, 3] >= 0, 1, 2)
    stairs = torch.where(task_block[:, 4] > 0, 3, 4)
    return torch.where(kind == 0, 0, torch.where(kind == 1, slope, stairs)).long()


def anchor_sample_weights(task_block: torch.Tensor, class_weights: torch.Tensor) -> torch.Tensor:
    """``[B]`` float: each sample's anchor weight, ``class_weights[c]`` (``[len(TERRAIN_CLASSES)]``) of its
    terrain class ``c`` (:func:`terrain_class_codes` of the ``[B, 6]`` task block)."""
    return class_weights.to(task_block.dtype)[terrain_class_codes(task_block)]


def anchor_mse_loss(policy_mean_actions: torch.Tensor, anchor_mean_actions: torch.Tensor,
                    weights: torch.Tensor) -> torch.Tensor:
    """Kickstarting / distillation term: how far the policy's mean action moved from a frozen anchor policy's.

    Args:
        policy_mean_actions: ``[B, A]`` the trained policy's Gaussian mean at the sampled observations
            (normalised action units).
        anchor_mean_actions: ``[B, A]`` the anchor's (the warm start, no gradient) at the same observations.
        weights: ``[B]`` ≥ 0 per sample (0: not anchored, e.g. the task a stretch is meant to change, or
            PPO's padding; above 1: a skill anchored harder).

    Returns:
        scalar, ``Σ_b w_b Σ_a (μ − μ_anchor)² / #{b : w_b > 0}``: the mean over the anchored samples of
        their weighted distance, so a class's weight scales its pull whatever the rest of the batch holds
        (0 when every weight is 0).

    Why: training one skill (stairs up) from a warm start drifts the others (a weakened body descending a
    slope); a distance to the warm start's actions on the policy's own states keeps them (Schmitt et al.
    2018, *Kickstarting deep RL*), unlike BC, which pulls towards the reference's actions.
    """
    per_sample = torch.sum((policy_mean_actions - anchor_mean_actions) ** 2, dim=-1)
    return torch.sum(weights * per_sample) / torch.clamp(torch.count_nonzero(weights), min=1)


def decoupled_ppo_weights(logp_proximal: torch.Tensor, logp_behaviour: torch.Tensor,
                          max_weight: float) -> torch.Tensor:
    """Importance weights of decoupled PPO (Hilton et al. 2022, "Batch size-invariance for policy
    optimization"): ``min(π_prox(a|s) / π_behaviour(a|s), max_weight)``.

    When a batch was sampled by an older policy ``π_behaviour`` than the one the update starts from,
    ``π_prox``, the clipped surrogate is taken about ``π_prox`` (ratio ``π_θ / π_prox``, clip and KL about the
    update's start, as in synchronous PPO) and each sample is re-weighted by this weight, so that the
    expectation is over ``π_prox``'s actions again. Because PPO's surrogate ``min(r·A, clip(r)·A)`` is linear in
    the advantage for a positive weight ``w``, ``w · min(r·A, clip(r)·A) = min(r·(w·A), clip(r)·(w·A))``: the
    weight is applied by scaling the advantages.

    Args:
        logp_proximal: ``[B]`` log-probability (nats) of each sampled action under the policy at the update's
            start.
        logp_behaviour: ``[B]`` log-probability (nats) of the same actions under the policy that sampled them.
        max_weight: upper bound of a weight (> 0): truncation, as V-trace's ρ̄, bounds the variance a rare
            action that the newer policy much prefers would add.

    Returns:
        ``[B]`` weights in ``[0, max_weight]``; all 1 when the two policies agree.
    """
    return torch.exp(logp_proximal - logp_behaviour).clamp(max=max_weight)
