"""The walking env's options on ``rl-gait``'s argparse command lines (``run``, ``demo``, ``train``, ``personalize``,
``predict``): one definition per flag, read back into the one :class:`~rl_gait.envs.config.WalkEnvConfig` field
it sets (experiment scripts get every field from the config itself: :mod:`rl_gait.envs.config_cli`).

No MuJoCo, torch or Ray is imported here: the roof CLI builds its parser from this module.
"""

from __future__ import annotations

import argparse
from typing import Any

from rl_gait.envs.registration import BODY_MODELS

BODY_MODEL_FLAG = "--body-model"


def add_body_model_argument(p: argparse.ArgumentParser, *, from_checkpoint: bool = False) -> None:
    """``--body-model planar|3d`` (``WalkEnvConfig.body_model``). ``from_checkpoint``: a command that rolls a
    trained policy out (``predict``) reads the body model from the checkpoint; the flag then only confirms it
    (default ``None``; one that disagrees is refused, :func:`check_body_model`)."""
    if from_checkpoint:
        p.add_argument(BODY_MODEL_FLAG, choices=BODY_MODELS, default=None,
                       help="body model of the policy (default: the checkpoint's, recorded in its sidecar; a "
                            "different one is refused)")
        return
    p.add_argument(BODY_MODEL_FLAG, choices=BODY_MODELS, default="planar",
                   help="simulated body: planar (default; sagittal plane, fast) or 3d (experimental: frontal-plane "
                        "motion and sideways falls; no shipped 3D healthy prior yet)")


def env_config_from_args(args: argparse.Namespace, **fields: Any):
    """The :class:`~rl_gait.envs.config.WalkEnvConfig` of the env options on the command line (``--body-model``),
    with ``fields`` (task, reference, body, pd …) set too."""
    from rl_gait.envs.config import WalkEnvConfig

    return WalkEnvConfig(body_model=args.body_model, **fields)


def check_body_model(requested: str | None, recorded: str, checkpoint: Any) -> None:
    """One-line :class:`~rl_gait.errors.CheckpointError` when ``--body-model`` (``requested``; ``None`` = not
    given) differs from the body model a ``checkpoint``'s policy was trained on (``recorded``)."""
    if requested is not None and requested != recorded:
        from rl_gait.errors import CheckpointError

        raise CheckpointError(f"the policy was trained on the {recorded} body, {BODY_MODEL_FLAG} asks for {requested}",
                              path=checkpoint, fix=f"drop {BODY_MODEL_FLAG} (predictions use the checkpoint's body "
                                                   f"model) or pass a checkpoint trained with {BODY_MODEL_FLAG} "
                                                   f"{requested}")
