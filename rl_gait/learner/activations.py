"""The policy network's tanh, computed through the logistic function, and the catalog that builds it.

Profiled on the 2-core box (docs/throughput.md): ``torch.tanh`` on CPU (torch 2.13, AVX-512 build, one thread) took
0.52–0.59 ms for a ``[1000, 256]`` tensor, ten times ``torch.sigmoid``'s 0.05 ms, and was ~14 % of the hybrid
learner's update (the actor and critic have two tanh layers each, run on every minibatch and on BC's
demonstrations). ``tanh(x) = 2·σ(2x) − 1`` exactly; in float32 the two differ by at most ~2e-7 (one or two units in
the last place of values near ±1, an absolute ~6e-8 near 0) — a hidden activation's output, far below anything
the networks resolve. :class:`SigmoidTanh` computes it so and backpropagates ``g·(1 − y²)`` as ``torch.tanh``
does: forward and backward of a ``[1000, 256]`` tensor 0.46–0.54 ms against 0.83–0.99 ms (measured).
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.algorithms.ppo.ppo_catalog import PPOCatalog


class _SigmoidTanhFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        y = torch.sigmoid(x * 2.0).mul_(2.0).sub_(1.0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (y,) = ctx.saved_tensors
        return grad * (1.0 - y * y)


def sigmoid_tanh(x: torch.Tensor) -> torch.Tensor:
    """``tanh(x)`` (any shape, elementwise) as ``2·σ(2x) − 1``, with tanh's gradient ``1 − tanh²``."""
    return _SigmoidTanhFunction.apply(x)


class SigmoidTanh(torch.nn.Module):
    """``torch.nn.Tanh`` through :func:`sigmoid_tanh` (no parameters: state dicts are the same as with ``Tanh``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return sigmoid_tanh(x)


class GaitPPOCatalog(PPOCatalog):
    """RLlib's ``PPOCatalog`` whose ``"tanh"`` layers (encoder and heads) are :class:`SigmoidTanh`.

    The same networks, parameter names and shapes as ``PPOCatalog`` builds from the same ``model_config``: a
    policy saved by either loads into the other (``rl_gait.learner.checkpoint``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        encoder = self._encoder_config  # its last hidden layer is the MLP's output layer (output_layer_activation)
        for field in ("hidden_layer_activation", "output_layer_activation"):
            if getattr(encoder, field, None) == "tanh":
                setattr(encoder, field, SigmoidTanh)
        if self.pi_and_vf_head_activation == "tanh":
            self.pi_and_vf_head_activation = SigmoidTanh
            self.vf_head_config.hidden_layer_activation = SigmoidTanh
