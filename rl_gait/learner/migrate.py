"""Carry a policy trained on the version-1 terrain sampling over to the current observation, keeping its actions.

The env's terrain block (the last block of the observation, :data:`rl_gait.envs.walk.HEIGHT_SAMPLES_X_M`)
went from 10 samples every 15 cm to 30 every 5 cm. Every version-1 position is among the new ones, so a
policy widens exactly: the first layer of each encoder (policy and value) gets one input column per new
sample, the old column where the position existed, zeros elsewhere. The widened network computes the
same actions and values from the new observation as the old one did from the old observation
(checked on random observations before anything is written), and training can then learn to use the
added samples. Nothing else in the checkpoint depends on the terrain block (the discriminator sees the
style block only).

    python -m rl_gait.learner.migrate OLD_CHECKPOINT NEW_DIR
"""

from __future__ import annotations

import argparse
import pickle
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait.errors import CheckpointError, RlGaitError
from rl_gait.learner.checkpoint import (
    POLICY_MODULE_ID,
    RL_MODULE_SUBPATH,
    SIDECAR_NAME,
    load_policy,
    module_observation_dim,
    read_sidecar,
    resolve_checkpoint_dir,
    write_sidecar,
)

_STATE_FILE = "module_state.pkl"
_CTOR_FILE = "class_and_ctor_args.pkl"
_SIDECAR_KEEP_OUT = ("format", "format_version", "package_version", "git_sha", "weights_sha256")


def widen_input_columns(weight: np.ndarray, n_kept: int, old_x_m: np.ndarray, new_x_m: np.ndarray) -> np.ndarray:
    """A first-layer weight ``[H, n_kept + len(old_x_m)]`` → ``[H, n_kept + len(new_x_m)]``.

    The first ``n_kept`` columns (the blocks before the terrain samples) stay; the column of a new
    sample at a position (m) the old layout had is that position's old column; new positions get zero
    columns. So ``W_new @ x_new == W_old @ x_old`` whenever ``x_new`` holds ``x_old``'s values at the
    shared positions. Raises ``ValueError`` if an old position is missing from ``new_x_m`` (its
    information would be lost) or the shapes do not match.
    """
    w = np.asarray(weight)
    old_x, new_x = np.round(np.asarray(old_x_m, float), 6), np.round(np.asarray(new_x_m, float), 6)
    if w.ndim != 2 or w.shape[1] != n_kept + len(old_x):
        raise ValueError(f"weight of shape {w.shape} does not take {n_kept} + {len(old_x)} inputs")
    missing = sorted(set(old_x) - set(new_x))
    if missing:
        raise ValueError(f"old sample positions {missing} m are not in the new layout")
    out = np.zeros((w.shape[0], n_kept + len(new_x)), dtype=w.dtype)
    out[:, :n_kept] = w[:, :n_kept]
    for i, x in enumerate(old_x):
        out[:, n_kept + int(np.flatnonzero(new_x == x)[0])] = w[:, n_kept + i]
    return out


def migrate_terrain_samples(src: str | Path, dst: str | Path, *, command: str = "") -> Path:
    """Write ``dst``: the checkpoint ``src`` (version-1 terrain sampling) widened to the current one.

    Returns ``dst`` (which may be ``src``: it is replaced only after the widened policy is written and
    checked). Raises :class:`~rl_gait.errors.CheckpointError` if ``src`` is not a version-1 policy or the
    widened policy's actions differ from the original's (then ``dst`` is left as it was).
    """
    import gymnasium as gym

    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M, LEGACY_HEIGHT_SAMPLES_X_M, OBSERVATION_DIM

    src_ckpt, dst = resolve_checkpoint_dir(src), Path(dst)
    meta = read_sidecar(src_ckpt)
    n_kept = OBSERVATION_DIM - len(HEIGHT_SAMPLES_X_M)
    old_dim = n_kept + len(LEGACY_HEIGHT_SAMPLES_X_M)
    src_module = src_ckpt / RL_MODULE_SUBPATH / POLICY_MODULE_ID
    got = module_observation_dim(src_module)
    if got != old_dim:
        raise CheckpointError(f"the policy observes {got} values, not the version-1 layout's {old_dim}",
                              path=src_ckpt, fix="only version-1 checkpoints need migrating")
    work = dst.with_name(dst.name + ".migrating")  # dst is replaced only once the result is checked (dst may be src)
    if work.exists():
        shutil.rmtree(work)
    work_module = work / RL_MODULE_SUBPATH / POLICY_MODULE_ID
    shutil.copytree(src_module, work_module)
    with (src_module / _STATE_FILE).open("rb") as fh:
        state: dict[str, Any] = pickle.load(fh)
    widened = [k for k, v in state.items() if k.startswith("encoder.") and np.ndim(v) == 2 and np.shape(v)[1] == old_dim]
    for k in widened:
        state[k] = widen_input_columns(state[k], n_kept, LEGACY_HEIGHT_SAMPLES_X_M, HEIGHT_SAMPLES_X_M)
    with (work_module / _STATE_FILE).open("wb") as fh:
        pickle.dump(state, fh)
    with (src_module / _CTOR_FILE).open("rb") as fh:
        ctor = pickle.load(fh)
    ctor["ctor_args_and_kwargs"][1]["observation_space"] = gym.spaces.Box(-np.inf, np.inf, (OBSERVATION_DIM,), np.float32)
    with (work_module / _CTOR_FILE).open("wb") as fh:
        pickle.dump(ctor, fh)
    fields = {k: v for k, v in meta.items() if k not in _SIDECAR_KEEP_OUT}
    fields["migrated"] = {"from": str(src), "from_weights_sha256": meta.get("weights_sha256"),
                          "terrain_samples_x_m": {"from": LEGACY_HEIGHT_SAMPLES_X_M, "to": HEIGHT_SAMPLES_X_M},
                          "widened": widened, "command": command}
    write_sidecar(work, fields)
    try:
        _check_same_actions(src_ckpt, work, n_kept, LEGACY_HEIGHT_SAMPLES_X_M, HEIGHT_SAMPLES_X_M)
    except CheckpointError:
        shutil.rmtree(work)
        raise
    if dst.exists():
        shutil.rmtree(dst)
    work.rename(dst)
    return dst


def _check_same_actions(src: Path, dst: Path, n_kept: int, old_x: np.ndarray, new_x: np.ndarray) -> None:
    """Deterministic actions of both policies on 256 random observations must agree (to float32 rounding)."""
    old, new = load_policy(src, verify=False, check_observation=False), load_policy(dst)
    rng = np.random.default_rng(0)
    obs_new = rng.normal(0.0, 0.5, (256, n_kept + len(new_x))).astype(np.float32)
    idx = [int(np.flatnonzero(np.isclose(new_x, x))[0]) for x in old_x]
    obs_old = np.concatenate([obs_new[:, :n_kept], obs_new[:, n_kept:][:, idx]], axis=1)
    diff = float(np.abs(old.act(obs_old) - new.act(obs_new)).max())
    if diff > 1e-4:
        raise CheckpointError(f"the widened policy's actions differ from the original's by up to {diff:.2g}",
                              path=dst, fix="report this: the migration should preserve actions exactly")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("src", help="checkpoint trained on the version-1 terrain sampling (OUT or OUT/checkpoint)")
    p.add_argument("dst", help="folder to write the migrated checkpoint to (replaced if it exists; may be SRC)")
    args = p.parse_args(argv)
    try:
        out = migrate_terrain_samples(args.src, args.dst, command="python -m rl_gait.learner.migrate "
                                      + " ".join(argv if argv is not None else sys.argv[1:]))
    except RlGaitError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"migrated → {out} ({SIDECAR_NAME} records the source and its hash)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
