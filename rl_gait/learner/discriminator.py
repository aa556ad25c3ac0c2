"""The learner-only GAIL discriminator: an ``RLModule`` that scores (s, s') style transitions.

It is built only on Learners (``learner_only=True`` in its ``RLModuleSpec``), never on EnvRunners, and is
checkpointed with the policy. Its input is the env's ``"style"`` observation block of ``s`` and of ``s'``
(joint angles, joint velocities, feet relative to the pelvis — computed by ONE env function for
simulated and reference states), normalised inside this module by fixed statistics of the
demonstrations, so expert and policy features pass through exactly the same normalisation.
"""

from __future__ import annotations

from typing import Any

import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.torch.torch_rl_module import TorchRLModule
from torch import nn

DISCRIMINATOR_MODULE_ID = "style_discriminator"
LOGITS_KEY = "disc_logits"
FEATURES_KEY = "disc_features"


class StyleDiscriminator(TorchRLModule):
    """MLP ``D(s, s') → logit`` (high = demonstration-like).

    ``model_config`` keys (set by :func:`rl_gait.learner.build_config`, not by users):
    ``style_start`` / ``style_stop`` (the observation slice), ``feature_mean`` / ``feature_std``
    (``2F`` floats: normalisation of ``[style(s), style(s')]``), ``hidden`` (layer sizes).
    """

    def setup(self) -> None:
        cfg = self.model_config
        self.style_start = int(cfg["style_start"])
        self.style_stop = int(cfg["style_stop"])
        n_in = 2 * (self.style_stop - self.style_start)
        mean = torch.as_tensor(cfg["feature_mean"], dtype=torch.float32)
        std = torch.as_tensor(cfg["feature_std"], dtype=torch.float32)
        if mean.shape != (n_in,) or std.shape != (n_in,):
            raise ValueError(f"feature_mean/std must have {n_in} entries, got {tuple(mean.shape)}, {tuple(std.shape)}")
        self.register_buffer("feature_mean", mean)
        self.register_buffer("feature_std", torch.clamp(std, min=1e-3))
        layers: list[nn.Module] = []
        width = n_in
        for h in cfg.get("hidden", (256, 256)):
            layers += [nn.Linear(width, int(h)), nn.ReLU()]
            width = int(h)
        layers.append(nn.Linear(width, 1))
        self.net = nn.Sequential(*layers)

    def transition_features(self, obs: torch.Tensor, next_obs: torch.Tensor) -> torch.Tensor:
        """Normalised ``[B, 2F]`` features ``[style(s), style(s')]`` (float32)."""
        s = obs[..., self.style_start : self.style_stop]
        s_next = next_obs[..., self.style_start : self.style_stop]
        f = torch.cat([s, s_next], dim=-1).to(torch.float32)
        return (f - self.feature_mean) / self.feature_std

    def logits_from_features(self, features: torch.Tensor) -> torch.Tensor:
        """``[B]`` logits from normalised ``[B, 2F]`` features."""
        return self.net(features).squeeze(-1)

    def _forward(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        feats = self.transition_features(batch[Columns.OBS], batch[Columns.NEXT_OBS])
        return {LOGITS_KEY: self.logits_from_features(feats)}

    def _forward_train(self, batch: dict[str, Any], **kwargs) -> dict[str, Any]:
        return self._forward(batch, **kwargs)
