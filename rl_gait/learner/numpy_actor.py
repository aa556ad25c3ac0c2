"""The policy's deterministic actor path (encoder MLP → mean head) evaluated in numpy.

An evaluation or prediction rollout asks the policy for one action per control step, one observation at a
time. Through torch that forward cost ~80 µs per call on the 2-core box (profiled, docs/throughput.md), mostly
``nn.Module`` dispatch around three small matrix products; the same products in numpy take a fraction of it.
:func:`numpy_actor` reads the weights of an RLlib ``DefaultPPOTorchRLModule``'s actor (its actor encoder's MLP
and the policy head's MLP) once and returns a :class:`NumpyActor` that computes the Gaussian's mean from a batch
of observations — the same function, float32 throughout (differences to torch are float rounding, ~1e-6).

Only layers it knows are compiled (``Linear`` and the activations below); a module of any other shape gives
``None`` and callers keep the torch forward. The weights are a snapshot: build a new one after training on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

LayerFn = Callable[[np.ndarray], np.ndarray]


def tanh_f32(x: np.ndarray) -> np.ndarray:
    """Elementwise tanh of a float32 array (any shape), written into ``x`` (the actor's own activations)."""
    return np.tanh(x, out=x)


def relu_f32(x: np.ndarray) -> np.ndarray:
    """Elementwise max(x, 0) of a float32 array (any shape), written into ``x`` (the actor's own activations)."""
    return np.maximum(x, 0.0, out=x)


def identity(x: np.ndarray) -> np.ndarray:
    """The identity activation."""
    return x


def _activation(layer: Any) -> LayerFn | None:
    import torch

    from rl_gait.learner.activations import SigmoidTanh

    if isinstance(layer, torch.nn.Tanh | SigmoidTanh):
        return tanh_f32
    if isinstance(layer, torch.nn.ReLU):
        return relu_f32
    if isinstance(layer, torch.nn.Identity):
        return identity
    return None


def _compile_mlp(seq: Any) -> list[tuple[np.ndarray, np.ndarray] | LayerFn] | None:
    """``nn.Sequential`` of ``Linear`` and known activations → a list of ``(W.T [in, out], b [out])`` and
    activation functions; ``None`` for any other layer."""
    import torch

    if not isinstance(seq, torch.nn.Sequential):
        return None
    layers: list[tuple[np.ndarray, np.ndarray] | LayerFn] = []
    for layer in seq:
        if isinstance(layer, torch.nn.Linear):
            w = layer.weight.detach().cpu().numpy().astype(np.float32).T.copy()
            b = (layer.bias.detach().cpu().numpy().astype(np.float32) if layer.bias is not None
                 else np.zeros(w.shape[1], np.float32))
            layers.append((w, b))
        else:
            fn = _activation(layer)
            if fn is None:
                return None
            layers.append(fn)
    return layers


class NumpyActor:
    """The actor's Gaussian from observations ``[B, D]`` (float32); see the module docstring.

    ``free_log_std``: the head's state-independent log standard deviations ``[A]`` (RLlib's free-log-std head,
    already clipped as it clips them), or ``None`` when the head outputs mean and log std (``[B, 2A]``)."""

    def __init__(self, layers: list[tuple[np.ndarray, np.ndarray] | LayerFn], action_dim: int,
                 free_log_std: np.ndarray | None = None):
        self._layers = layers
        self.action_dim = int(action_dim)
        self._free_log_std = None if free_log_std is None else np.asarray(free_log_std, np.float32)

    def _head(self, obs: np.ndarray) -> np.ndarray:
        x = np.array(obs, dtype=np.float32)  # a copy: the activations work in place
        for layer in self._layers:
            if isinstance(layer, tuple):
                x = x @ layer[0]
                x += layer[1]
            else:
                x = layer(x)
        return x

    def mean(self, obs: np.ndarray) -> np.ndarray:
        """Gaussian mean ``[B, A]`` for observations ``[B, D]`` (float32)."""
        return self._head(obs)[:, : self.action_dim]

    def dist_inputs(self, obs: np.ndarray) -> np.ndarray:
        """``[B, 2A]`` float32: mean then log standard deviation, RLlib's ``ACTION_DIST_INPUTS`` layout."""
        out = self._head(obs)
        if self._free_log_std is None:
            return out
        return np.concatenate([out, np.broadcast_to(self._free_log_std, out.shape)], axis=1)


def diag_gaussian_logp(actions: np.ndarray, mean: np.ndarray, log_std: np.ndarray) -> np.ndarray:
    """Log density ``[B]`` (nats) of actions ``[B, A]`` under independent Gaussians (mean, log std ``[B, A]``):
    ``Σ_a −(x − μ)² / (2σ²) − log σ − log √(2π)`` (what RLlib's ``TorchDiagGaussian.logp`` computes)."""
    var = np.exp(2.0 * log_std)
    return (-((actions - mean) ** 2) / (2.0 * var) - log_std - np.float32(0.5 * np.log(2.0 * np.pi))).sum(-1)


def numpy_actor(module: Any, action_dim: int) -> NumpyActor | None:
    """:class:`NumpyActor` of a PPO ``RLModule`` whose actor is ``encoder.actor_encoder.net.mlp`` then
    ``pi.net.mlp`` (RLlib's default PPO module with MLP encoders), else ``None``. The head's outputs are the
    mean (a free log-std head, whose ``log_std`` parameter is read and clipped as RLlib clips it) or mean then
    log std (RLlib's layout)."""
    try:
        encoder = module.encoder.actor_encoder.net.mlp
        head = module.pi.net.mlp
    except AttributeError:
        return None
    if getattr(module.encoder, "shared", False) or getattr(module, "is_stateful", lambda: False)():
        return None
    enc, pi = _compile_mlp(encoder), _compile_mlp(head)
    if enc is None or pi is None:
        return None
    free_log_std = None
    log_std = getattr(module.pi, "log_std", None)
    if log_std is not None:
        free_log_std = log_std.detach().cpu().numpy().astype(np.float32)
        if getattr(module.pi, "clip_log_std", False):
            c = float(module.pi.log_std_clip_param_const.item())
            free_log_std = np.clip(free_log_std, -c, c)
    return NumpyActor(enc + pi, action_dim, free_log_std)
