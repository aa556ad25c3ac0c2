"""Checkpoints: RLlib's ``algo.save_to_path`` layout plus an ``rl_gait.json`` sidecar with a weight hash.

Layout of a training output ``OUT``::

    OUT/checkpoint/                      RLlib algorithm checkpoint (resume with Algorithm.from_checkpoint)
    OUT/checkpoint/rl_gait.json          sidecar: provenance, parameters, fidelity, weights_sha256
    OUT/checkpoint/learner_group/learner/rl_module/default_policy/   the policy RLModule
    OUT/training.csv                     learning curve

The policy alone loads with ``RLModule.from_checkpoint`` (no Ray cluster). The sidecar's
``weights_sha256`` covers every file of the saved ``rl_module`` folder (policy and discriminator);
:func:`load_policy` recomputes it and refuses an altered checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait._version import __version__
from rl_gait.errors import CheckpointError

SIDECAR_NAME = "rl_gait.json"
SIDECAR_FORMAT = "rl_gait.checkpoint"
SIDECAR_VERSION = 1
CHECKPOINT_SUBDIR = "checkpoint"
RL_MODULE_SUBPATH = Path("learner_group") / "learner" / "rl_module"
POLICY_MODULE_ID = "default_policy"


def weights_sha256(checkpoint_dir: str | Path) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``<checkpoint>/learner_group/.../rl_module``."""
    root = Path(checkpoint_dir) / RL_MODULE_SUBPATH
    if not root.is_dir():
        raise CheckpointError("no rl_module folder in checkpoint", path=checkpoint_dir,
                              fix="pass a checkpoint written by `rl-gait train`")
    h = hashlib.sha256()
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def git_sha() -> str | None:
    """The repository's HEAD commit, or ``None`` outside a git checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent,
                             capture_output=True, text=True, timeout=5, check=False)
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def jsonable(obj: Any) -> Any:
    """A JSON-friendly view of configs: dataclasses → dicts, arrays → lists, others → str."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        if hasattr(obj, "joint_angles_rad"):  # a ReferenceMotion: summarise, curves are in the trial
            return {"type": type(obj).__name__, "source": getattr(obj, "source", ""),
                    "cycle_duration_s": obj.cycle_duration_s, "speed_m_s": obj.speed_m_s,
                    "stride_length_m": obj.stride_length_m, "paretic_side": obj.paretic_side,
                    "stance_fraction": list(obj.stance_fraction), "left_contact_phase": obj.left_contact_phase,
                    "task": jsonable(obj.task),
                    "joint_angles_sha256": hashlib.sha256(np.ascontiguousarray(obj.joint_angles_rad)).hexdigest()}
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, float | int | str | bool) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def write_sidecar(checkpoint_dir: str | Path, fields: dict[str, Any]) -> Path:
    """Write ``<checkpoint_dir>/rl_gait.json`` with ``fields`` plus format, versions and the weight hash."""
    ckpt = Path(checkpoint_dir)
    meta = {
        "format": SIDECAR_FORMAT,
        "format_version": SIDECAR_VERSION,
        "package_version": __version__,
        "git_sha": git_sha(),
        **jsonable(fields),
        "weights_sha256": weights_sha256(ckpt),
    }
    path = ckpt / SIDECAR_NAME
    path.write_text(json.dumps(meta, indent=2, allow_nan=True))
    return path


def update_sidecar(checkpoint_dir: str | Path, **fields: Any) -> Path:
    """Add or replace ``fields`` of an existing sidecar (the weight hash is left as saved)."""
    path = Path(checkpoint_dir) / SIDECAR_NAME
    meta = json.loads(path.read_text())
    meta.update(jsonable(fields))
    path.write_text(json.dumps(meta, indent=2, allow_nan=True))
    return path


def sidecar_body(meta: dict[str, Any]):
    """``(BodyParams, PDParams)``: the (personalized) body and PD controller a checkpoint was trained
    on, from its sidecar's ``env_kwargs``; the default body and its default PD where it records none."""
    from rl_gait.body import BodyParams, PDParams

    kw = meta.get("env_kwargs") or {}
    body = BodyParams.from_dict(kw["body"]) if isinstance(kw.get("body"), dict) else BodyParams()
    pd = PDParams.from_dict(kw["pd"]) if isinstance(kw.get("pd"), dict) else PDParams.default_for(body)
    return body, pd


ENV_OPTIONS_BEFORE_RECORDED = {"trunk_pitch": "upright", "stair_fit": False, "level_approach": False}
"""The :class:`~rl_gait.envs.walk.WalkEnv` options that change what a reference asks of the body, at the values
every checkpoint trained before they were recorded had."""


def sidecar_env_options(meta: dict[str, Any]) -> dict[str, Any]:
    """The WalkEnv options a checkpoint was trained with (trunk pitch, stair fit, level approach): from its
    sidecar's ``env_kwargs`` (learner and multi-task runs) or ``env_options`` (the shipped atlas policy);
    an option it does not record has its value from before it existed (:data:`ENV_OPTIONS_BEFORE_RECORDED`).
    Roll a checkpoint out with these: a policy trained on fitted stairs meets fitted stairs."""
    kw = meta.get("env_kwargs") or {}
    recorded = {**(meta.get("env_options") or {}), **{k: kw[k] for k in ENV_OPTIONS_BEFORE_RECORDED if k in kw}}
    return {k: recorded.get(k, v) for k, v in ENV_OPTIONS_BEFORE_RECORDED.items()}


def resolve_checkpoint_dir(path: str | Path) -> Path:
    """Accept a training output folder (``OUT``) or its ``OUT/checkpoint``; return the checkpoint folder."""
    p = Path(path).resolve()  # RLModule.from_checkpoint reads URIs: a relative path fails there
    if (p / CHECKPOINT_SUBDIR / SIDECAR_NAME).is_file():
        return p / CHECKPOINT_SUBDIR
    if (p / SIDECAR_NAME).is_file():
        return p
    raise CheckpointError(f"no {SIDECAR_NAME} sidecar found", path=p,
                          fix="pass the --out folder of `rl-gait train` (or its checkpoint/ subfolder)")


def read_sidecar(path: str | Path, *, verify: bool = True) -> dict[str, Any]:
    """The sidecar of a checkpoint; with ``verify`` the weights are re-hashed and compared."""
    ckpt = resolve_checkpoint_dir(path)
    side = ckpt / SIDECAR_NAME
    try:
        meta = json.loads(side.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointError(f"sidecar is not valid JSON ({err.msg})", path=side,
                              fix="restore the checkpoint from its original copy") from None
    if meta.get("format") != SIDECAR_FORMAT:
        raise CheckpointError("not an rl_gait checkpoint sidecar", path=side)
    if verify:
        actual = weights_sha256(ckpt)
        if actual != meta.get("weights_sha256"):
            raise CheckpointError(
                f"weights were altered after saving (sha256 {actual[:12]}… ≠ recorded "
                f"{str(meta.get('weights_sha256'))[:12]}…)", path=ckpt,
                fix="use the original checkpoint or retrain with `rl-gait train`")
    return meta


class Policy:
    """A trained walking policy: the RLlib policy ``RLModule`` restored without Ray.

    ``act(obs)`` returns the env action (``[6]`` or ``[B, 6]``, float32 in [−1, 1]); the deterministic
    action is the Gaussian's mean, clipped to the action box (as RLlib's EnvRunner does).
    """

    def __init__(self, module: Any, meta: dict[str, Any] | None = None):
        import torch

        self._torch = torch
        self.module = module
        self.module.eval()
        self.meta = meta or {}
        self.action_dim = int(module.action_space.shape[0])
        self._low = np.asarray(module.action_space.low, dtype=np.float32)
        self._high = np.asarray(module.action_space.high, dtype=np.float32)

    def act(self, obs: np.ndarray, deterministic: bool = True, rng: np.random.Generator | None = None) -> np.ndarray:
        """Action for ``obs`` (``[D]`` or ``[B, D]``); stochastic sampling needs ``rng``."""
        from ray.rllib.core.columns import Columns

        torch = self._torch
        x = np.asarray(obs, dtype=np.float32)
        single = x.ndim == 1
        with torch.no_grad():
            out = self.module.forward_inference({Columns.OBS: torch.from_numpy(x[None] if single else x)})
        dist = out[Columns.ACTION_DIST_INPUTS].numpy()
        mean, log_std = dist[:, : self.action_dim], dist[:, self.action_dim :]
        if deterministic:
            a = mean
        else:
            if rng is None:
                raise ValueError("stochastic actions need an explicit rng (numpy Generator)")
            a = mean + np.exp(log_std) * rng.standard_normal(mean.shape)
        a = np.clip(a, self._low, self._high).astype(np.float32)
        return a[0] if single else a

    def get_state(self) -> dict[str, Any]:
        return self.module.get_state()


def module_ctor_kwargs(module_dir: str | Path) -> dict[str, Any]:
    """Constructor keyword arguments a saved policy ``RLModule`` folder was built with (spaces, model config)."""
    import pickle

    with (Path(module_dir) / "class_and_ctor_args.pkl").open("rb") as fh:
        ctor = pickle.load(fh)
    return dict(ctor["ctor_args_and_kwargs"][1])


def check_policy_format(module_dir: str | Path) -> None:
    """Raise :class:`~rl_gait.errors.CheckpointError` unless the policy module in ``module_dir`` observes
    what the current env emits (:data:`rl_gait.envs.walk.OBSERVATION_DIM`) and has the current policy
    network's exploration noise (:data:`rl_gait.learner.config.POLICY_MODEL`'s ``free_log_std``); an older
    policy is pointed to :mod:`rl_gait.learner.migrate`."""
    from rl_gait.envs.walk import OBSERVATION_DIM

    fix = "migrate it: python -m rl_gait.learner.migrate OLD_CHECKPOINT NEW_DIR"
    kw = module_ctor_kwargs(module_dir)
    got = int(kw["observation_space"].shape[0])
    if got != OBSERVATION_DIM:
        raise CheckpointError(f"the policy observes {got} values, this rl_gait's env {OBSERVATION_DIM} "
                              "(trained on an older terrain sampling)", path=module_dir, fix=fix)
    if not (kw.get("model_config") or {}).get("free_log_std", False):
        raise CheckpointError("the policy's exploration noise is a network output (an older policy format)",
                              path=module_dir, fix=fix)


def resume_algorithm(algo, algorithm_dir: str | Path) -> None:
    """Restore a built RLlib ``algo`` from its saved ``algorithm_dir`` (``algo.save_to_path``) to go on training.

    Also drops the restored evaluation results: RLlib 2.60 restores each metric's "latest merged" values,
    and a metric no later evaluation logs again (a curriculum cell the resumed run no longer evaluates)
    kept coming back, the same, in every evaluation (atlas_s17 counted a stale ``slope_up/L2`` 2/2 in all 68).
    """
    from ray.rllib.utils.metrics import EVALUATION_RESULTS

    algo.restore_from_path(str(algorithm_dir))
    algo.metrics.delete(EVALUATION_RESULTS, key_error=False)


def load_policy(checkpoint_dir: str | Path, *, verify: bool = True, check_format: bool = True) -> Policy:
    """Load the policy of a training output (``OUT`` or ``OUT/checkpoint``) without a Ray cluster.

    Raises :class:`~rl_gait.errors.CheckpointError` if the sidecar is missing, the weights' hash
    differs from the one recorded at save time, or (with ``check_format``) the policy is of an older
    format (:func:`check_policy_format`).
    """
    from ray.rllib.core.rl_module.rl_module import RLModule

    ckpt = resolve_checkpoint_dir(checkpoint_dir)
    meta = read_sidecar(ckpt, verify=verify)
    module_dir = ckpt / RL_MODULE_SUBPATH / POLICY_MODULE_ID
    if not module_dir.is_dir():
        raise CheckpointError("policy module folder missing", path=module_dir, fix="retrain with `rl-gait train`")
    if check_format:
        check_policy_format(module_dir)
    try:
        module = RLModule.from_checkpoint(module_dir)
    except Exception as err:  # RLlib raises various types on a corrupt folder
        raise CheckpointError(f"cannot restore the policy module ({type(err).__name__})", path=module_dir,
                              fix="use the original checkpoint or retrain") from None
    return Policy(module, meta)
