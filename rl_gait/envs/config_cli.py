"""A :class:`~rl_gait.envs.config.WalkEnvConfig` on a typed command line (``tyro``), for experiment scripts.

``tyro.cli`` turns an ``Args`` dataclass with a field ``env: WalkEnvOptions`` into ``--env.stair-fit``,
``--env.weakness-range 0.5 1``, ``--env.body.mass-kg 80`` …: every field of the config, generated from it (a new
field is a new flag), except the reference and the PD controller, which a run builds itself.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import tyro

from rl_gait.body.params import PDParams
from rl_gait.envs.config import WalkEnvConfig
from rl_gait.reference.motion import ReferenceMotion


@dataclass(frozen=True)
class WalkEnvOptions(WalkEnvConfig):
    """The walking env's settings (:class:`~rl_gait.envs.config.WalkEnvConfig`; reference and PD are the run's)."""

    reference: tyro.conf.Suppress[ReferenceMotion | None] = None
    pd: tyro.conf.Suppress[PDParams | None] = None

    def config(self) -> WalkEnvConfig:
        """These settings as a plain :class:`WalkEnvConfig` (what the package passes on and pickles)."""
        return WalkEnvConfig(**{f.name: getattr(self, f.name) for f in fields(WalkEnvConfig)})
