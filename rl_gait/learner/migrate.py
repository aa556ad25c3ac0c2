"""Carry a policy of an older format over to the current one, keeping its deterministic actions.

Three format changes, each applied when the checkpoint needs it:

- **Storage**: policies were RLlib's pickled module folder (``learner_group/.../default_policy``,
  ``module_state.pkl`` + ``class_and_ctor_args.pkl``); they are now ``policy/weights.safetensors`` +
  ``policy/module.json`` (:data:`rl_gait.learner.checkpoint.POLICY_SUBDIR`), which load without running code.
  Reading the old format unpickles it — after its recorded hash is verified — so migrate only checkpoints
  you trust (your own, or the project's); the migrated folder holds no pickle.

- **Terrain sampling** (the last observation block, :data:`rl_gait.envs.walk.HEIGHT_SAMPLES_X_M`) went
  from 10 samples every 15 cm to 30 every 5 cm. Every old position is among the new ones, so the first
  layer of each encoder (policy and value) gets one input column per new sample: the old column where
  the position existed, zeros elsewhere (:func:`widen_input_columns`). Same outputs from the new
  observation as from the old one.
- **Exploration noise** became one learned log std per joint (``free_log_std``,
  :data:`rl_gait.learner.config.POLICY_MODEL`) instead of a network output. The policy head keeps its
  mean rows; the free log std starts at the old head's mean log std over the states of the policy's own
  deterministic level walk (:func:`level_walk_log_std`) — the noise it trained with where it walks.

The migrated policy's deterministic actions are checked against the original's on random observations
before anything replaces ``dst``; training can then learn to use the added terrain samples.

    python -m rl_gait.learner.migrate OLD_CHECKPOINT NEW_DIR
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait.errors import CheckpointError, RlGaitError
from rl_gait.learner.checkpoint import (
    POLICY_ARCHITECTURE,
    POLICY_SUBDIR,
    POLICY_WEIGHTS,
    SIDECAR_NAME,
    Policy,
    build_policy_module,
    load_legacy_module,
    load_policy,
    policy_architecture,
    read_policy,
    read_sidecar,
    resolve_checkpoint_dir,
    save_policy,
    set_policy_state,
    write_sidecar,
)

_PI_W, _PI_B, _PI_LOG_STD = "pi.net.mlp.0.weight", "pi.net.mlp.0.bias", "pi.log_std"


def sample_indices(old_x_m: np.ndarray, new_x_m: np.ndarray) -> list[int]:
    """Index in ``new_x_m`` of each position (m) of ``old_x_m``; ``ValueError`` naming the old positions
    the new layout lacks (their information would be lost)."""
    new_x = np.asarray(new_x_m, float)
    found = [np.flatnonzero(np.isclose(new_x, x)) for x in np.asarray(old_x_m, float)]
    missing = [round(float(x), 6) for x, f in zip(old_x_m, found, strict=True) if len(f) == 0]
    if missing:
        raise ValueError(f"old sample positions {missing} m are not in the new layout")
    return [int(f[0]) for f in found]


def widen_input_columns(weight: np.ndarray, n_kept: int, old_x_m: np.ndarray, new_x_m: np.ndarray) -> np.ndarray:
    """A first-layer weight ``[H, n_kept + len(old_x_m)]`` → ``[H, n_kept + len(new_x_m)]``.

    The first ``n_kept`` columns (the blocks before the terrain samples) stay; the column of a new
    sample at a position (m) the old layout had is that position's old column; new positions get zero
    columns. So ``W_new @ x_new == W_old @ x_old`` whenever ``x_new`` holds ``x_old``'s values at the
    shared positions. Raises ``ValueError`` if an old position is missing from ``new_x_m``
    (:func:`sample_indices`) or the shapes do not match.
    """
    w = np.asarray(weight)
    if w.ndim != 2 or w.shape[1] != n_kept + len(old_x_m):
        raise ValueError(f"weight of shape {w.shape} does not take {n_kept} + {len(old_x_m)} inputs")
    out = np.zeros((w.shape[0], n_kept + len(new_x_m)), dtype=w.dtype)
    out[:, :n_kept] = w[:, :n_kept]
    out[:, n_kept + np.asarray(sample_indices(old_x_m, new_x_m), int)] = w[:, n_kept:]
    return out


def to_layout(obs: np.ndarray, n_kept: int, old_x_m: np.ndarray, new_x_m: np.ndarray) -> np.ndarray:
    """Observations ``[..., n_kept + len(new_x_m)]`` → the layout sampling terrain at ``old_x_m`` (each a
    position of ``new_x_m``): the kept blocks, then the new samples at the old positions."""
    return np.concatenate([obs[..., :n_kept], obs[..., n_kept:][..., sample_indices(old_x_m, new_x_m)]], axis=-1)


def free_log_std_head(weight: np.ndarray, bias: np.ndarray, log_std: np.ndarray) -> dict[str, np.ndarray]:
    """A state-dependent Gaussian head (``[2A, H]`` weight, ``[2A]`` bias: means then log stds) → the
    free-log-std head's state: the mean rows ``[A, H]`` / ``[A]`` and the given ``log_std`` ``[A]``."""
    w, b, ls = np.asarray(weight), np.asarray(bias), np.asarray(log_std)
    a = w.shape[0] // 2
    if w.shape[0] != 2 * a or b.shape != (2 * a,) or ls.shape != (a,):
        raise ValueError(f"need a [2A, H] weight, [2A] bias and [A] log std, got {w.shape}, {b.shape}, {ls.shape}")
    return {_PI_W: w[:a].copy(), _PI_B: b[:a].copy(), _PI_LOG_STD: ls.astype(w.dtype)}


def level_walk_log_std(policy: Any, observe: Any = None, n_steps: int = 250, seed: int = 0) -> np.ndarray:
    """Mean over the states of ``policy``'s own deterministic level walk (healthy atlas reference,
    ``n_steps`` control steps, 4 s) of its state-dependent log std, ``[A]``; ``observe`` maps the env's
    observations ``[..., D]`` to the policy's (default: as they are)."""
    import torch
    from ray.rllib.core.columns import Columns

    from rl_gait.envs.walk import WalkEnv

    observe = observe or (lambda o: o)
    env = WalkEnv()  # 10-s episodes: longer than the walk
    obs, _ = env.reset(seed=seed)
    states = []
    for _ in range(n_steps):
        states.append(observe(obs))
        obs, _, terminated, truncated, _ = env.step(policy.act(states[-1]))
        if terminated or truncated:
            break
    with torch.no_grad():
        out = policy.module.forward_inference({Columns.OBS: torch.from_numpy(np.asarray(states, np.float32))})
    dist = out[Columns.ACTION_DIST_INPUTS].numpy()
    return dist[:, policy.action_dim:].mean(axis=0)


def migrate_policy(src: str | Path, dst: str | Path, *, command: str = "") -> Path:
    """Write ``dst``: the checkpoint ``src`` in the current policy format (module docstring): the sidecar
    (with ``migrated`` recording the source's file hashes and each step) and the policy's two files.

    Returns ``dst`` (which may be ``src``: it is replaced only after the migrated policy is written and
    checked). Raises :class:`~rl_gait.errors.CheckpointError` if ``src`` is already current or of an
    unknown layout, or the migrated policy's actions differ from the original's (``dst`` is then left as
    it was).
    """
    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M, LEGACY_HEIGHT_SAMPLES_X_M, OBSERVATION_DIM

    src_ckpt, dst = resolve_checkpoint_dir(src), Path(dst)
    pickled = not (src_ckpt / POLICY_SUBDIR / POLICY_WEIGHTS).is_file()
    if pickled:
        meta = read_sidecar(src_ckpt)
        old = Policy(load_legacy_module(src_ckpt), meta)
        arch, state = policy_architecture(old.module), old.module.get_state()
    else:
        arch, state, meta = read_policy(src_ckpt, check_format=False)
        old = load_policy(src_ckpt, check_format=False)
    n_kept = OBSERVATION_DIM - len(HEIGHT_SAMPLES_X_M)
    old_dim = n_kept + len(LEGACY_HEIGHT_SAMPLES_X_M)
    got = int(arch["observation_space"]["shape"][0])
    widen = got == old_dim
    src_x = LEGACY_HEIGHT_SAMPLES_X_M if widen else HEIGHT_SAMPLES_X_M  # the source's terrain sampling
    free_std = not arch["model_config"].get("free_log_std", False)
    if got not in (old_dim, OBSERVATION_DIM):
        raise CheckpointError(f"the policy observes {got} values, neither the 15-cm layout's {old_dim} nor the "
                              f"current {OBSERVATION_DIM}", path=src_ckpt, fix="retrain it with this rl_gait")
    if not (pickled or widen or free_std):
        raise CheckpointError("the policy is already in the current format", path=src_ckpt,
                              fix="use it as it is; nothing to migrate")
    state = {k: np.asarray(v) for k, v in state.items()}
    steps: dict[str, Any] = {}
    if pickled:
        steps["storage"] = {"from": "RLlib pickled module folder", "to": f"{POLICY_SUBDIR}/{POLICY_WEIGHTS} + "
                                                                        f"{POLICY_SUBDIR}/{POLICY_ARCHITECTURE}"}
    if widen:
        keys = [k for k, v in state.items() if k.startswith("encoder.") and np.ndim(v) == 2 and np.shape(v)[1] == old_dim]
        for k in keys:
            state[k] = widen_input_columns(state[k], n_kept, LEGACY_HEIGHT_SAMPLES_X_M, HEIGHT_SAMPLES_X_M)
        steps["terrain_samples_x_m"] = {"from": LEGACY_HEIGHT_SAMPLES_X_M, "to": HEIGHT_SAMPLES_X_M, "widened": keys}
    if free_std:
        log_std = level_walk_log_std(old, observe=lambda o: to_layout(o, n_kept, src_x, HEIGHT_SAMPLES_X_M))
        state.update(free_log_std_head(state[_PI_W], state[_PI_B], log_std))
        steps["free_log_std"] = {"log_std": log_std, "std": np.exp(log_std),
                                 "from": "mean of the old head's log std over its own deterministic 4-s level walk"}
    arch = {**arch, "observation_space": {**arch["observation_space"], "shape": [OBSERVATION_DIM], "low": None,
                                          "high": None},
            "model_config": {**arch["model_config"], "free_log_std": True}}
    new_module = build_policy_module(arch, src_ckpt)
    set_policy_state(new_module, state, src_ckpt)

    work = dst.with_name(dst.name + ".migrating")  # dst is replaced only once the result is checked (dst may be src)
    if work.exists():
        shutil.rmtree(work)
    save_policy(new_module, work / POLICY_SUBDIR)
    fields = dict(meta)  # write_sidecar recomputes versions and hashes
    fields["migrated"] = {"from_files_sha256": meta.files_sha256 or {"rl_module": meta.weights_sha256}, **steps,
                          "command": command}
    write_sidecar(work, fields)
    try:
        _check_same_actions(old, work, n_kept, src_x, HEIGHT_SAMPLES_X_M)
    except CheckpointError:
        shutil.rmtree(work)
        raise
    if dst.exists():
        shutil.rmtree(dst)
    work.rename(dst)
    return dst


def _check_same_actions(old: Policy, dst: Path, n_kept: int, old_x: np.ndarray, new_x: np.ndarray) -> None:
    """Deterministic actions of both policies on 256 random observations must agree (to float32 rounding)."""
    new = load_policy(dst)
    rng = np.random.default_rng(0)
    obs_new = rng.normal(0.0, 0.5, (256, n_kept + len(new_x))).astype(np.float32)
    diff = float(np.abs(old.act(to_layout(obs_new, n_kept, old_x, new_x)) - new.act(obs_new)).max())
    if diff > 1e-4:
        raise CheckpointError(f"the migrated policy's actions differ from the original's by up to {diff:.2g}",
                              path=dst, fix="report this: the migration should preserve actions exactly")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src", help="checkpoint of an older policy format (OUT or OUT/checkpoint)")
    p.add_argument("dst", help="folder to write the migrated checkpoint to (replaced if it exists; may be SRC)")
    args = p.parse_args(argv)
    try:
        out = migrate_policy(args.src, args.dst, command="python -m rl_gait.learner.migrate "
                             + " ".join(argv if argv is not None else sys.argv[1:]))
    except RlGaitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"migrated → {out} ({SIDECAR_NAME} records the source and its hash)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
