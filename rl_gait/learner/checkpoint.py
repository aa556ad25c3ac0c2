"""Checkpoints: RLlib's ``algo.save_to_path`` layout plus an ``rl_gait.json`` sidecar that hashes every file.

Layout of a training output ``OUT``::

    OUT/checkpoint/                      RLlib algorithm checkpoint (resume with Algorithm.from_checkpoint)
    OUT/checkpoint/rl_gait.json          sidecar (:class:`CheckpointSidecar`, schema ``rl_gait.checkpoint/2``)
    OUT/checkpoint/learner_group/learner/rl_module/default_policy/   the policy RLModule
    OUT/training.csv                     learning curve

The sidecar records what produced the checkpoint (command, package version, git SHA, pseudonymous patient id,
env id/version, env configuration) and the sha256 of every other file of the folder (``files_sha256``);
:func:`read_sidecar` checks it against the schema and every file against its hash before anything in the
folder is read, and refuses a folder with a changed, missing or added file. With a signing key
(:data:`SIGNING_KEY_ENV` or :data:`SIGNING_KEY_FILE_ENV`, for cluster deployments) the sidecar also carries
an HMAC-SHA256 over its content, which then must verify.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait._version import __version__
from rl_gait.errors import CheckpointError, RlGaitError
from rl_gait.io.documents import KINDS, load_document, validate
from rl_gait.io.jsonio import sha256_bytes, sha256_files, to_jsonable, write_json

SIDECAR_NAME = "rl_gait.json"
CHECKPOINT_SUBDIR = "checkpoint"
RL_MODULE_SUBPATH = Path("learner_group") / "learner" / "rl_module"
POLICY_MODULE_ID = "default_policy"
SIGNING_KEY_ENV = "RL_GAIT_SIGNING_KEY"
"""Environment variable holding the deployment's HMAC key (any text; use ≥ 32 random bytes, e.g. hex)."""
SIGNING_KEY_FILE_ENV = "RL_GAIT_SIGNING_KEY_FILE"
"""Environment variable naming a file that holds the key (first line), e.g. a mounted cluster secret."""
_PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"


def weights_sha256(checkpoint_dir: str | Path) -> str:
    """SHA-256 over the relative paths and file hashes under ``<checkpoint>/learner_group/.../rl_module``:
    the single hash of sidecars of version 1 (before ``files_sha256``), recomputed to verify them."""
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


def signing_key() -> bytes | None:
    """The deployment's HMAC key (:data:`SIGNING_KEY_ENV`, else the file named by :data:`SIGNING_KEY_FILE_ENV`),
    or ``None`` where none is configured."""
    if key := os.environ.get(SIGNING_KEY_ENV):
        return key.encode()
    if name := os.environ.get(SIGNING_KEY_FILE_ENV):
        try:
            key = Path(name).read_text().strip()
        except OSError as err:
            raise RlGaitError(f"cannot read the signing key file ({err.strerror})", path=name,
                              fix=f"point {SIGNING_KEY_FILE_ENV} at a readable file, or unset it") from None
        if not key:
            raise RlGaitError("the signing key file is empty", path=name, fix="write the key into it")
        return key.encode()
    return None


def bytes_digest(data: bytes) -> dict[str, str]:
    """``{"algorithm", "value"}`` of ``data``: HMAC-SHA256 with the signing key where one is configured, else
    SHA-256 (detects corruption, not a forger who rewrites the digest too)."""
    key = signing_key()
    if key is None:
        return {"algorithm": "sha256", "value": sha256_bytes(data)}
    return {"algorithm": "hmac-sha256", "value": hmac.new(key, data, hashlib.sha256).hexdigest()}


def check_bytes_digest(data: bytes, digest: Mapping[str, str], path: str | Path) -> None:
    """One-line :class:`CheckpointError` unless ``digest`` (:func:`bytes_digest`) matches ``data``; with a
    signing key configured, a plain SHA-256 is refused too."""
    expected = bytes_digest(data)
    if digest.get("algorithm") != expected["algorithm"] or not hmac.compare_digest(str(digest.get("value")),
                                                                                    expected["value"]):
        raise CheckpointError(f"does not match its recorded {expected['algorithm']} digest (altered, or another "
                              "signing key)", path=path, fix="restore the folder from its original copy, or start anew")


def _signature(doc: Mapping[str, Any], key: bytes) -> str:
    """HMAC-SHA256 (hex) of the sidecar's canonical JSON without its ``signature``."""
    body = json.dumps({k: v for k, v in doc.items() if k != "signature"}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


_CORE = ("command", "patient_id", "env_id", "env_version", "env_config", "mode", "package_version", "git_sha",
         "files_sha256", "weights_sha256", "signature")


@dataclasses.dataclass(frozen=True, eq=False)
class CheckpointSidecar(Mapping):
    """The sidecar of a checkpoint (``rl_gait.json``, schema ``rl_gait.checkpoint/2``).

    Attributes:
        command: the command line that produced the checkpoint.
        patient_id: pseudonymous patient id (``"healthy-atlas"`` for the shipped prior).
        env_id, env_version: the Gymnasium env id (``rl_gait/LevelWalk-v0``) and its version.
        env_config: the env configuration the policy was trained with (``WalkEnvConfig.to_dict()``);
            ``None`` where it was not recorded (older checkpoints: their ``env_kwargs`` / ``env_options`` records).
        files_sha256: ``{relative path: sha256}`` of every file of the folder but the sidecar; ``None``
            only for a version-1 sidecar, verified through ``weights_sha256`` (its rl_module folder).
        mode: ``"hybrid"`` | ``"physics-only"`` (``None`` if not a learner run).
        package_version, git_sha: the rl_gait that wrote it.
        records: what the producer recorded besides (fidelity, budget, steps, curriculum, ...), written as
            further top-level keys of the file.
        signature: ``{"algorithm": "hmac-sha256", "value": hex}`` when written with a signing key.

    Read-only mapping over the file's JSON (``meta["fidelity"]``, ``meta.get("env_kwargs")``).
    """

    command: str
    patient_id: str
    env_id: str
    env_version: str | None
    env_config: dict[str, Any] | None
    files_sha256: dict[str, str] | None
    mode: str | None = None
    package_version: str = __version__
    git_sha: str | None = None
    records: dict[str, Any] = dataclasses.field(default_factory=dict)
    signature: dict[str, str] | None = None
    weights_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The file's content (schema tag, core fields, then the records), strict-JSON values."""
        core = {k: getattr(self, k) for k in _CORE if k not in ("signature", "weights_sha256")}
        doc = {"schema": KINDS["checkpoint"].tag, **core, **to_jsonable(self.records)}
        if self.weights_sha256 is not None:
            doc["weights_sha256"] = self.weights_sha256
        if self.signature is not None:
            doc["signature"] = self.signature
        return to_jsonable(doc)

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> CheckpointSidecar:
        """From a validated document of the current version (:func:`rl_gait.io.documents.load_document`)."""
        core = {k: doc[k] for k in _CORE if k in doc}
        return cls(**core, records={k: v for k, v in doc.items() if k not in _CORE and k != "schema"})

    def __getitem__(self, key: str) -> Any:
        return self._doc[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._doc)

    def __len__(self) -> int:
        return len(self._doc)

    @property
    def _doc(self) -> dict[str, Any]:
        doc = self.__dict__.get("_cached_doc")
        if doc is None:
            doc = self.to_dict()
            object.__setattr__(self, "_cached_doc", doc)
        return doc


def _new_sidecar(ckpt: Path, fields: Mapping[str, Any]) -> CheckpointSidecar:
    fields = dict(fields)
    core = {k: fields.pop(k) for k in ("command", "patient_id", "env_id", "env_version", "env_config", "mode")
            if k in fields}
    for k in ("package_version", "git_sha", "files_sha256", "weights_sha256", "signature", "format",
              "format_version", "schema"):
        fields.pop(k, None)  # recomputed here, never copied from an older sidecar
    env_id = str(core.pop("env_id", "rl_gait/LevelWalk-v0"))
    return CheckpointSidecar(
        command=str(core.pop("command", None) or ""), patient_id=str(core.pop("patient_id", None) or "anonymous"),
        env_id=env_id, env_version=core.pop("env_version", env_id.rsplit("-v", 1)[-1]),
        env_config=to_jsonable(core.pop("env_config", None)), mode=core.pop("mode", None),
        git_sha=git_sha(), files_sha256=sha256_files(ckpt, exclude=(SIDECAR_NAME,)), records=to_jsonable(fields))


def _write(ckpt: Path, side: CheckpointSidecar) -> Path:
    key = signing_key()
    if key is not None:
        side = dataclasses.replace(side, signature={"algorithm": "hmac-sha256",
                                                    "value": _signature(dataclasses.replace(side, signature=None), key)})
    doc = side.to_dict()
    validate(doc, "checkpoint", ckpt / SIDECAR_NAME)
    return write_json(ckpt / SIDECAR_NAME, doc)


def write_sidecar(checkpoint_dir: str | Path, fields: Mapping[str, Any]) -> Path:
    """Write ``<checkpoint_dir>/rl_gait.json``: ``fields`` (the core ones of :class:`CheckpointSidecar`,
    the rest as records) plus package version, git SHA, the hash of every file and, with a signing key, the
    signature. Write it after every other file of the checkpoint."""
    ckpt = Path(checkpoint_dir)
    return _write(ckpt, _new_sidecar(ckpt, fields))


def update_sidecar(checkpoint_dir: str | Path, **fields: Any) -> Path:
    """Add or replace records of an existing (verified) sidecar; the file hashes are kept as verified."""
    ckpt = resolve_checkpoint_dir(checkpoint_dir)
    side = read_sidecar(ckpt)
    core = {k: fields.pop(k) for k in ("command", "patient_id", "env_id", "env_version", "env_config", "mode")
            if k in fields}
    return _write(ckpt, dataclasses.replace(side, **core, records={**side.records, **to_jsonable(fields)},
                                            signature=None))


def env_config_from_sidecar(meta: dict[str, Any]):
    """The :class:`~rl_gait.envs.config.WalkEnvConfig` a checkpoint was trained with, from its sidecar's
    ``env_config``; an older sidecar is migrated here, in one place: its ``env_kwargs`` (learner, personalization
    and multi-task runs; the reference was recorded only as a summary and is dropped) and ``env_options`` (the
    shipped atlas policy; ``env_kwargs`` wins), and an option it does not record has its value from before it
    existed (:data:`rl_gait.envs.config.FIELDS_BEFORE_RECORDED`: a policy trained on fitted stairs meets fitted
    stairs, an older one what it saw). Roll a checkpoint out with ``.for_rollouts()`` of it."""
    from dataclasses import fields

    from rl_gait.envs.config import WalkEnvConfig

    if isinstance(meta.get("env_config"), dict):
        return WalkEnvConfig.from_dict(meta["env_config"])
    names = {f.name for f in fields(WalkEnvConfig)} - {"reference"}
    kw = meta.get("env_kwargs") or {}
    recorded = {**(meta.get("env_options") or {}), **{k: v for k, v in kw.items() if k in names}}
    return WalkEnvConfig.from_dict(recorded)


ATLAS_WARM_START = "atlas"
"""The ``warm_start`` that names the shipped healthy atlas policy."""
ATLAS_POLICY_DIR = Path(__file__).resolve().parents[1] / "data" / "atlas_policy"
ATLAS_POLICY_DIRS: dict[str, Path] = {"planar": ATLAS_POLICY_DIR, "3d": ATLAS_POLICY_DIR.with_name("atlas_policy_3d")}
"""The shipped prior of each body model: the planar healthy multi-task policy, the 3D level prior."""


def atlas_policy_dir(body_model: str = "planar") -> Path | None:
    """The shipped prior of ``body_model`` (:data:`ATLAS_POLICY_DIRS`), or ``None`` if none is shipped."""
    d = ATLAS_POLICY_DIRS.get(body_model)
    return d if d is not None and (d / "rl_gait.json").is_file() else None


def check_warm_start_body(warm_start: str | Path | None, body_model: str) -> None:
    """One-line :class:`~rl_gait.errors.CheckpointError` unless the policy of ``warm_start`` (a checkpoint folder,
    :data:`ATLAS_WARM_START` = the shipped healthy prior, ``None`` = none) was trained on ``body_model``: its
    sidecar's ``env_config`` says which body it observed. Read without Ray (the CLIs call it before Ray starts);
    the sidecar's hashes are checked later, with the weights (:func:`read_policy`)."""
    if warm_start is None:
        return
    if str(warm_start) == ATLAS_WARM_START:
        atlas = atlas_policy_dir(body_model)
        if atlas is None:
            shipped = [b for b in ATLAS_POLICY_DIRS if atlas_policy_dir(b) is not None]
            raise CheckpointError(f"there is no shipped {body_model} healthy prior (shipped: {', '.join(shipped) or 'none'})",
                                  fix="pass --warm-start none (random initialisation) or --mode physics-only")
        trained = env_config_from_sidecar(read_sidecar(atlas, verify=False)).body_model
        if trained != body_model:
            raise CheckpointError(f"the shipped {body_model} prior was trained on the {trained} body", path=atlas,
                                  fix="reinstall rl_gait")
        return
    ckpt = resolve_checkpoint_dir(warm_start)
    trained = env_config_from_sidecar(read_sidecar(ckpt, verify=False)).body_model
    if trained != body_model:
        raise CheckpointError(f"the warm start's policy was trained on the {trained} body, this run is {body_model}",
                              path=ckpt, fix=f"warm-start from a checkpoint trained with --body-model {body_model}, "
                                             "or pass --warm-start none")


def resolve_checkpoint_dir(path: str | Path) -> Path:
    """Accept a training output folder (``OUT``) or its ``OUT/checkpoint``; return the checkpoint folder."""
    p = Path(path).resolve()  # RLModule.from_checkpoint reads URIs: a relative path fails there
    if (p / CHECKPOINT_SUBDIR / SIDECAR_NAME).is_file():
        return p / CHECKPOINT_SUBDIR
    if (p / SIDECAR_NAME).is_file():
        return p
    raise CheckpointError(f"no {SIDECAR_NAME} sidecar found", path=p,
                          fix="pass the --out folder of `rl-gait train` (or its checkpoint/ subfolder)")


def sign_checkpoint(checkpoint_dir: str | Path) -> Path:
    """Sign an existing checkpoint with the configured key (:func:`signing_key`), e.g. the shipped prior
    on a cluster that requires signatures: its files are verified against the sidecar's hashes first, so
    only an unaltered checkpoint gets signed."""
    ckpt = resolve_checkpoint_dir(checkpoint_dir)
    if signing_key() is None:
        raise RlGaitError("no signing key configured", fix=f"set {SIGNING_KEY_ENV} or {SIGNING_KEY_FILE_ENV}")
    side = read_sidecar(ckpt, verify=False)
    verify_files(ckpt, side)
    return _write(ckpt, dataclasses.replace(side, signature=None))


def _in_package(path: Path) -> bool:
    """Whether ``path`` is inside the installed package's data (trusted like the package's code)."""
    return path.resolve().is_relative_to(_PACKAGE_DATA)


def verify_files(ckpt: Path, side: CheckpointSidecar) -> None:
    """Raise a one-line :class:`CheckpointError` unless every file of ``ckpt`` (but the sidecar) has the
    hash ``side`` records, none is missing and none was added; a version-1 sidecar: its rl_module hash."""
    fix = "use the original checkpoint or retrain with `rl-gait train`"
    if side.files_sha256 is None:
        actual = weights_sha256(ckpt)
        if actual != side.weights_sha256:
            raise CheckpointError(f"weights were altered after saving (sha256 {actual[:12]}… ≠ recorded "
                                  f"{str(side.weights_sha256)[:12]}…)", path=ckpt, fix=fix)
        return
    actual = sha256_files(ckpt, exclude=(SIDECAR_NAME,))
    for rel, digest in side.files_sha256.items():
        if rel not in actual:
            raise CheckpointError(f"file {rel} listed in {SIDECAR_NAME} is missing", path=ckpt, fix=fix)
        if actual[rel] != digest:
            raise CheckpointError(f"file {rel} was altered after saving (sha256 {actual[rel][:12]}… ≠ recorded "
                                  f"{digest[:12]}…)", path=ckpt, fix=fix)
    if added := sorted(set(actual) - set(side.files_sha256)):
        raise CheckpointError(f"file {added[0]} is not part of the saved checkpoint ({len(added)} added)",
                              path=ckpt, fix=fix)


def verify_signature(ckpt: Path, side: CheckpointSidecar) -> None:
    """With a signing key configured, the sidecar must carry a valid HMAC (the package's own data excepted)."""
    key = signing_key()
    if key is None or _in_package(ckpt):
        return
    fix = f"use a checkpoint written with this deployment's key ({SIGNING_KEY_ENV})"
    if side.signature is None:
        raise CheckpointError(f"{SIDECAR_NAME} is not signed, and a signing key is configured", path=ckpt, fix=fix)
    expected = _signature(dataclasses.replace(side, signature=None), key)
    if not hmac.compare_digest(expected, side.signature["value"]):
        raise CheckpointError(f"{SIDECAR_NAME} signature does not match (altered, or another key)", path=ckpt, fix=fix)


def read_sidecar(path: str | Path, *, verify: bool = True) -> CheckpointSidecar:
    """The sidecar of a checkpoint, validated against its schema (older versions migrated); with ``verify``
    (the default) the signature (if a key is configured) and every file's hash are checked first, so a
    caller may then read the folder's files."""
    ckpt = resolve_checkpoint_dir(path)
    side = CheckpointSidecar.from_dict(load_document(ckpt / SIDECAR_NAME, "checkpoint"))
    if verify:
        verify_signature(ckpt, side)
        verify_files(ckpt, side)
    return side


class Policy:
    """A trained walking policy: the RLlib policy ``RLModule`` restored without Ray.

    ``act(obs)`` returns the env action (``[6]`` or ``[B, 6]``, float32 in [−1, 1]); the deterministic
    action is the Gaussian's mean, clipped to the action box (as RLlib's EnvRunner does). The deterministic
    action is computed in numpy (:mod:`rl_gait.learner.numpy_actor`, from a snapshot of the weights taken here)
    where the module's actor is an MLP it knows; otherwise, and for stochastic actions, through torch.
    """

    def __init__(self, module: Any, meta: dict[str, Any] | None = None):
        import torch

        from rl_gait.learner.numpy_actor import numpy_actor

        self._torch = torch
        self.module = module
        self.module.eval()
        self.meta = meta or {}
        self.action_dim = int(module.action_space.shape[0])
        self._low = np.asarray(module.action_space.low, dtype=np.float32)
        self._high = np.asarray(module.action_space.high, dtype=np.float32)
        self._numpy_actor = numpy_actor(module, self.action_dim)

    def act(self, obs: np.ndarray, deterministic: bool = True, rng: np.random.Generator | None = None) -> np.ndarray:
        """Action for ``obs`` (``[D]`` or ``[B, D]``); stochastic sampling needs ``rng``."""
        from ray.rllib.core.columns import Columns

        torch = self._torch
        x = np.asarray(obs, dtype=np.float32)
        single = x.ndim == 1
        if deterministic and self._numpy_actor is not None:
            a = np.clip(self._numpy_actor.mean(x[None] if single else x), self._low, self._high)
            return a[0] if single else a
        batch = {Columns.OBS: torch.from_numpy(x[None] if single else x)}
        with torch.no_grad():
            # RLlib's public forward_inference calls eval() on every submodule around every call (~30 % of a
            # rollout's CPU, profiled); the module is in eval mode already (set here at init), so its own forward
            forward = getattr(self.module, "_forward_inference", None)
            out = (forward(batch) if forward is not None and not self.module.training
                   else self.module.forward_inference(batch))
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


# ------------------------------------------------------------------ the policy, stored without pickle
POLICY_SUBDIR = "policy"
"""The policy of a checkpoint: ``policy/weights.safetensors`` (its full state, value function included) and
``policy/module.json`` (schema ``rl_gait.policy/1``: module class from an allow-list, spaces, model config)."""
POLICY_WEIGHTS = "weights.safetensors"
POLICY_ARCHITECTURE = "module.json"
_MIGRATE_FIX = "migrate it: python -m rl_gait.learner.migrate OLD_CHECKPOINT NEW_DIR (only for checkpoints you trust)"


def _module_classes() -> dict[str, type]:
    """The RLModule classes a policy may name (nothing else is ever constructed from a file)."""
    from ray.rllib.algorithms.ppo.torch.default_ppo_torch_rl_module import DefaultPPOTorchRLModule

    return {"DefaultPPOTorchRLModule": DefaultPPOTorchRLModule}


def _catalog_classes() -> dict[str, type]:
    from ray.rllib.algorithms.ppo.ppo_catalog import PPOCatalog

    from rl_gait.learner.activations import GaitPPOCatalog

    return {"PPOCatalog": PPOCatalog, "GaitPPOCatalog": GaitPPOCatalog}


def _box_to_json(box: Any) -> dict[str, Any]:
    """A ``gymnasium.spaces.Box`` as JSON: shape, dtype, bounds (one number when uniform; ``null`` = unbounded)."""
    def bound(x: np.ndarray) -> Any:
        x = np.asarray(x, dtype=np.float64)
        return to_jsonable(x.flat[0] if x.size and np.all(x == x.flat[0]) else x)

    return {"shape": list(box.shape), "dtype": str(box.dtype), "low": bound(box.low), "high": bound(box.high)}


def _box_from_json(d: Mapping[str, Any]) -> Any:
    import gymnasium as gym

    shape, dtype = tuple(d["shape"]), np.dtype(d["dtype"])

    def bound(x: Any, inf: float) -> np.ndarray:
        values = [inf if v is None else v for v in np.ravel(np.asarray(x, dtype=object))]
        return np.broadcast_to(np.asarray(values, np.float64).reshape(np.shape(x)), shape).astype(dtype)

    return gym.spaces.Box(bound(d["low"], -np.inf), bound(d["high"], np.inf), shape, dtype)


def policy_architecture(module: Any) -> dict[str, Any]:
    """The JSON description of a policy ``RLModule`` from which :func:`build_policy_module` rebuilds it."""
    names = {cls: name for name, cls in _module_classes().items()}
    catalogs = {cls: name for name, cls in _catalog_classes().items()}
    if type(module) not in names:
        raise CheckpointError(f"cannot store a {type(module).__name__} policy (known: {sorted(names.values())})")
    catalog = getattr(module, "catalog_class", None) or getattr(getattr(module, "catalog", None), "__class__", None)
    return {"module_class": names[type(module)], "catalog_class": catalogs.get(catalog),
            "observation_space": _box_to_json(module.observation_space),
            "action_space": _box_to_json(module.action_space), "model_config": to_jsonable(dict(module.model_config or {})),
            "inference_only": False}


def save_policy(module: Any, dest: str | Path, state: Mapping[str, Any] | None = None) -> Path:
    """Write ``dest/weights.safetensors`` + ``dest/module.json``: ``state`` (default: the module's own, full)
    and the module's architecture. No pickle: loading them cannot run code."""
    from safetensors.numpy import save_file

    from rl_gait.io.documents import write_document

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    state = module.get_state() if state is None else state
    arrays = {k: np.ascontiguousarray(np.asarray(v)) for k, v in state.items()}
    save_file(arrays, str(dest / POLICY_WEIGHTS))
    write_document(dest / POLICY_ARCHITECTURE, "policy", policy_architecture(module))
    return dest


def export_algorithm_policy(algo: Any, dest: str | Path) -> Path:
    """:func:`save_policy` of a built RLlib algorithm's policy: the learner's full module state (the EnvRunners
    hold an inference-only copy without the value function)."""
    from ray.rllib.core import COMPONENT_LEARNER, COMPONENT_RL_MODULE

    key = f"{COMPONENT_LEARNER}/{COMPONENT_RL_MODULE}/{POLICY_MODULE_ID}"
    state = algo.learner_group.get_state(components=key)[COMPONENT_LEARNER][COMPONENT_RL_MODULE][POLICY_MODULE_ID]
    return save_policy(algo.get_module(), dest, state)


def build_policy_module(arch: Mapping[str, Any], path: str | Path | None = None) -> Any:
    """A freshly initialised policy ``RLModule`` of the architecture ``arch`` (``module.json``)."""
    from ray.rllib.core.rl_module.rl_module import RLModuleSpec

    from rl_gait.learner.ray_session import quiet_rllib_internal_deprecations

    quiet_rllib_internal_deprecations()  # RLModule.__init__ warns about its own RLModuleConfig
    classes, catalogs = _module_classes(), _catalog_classes()
    if arch["module_class"] not in classes:
        raise CheckpointError(f"unknown policy module class {arch['module_class']!r}", path=path, fix=_MIGRATE_FIX)
    catalog = arch.get("catalog_class")
    if catalog is not None and catalog not in catalogs:
        raise CheckpointError(f"unknown catalog class {catalog!r}", path=path, fix=_MIGRATE_FIX)
    spec = RLModuleSpec(module_class=classes[arch["module_class"]], observation_space=_box_from_json(arch["observation_space"]),
                        action_space=_box_from_json(arch["action_space"]), inference_only=bool(arch["inference_only"]),
                        model_config=dict(arch["model_config"]), catalog_class=catalogs.get(catalog))
    return spec.build()


def check_policy_format(arch: Mapping[str, Any], path: str | Path | None = None, body_model: str = "planar") -> None:
    """Raise :class:`~rl_gait.errors.CheckpointError` unless the policy of architecture ``arch`` observes what
    the current env of ``body_model`` emits (:func:`rl_gait.envs.registration.observation_dim`) and has the
    current policy network's exploration noise (``free_log_std``); an older policy is pointed to
    :mod:`rl_gait.learner.migrate`."""
    from rl_gait.envs.registration import observation_dim

    got, expected = int(arch["observation_space"]["shape"][0]), observation_dim(body_model)
    if got != expected:
        raise CheckpointError(f"the policy observes {got} values, this rl_gait's {body_model} env {expected} "
                              "(trained on an older terrain sampling, or for another body model)", path=path,
                              fix=_MIGRATE_FIX)
    if not (arch.get("model_config") or {}).get("free_log_std", False):
        raise CheckpointError("the policy's exploration noise is a network output (an older policy format)",
                              path=path, fix=_MIGRATE_FIX)


def read_policy(checkpoint_dir: str | Path, *, verify: bool = True, check_format: bool = True
                ) -> tuple[dict[str, Any], dict[str, np.ndarray], CheckpointSidecar]:
    """``(architecture, state, sidecar)`` of a checkpoint's policy. The sidecar is read and (with ``verify``)
    every file's hash checked before the policy's two files are read; the weights are safetensors, the
    architecture JSON: nothing in the folder can run code."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    from rl_gait.io.documents import load_document

    ckpt = resolve_checkpoint_dir(checkpoint_dir)
    side = read_sidecar(ckpt, verify=verify)
    pol = ckpt / POLICY_SUBDIR
    if not (pol / POLICY_WEIGHTS).is_file():
        if (ckpt / RL_MODULE_SUBPATH / POLICY_MODULE_ID).is_dir():
            raise CheckpointError("the policy is stored in RLlib's pickle format (an older checkpoint format)",
                                  path=ckpt, fix=_MIGRATE_FIX)
        raise CheckpointError(f"no {POLICY_SUBDIR}/{POLICY_WEIGHTS} in the checkpoint", path=ckpt,
                              fix="use a checkpoint written by `rl-gait train` or `rl-gait personalize`")
    arch = load_document(pol / POLICY_ARCHITECTURE, "policy")
    if check_format:
        check_policy_format(arch, ckpt, env_config_from_sidecar(side).body_model)
    try:
        state = load_file(str(pol / POLICY_WEIGHTS))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"unreadable policy weights ({str(err)[:80]})", path=pol / POLICY_WEIGHTS,
                              fix="use the original checkpoint or retrain") from None
    return arch, state, side


def set_policy_state(module: Any, state: Mapping[str, np.ndarray], path: str | Path | None = None) -> None:
    """Load ``state`` into ``module`` after checking that its names and shapes are exactly the module's
    (RLlib's ``set_state`` silently ignores missing and extra entries)."""
    own = {k: tuple(v.shape) for k, v in module.state_dict().items()}
    got = {k: tuple(np.shape(v)) for k, v in state.items()}
    if own != got:
        diff = sorted(set(own) ^ set(got)) or [k for k in own if own[k] != got[k]]
        raise CheckpointError(f"the policy weights do not fit its architecture ({diff[0]}; {len(diff)} differ)",
                              path=path, fix="use the original checkpoint or retrain")
    module.set_state(dict(state))


ALGORITHM_DIGEST = "rl_gait.digest.json"
"""Beside an algorithm saved by :func:`save_algorithm`: every file's sha256 and a digest over them (HMAC with
the signing key where one is configured), checked by :func:`resume_algorithm` before RLlib unpickles anything."""


def _files_digest(files: Mapping[str, str]) -> bytes:
    return json.dumps(files, sort_keys=True, separators=(",", ":")).encode()


def save_algorithm(algo: Any, algorithm_dir: str | Path) -> Path:
    """``algo.save_to_path(algorithm_dir)`` (RLlib's format, pickles included, to resume training), its policy
    without pickle (:func:`export_algorithm_policy`, ``POLICY_SUBDIR``) and :data:`ALGORITHM_DIGEST`."""
    algorithm_dir = Path(algorithm_dir)
    algo.save_to_path(str(algorithm_dir))
    export_algorithm_policy(algo, algorithm_dir / POLICY_SUBDIR)
    files = sha256_files(algorithm_dir, exclude=(ALGORITHM_DIGEST,))
    write_json(algorithm_dir / ALGORITHM_DIGEST, {"files_sha256": files, "digest": bytes_digest(_files_digest(files))})
    return algorithm_dir


def verify_algorithm(algorithm_dir: str | Path) -> None:
    """One-line :class:`CheckpointError` unless every file of ``algorithm_dir`` matches its
    :data:`ALGORITHM_DIGEST` (none changed, missing or added; the digest itself verified)."""
    from rl_gait.io.jsonio import read_json

    algorithm_dir = Path(algorithm_dir)
    fix = "resume only from folders rl_gait saved (or start anew)"
    if not (algorithm_dir / ALGORITHM_DIGEST).is_file():
        raise CheckpointError(f"no {ALGORITHM_DIGEST}: not saved by rl_gait's save_algorithm", path=algorithm_dir,
                              fix=fix)
    doc = read_json(algorithm_dir / ALGORITHM_DIGEST, fix=fix)
    check_bytes_digest(_files_digest(doc["files_sha256"]), doc["digest"], algorithm_dir / ALGORITHM_DIGEST)
    actual = sha256_files(algorithm_dir, exclude=(ALGORITHM_DIGEST,))
    if actual != doc["files_sha256"]:
        changed = sorted(set(actual) ^ set(doc["files_sha256"])) or sorted(
            k for k in actual if actual[k] != doc["files_sha256"][k])
        raise CheckpointError(f"file {changed[0]} differs from what was saved", path=algorithm_dir, fix=fix)


def resume_algorithm(algo, algorithm_dir: str | Path) -> None:
    """Restore a built RLlib ``algo`` from ``algorithm_dir`` (written by :func:`save_algorithm`) to go on
    training; its files are verified first (its sidecar's hashes, or else :func:`verify_algorithm`), since
    RLlib's restore unpickles.

    Also drops the restored evaluation results: RLlib 2.60 restores each metric's "latest merged" values,
    and a metric no later evaluation logs again (a curriculum cell the resumed run no longer evaluates)
    kept coming back, the same, in every evaluation (atlas_s17 counted a stale ``slope_up/L2`` 2/2 in all 68).
    """
    from ray.rllib.utils.metrics import EVALUATION_RESULTS

    if (Path(algorithm_dir) / SIDECAR_NAME).is_file():  # a checkpoint: its sidecar hashes every file
        read_sidecar(algorithm_dir)
    else:
        verify_algorithm(algorithm_dir)
    algo.restore_from_path(str(algorithm_dir))
    algo.metrics.delete(EVALUATION_RESULTS, key_error=False)


def load_policy(checkpoint_dir: str | Path, *, verify: bool = True, check_format: bool = True) -> Policy:
    """Load the policy of a checkpoint (``OUT`` or ``OUT/checkpoint``) without a Ray cluster and without
    unpickling anything: :func:`read_policy`, then the module is rebuilt from its JSON architecture.

    Raises :class:`~rl_gait.errors.CheckpointError` if the sidecar is missing or invalid, any file differs
    from its recorded hash (or the signature, with a key), or (with ``check_format``) the policy is of an
    older format.
    """
    arch, state, side = read_policy(checkpoint_dir, verify=verify, check_format=check_format)
    module = build_policy_module(arch, checkpoint_dir)
    set_policy_state(module, state, checkpoint_dir)
    return Policy(module, side)


def load_legacy_module(checkpoint_dir: str | Path) -> Any:
    """The policy ``RLModule`` of a checkpoint in RLlib's pickle format, for :mod:`rl_gait.learner.migrate`
    only: its hash is verified first, and unpickling runs code, so convert only checkpoints you trust."""
    from ray.rllib.core.rl_module.rl_module import RLModule

    ckpt = resolve_checkpoint_dir(checkpoint_dir)
    read_sidecar(ckpt, verify=True)
    module_dir = ckpt / RL_MODULE_SUBPATH / POLICY_MODULE_ID
    if not module_dir.is_dir():
        raise CheckpointError("policy module folder missing", path=module_dir, fix="retrain with `rl-gait train`")
    try:
        return RLModule.from_checkpoint(module_dir)
    except Exception as err:  # RLlib raises various types on a corrupt folder
        raise CheckpointError(f"cannot restore the policy module ({type(err).__name__})", path=module_dir,
                              fix="use the original checkpoint or retrain") from None
