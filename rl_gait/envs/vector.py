"""``WalkVectorEnv``: N walking envs stepped in one process, for RLlib's EnvRunners.

RLlib 2.60 wraps every EnvRunner's envs in ``gymnasium``'s ``SyncVectorEnv`` and then converts the
vector's dict-of-arrays ``info`` back into one dict per env (``DictInfoToList``). Profiled on the 2-core
box (docs/throughput.md), the per-env ``info`` aggregation of ``SyncVectorEnv`` (``_add_info``: numpy
masks for every key of every env's info, arrays included) cost about a quarter of the env's own step.
This vector env steps the same envs with the same ``NEXT_STEP`` autoreset and seeding as
``SyncVectorEnv`` (env ``i`` is reset with ``seed + i``), but hands on only the **scalar** entries of each
env's ``info`` (reward terms, fall / success flags, task family and level, ...): the per-step arrays
(joint angles, torques, feet) are for rollouts that step the env itself (evaluation, predictions), and
RLlib would otherwise copy them into every episode and ship them to the learner.

RLlib builds it through the registered creator's ``num_envs`` argument
(``config.env_runners(gym_env_vectorize_mode="vector_entry_point")``, :mod:`rl_gait.envs.registration`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium.vector import AutoresetMode
from gymnasium.vector.utils import batch_space

_SCALAR_TYPES = (bool, int, float, str, np.bool_, np.integer, np.floating)


def scalar_info(info: dict[str, Any]) -> dict[str, Any]:
    """The entries of an env ``info`` whose values are scalars (bool, int, float, str; numpy scalars too)."""
    return {k: v for k, v in info.items() if isinstance(v, _SCALAR_TYPES)}


def stack_infos(infos: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Gymnasium's vector ``info`` format of per-env dicts: ``out[key]`` holds env ``i``'s value at ``i`` and
    ``out["_" + key][i]`` says whether env ``i`` had that key (numeric keys as float / bool / int arrays,
    others as object arrays)."""
    n = len(infos)
    keys: dict[str, None] = {}
    for info in infos:
        keys.update(dict.fromkeys(info))
    out: dict[str, Any] = {}
    for key in keys:
        present = np.fromiter((key in info for info in infos), dtype=bool, count=n)
        values = [info.get(key) for info in infos]
        first = next(v for v in values if v is not None)
        if isinstance(first, bool | np.bool_):
            arr = np.array([bool(v) for v in values], dtype=bool)
        elif isinstance(first, int | np.integer) and all(isinstance(v, int | np.integer) or v is None for v in values):
            arr = np.array([0 if v is None else v for v in values], dtype=np.int64)
        elif isinstance(first, float | np.floating | int | np.integer):
            arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            arr = np.empty(n, dtype=object)
            arr[:] = values
        out[key] = arr
        out[f"_{key}"] = present
    return out


class WalkVectorEnv(gym.vector.VectorEnv):
    """``num_envs`` copies of one env (``make_env()``), stepped in turn in this process.

    Same spaces, seeding (``reset(seed=s)`` resets env ``i`` with ``s + i``) and ``NEXT_STEP`` autoreset as
    ``gymnasium.vector.SyncVectorEnv``; ``info`` holds only the scalar entries of each env's info
    (:func:`scalar_info`) in gymnasium's vector format (:func:`stack_infos`).
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, make_env: Callable[[], gym.Env], num_envs: int):
        if num_envs < 1:
            raise ValueError(f"num_envs must be >= 1, got {num_envs}")
        self.envs = [make_env() for _ in range(int(num_envs))]
        self.num_envs = len(self.envs)
        first = self.envs[0]
        self.single_observation_space = first.observation_space
        self.single_action_space = first.action_space
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.metadata = dict(first.metadata, autoreset_mode=AutoresetMode.NEXT_STEP)
        self.render_mode = first.render_mode
        self._obs = np.zeros(self.observation_space.shape, dtype=self.single_observation_space.dtype)
        self._rewards = np.zeros(self.num_envs, dtype=np.float64)
        self._terminations = np.zeros(self.num_envs, dtype=bool)
        self._truncations = np.zeros(self.num_envs, dtype=bool)
        self._autoreset = np.zeros(self.num_envs, dtype=bool)

    def reset(self, *, seed: int | Sequence[int | None] | None = None, options: dict[str, Any] | None = None):
        seeds = ([None] * self.num_envs if seed is None else
                 [seed + i for i in range(self.num_envs)] if isinstance(seed, int | np.integer) else list(seed))
        if len(seeds) != self.num_envs:
            raise ValueError(f"got {len(seeds)} seeds for {self.num_envs} envs")
        infos = []
        for i, (env, s) in enumerate(zip(self.envs, seeds, strict=True)):
            self._obs[i], info = env.reset(seed=s, options=options)
            infos.append(scalar_info(info))
        self._autoreset[:] = False
        self._terminations[:] = False
        self._truncations[:] = False
        return self._obs.copy(), stack_infos(infos)

    def step(self, actions: np.ndarray):
        obs, rewards, terminations, truncations, infos = self.step_listed(actions)
        return obs, rewards, terminations, truncations, stack_infos(infos)

    def step_listed(self, actions: np.ndarray):
        """:meth:`step` with ``infos`` as a list of ``num_envs`` dicts (env ``i``'s scalar info at ``i``), the
        form RLlib's ``DictInfoToList`` makes of :meth:`step`'s: for samplers that want one dict per env
        (``rl_gait.learner.env_runner``) without stacking and unstacking them every step."""
        infos = []
        for i, env in enumerate(self.envs):
            if self._autoreset[i]:
                self._obs[i], info = env.reset()
                self._rewards[i], self._terminations[i], self._truncations[i] = 0.0, False, False
            else:
                self._obs[i], self._rewards[i], self._terminations[i], self._truncations[i], info = env.step(actions[i])
            infos.append(scalar_info(info))
        np.logical_or(self._terminations, self._truncations, out=self._autoreset)
        return self._obs.copy(), self._rewards.copy(), self._terminations.copy(), self._truncations.copy(), infos

    def call(self, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...]:
        """``name(*args, **kwargs)`` on every env (or its attribute ``name``), as ``SyncVectorEnv.call``."""
        out = []
        for env in self.envs:
            attr = env.get_wrapper_attr(name)
            out.append(attr(*args, **kwargs) if callable(attr) else attr)
        return tuple(out)

    def get_attr(self, name: str) -> tuple[Any, ...]:
        return tuple(env.get_wrapper_attr(name) for env in self.envs)

    def set_attr(self, name: str, values: Any) -> None:
        values = values if isinstance(values, list | tuple) else [values] * self.num_envs
        for env, value in zip(self.envs, values, strict=True):
            env.set_wrapper_attr(name, value)

    def render(self):
        return tuple(env.render() for env in self.envs)

    def close_extras(self, **kwargs: Any) -> None:
        for env in self.envs:
            env.close()
