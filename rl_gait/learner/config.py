"""Typed RLlib configuration of the learner: :class:`ImitationPPOConfig` and :func:`build_config`.

One function builds both modes, so the physics-only baseline and the hybrid learner differ only in
what the hybrid adds: ``mode="physics-only"`` is PPO on the env's tracking reward (no BC, no
discriminator, no warm start); ``mode="hybrid"`` adds BC, the GAIL discriminator module and the style
reward, and may warm-start the policy from a checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any, Literal, Protocol

import gymnasium as gym
import numpy as np
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core import DEFAULT_MODULE_ID
from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec
from ray.rllib.core.rl_module.rl_module import RLModuleSpec

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import CheckpointError, InputFormatError, RlGaitError
from rl_gait.learner.activations import GaitPPOCatalog
from rl_gait.learner.checkpoint import (  # noqa: F401 (ATLAS_*, atlas_policy_dir: importable from here too)
    ATLAS_POLICY_DIR,
    ATLAS_WARM_START,
    atlas_policy_dir,
    build_policy_module,
    check_policy_format,
    check_warm_start_body,
    read_policy,
    resolve_checkpoint_dir,
    set_policy_state,
)
from rl_gait.learner.discriminator import DISCRIMINATOR_MODULE_ID, StyleDiscriminator
from rl_gait.learner.env_runner import LeanEnvRunner
from rl_gait.learner.imitation_learner import ImitationPPOTorchLearner, load_demonstration_arrays
from rl_gait.learner.params import ImitationParams
from rl_gait.learner.ray_session import quiet_rllib_internal_deprecations

Mode = Literal["hybrid", "physics-only"]
MODES: tuple[str, ...] = ("hybrid", "physics-only")

# PPO hyper-parameters that made a planar biped walk in ~1.5 min on 2 cores (shared/docs/SIM_NOTES.md);
# minibatch 1000 instead of 500 (docs/throughput.md): the same samples x epochs, half the minibatch updates, so
# half the BC and discriminator passes, which cost as much as the PPO update itself (hybrid learner 0.77 vs
# 1.21 CPU-s per 4,000-step iteration, measured). vf_clip_param is RLlib's default, set here on purpose: it
# clamps the *squared* value error at 10; the warm-started hybrid's clamped value loss stays at 0.6-1.1, so
# the clamp rarely binds (a cold-started critic with returns of 20-50 would need a larger one, RLLIB_NOTES).
PPO_DEFAULTS: dict[str, Any] = dict(
    train_batch_size_per_learner=4000, minibatch_size=1000, num_epochs=5, gamma=0.98, lambda_=0.95,
    clip_param=0.2, vf_clip_param=10.0,
)
PPO_DEFAULTS_3D: dict[str, Any] = {**PPO_DEFAULTS, "minibatch_size": 500, "vf_clip_param": 1e4}
"""The 3D body's: the recipe its walker and its shipped prior were trained with (docs/body3d.md): minibatch 500 and
a value clip that does not bind (returns of 20-50 per episode; 10 clamps the squared value error of a critic that
meets a new reference, a patient's, far below what it must learn)."""


POLICY_MODEL: dict[str, Any] = dict(fcnet_hiddens=[256, 256], fcnet_activation="tanh",
                                    head_fcnet_hiddens=[], vf_share_layers=False, free_log_std=True)
"""The policy network. ``free_log_std``: the exploration noise is one learned log-std per joint, not a
network output — a state-dependent log std extrapolated to std ≈ 60–125 (actions clipped to random ±1)
on stair observations the policy had rarely seen, while it was 0.26 on level ground, so stochastic
stair episodes were noise and training never climbed (the deterministic policy did)."""


class EnvSpec(Protocol):
    """What the learner trains on: a :class:`~rl_gait.envs.config.WalkEnvConfig`, or a wrapper's config that holds
    one (``rl_gait.curriculum.env.MultiTaskEnvConfig``). The env is ``gym.make(spec.env_id, config=spec)``."""

    @property
    def env_id(self) -> str: ...

    @property
    def walk(self) -> WalkEnvConfig: ...


class ImitationPPOConfig(PPOConfig):
    """``PPOConfig`` with a typed :meth:`imitation` builder and the imitation learner as default.

    Attributes beyond PPO: ``imitation_params`` (:class:`ImitationParams` or ``None`` = plain PPO),
    ``imitation_demos`` (absolute path of the demonstrations ``.npz``), ``imitation_demos_sha256`` (its bytes'
    sha256, checked by the learner before it reads them), ``rl_gait_mode``,
    ``rl_gait_env`` (the :class:`EnvSpec` trained on, for the sidecar and evaluation), ``rl_gait_torch_threads``,
    ``rl_gait_anchor_dir`` (the warm start's policy module, the anchor of ``ImitationParams.anchor_coeff``)
    ``rl_gait_task_slice`` (``(start, stop)`` of the observation's ``"task"`` block) and
    ``rl_gait_anchor_states`` (absolute path of the anchor's own states ``.npz``, or ``None``),
    ``rl_gait_pipelined`` and ``rl_gait_discriminator_thread`` (:func:`build_config`'s ``pipelined`` and
    ``discriminator_thread``).
    """

    def __init__(self, algo_class=None):
        from rl_gait.learner.pipelined import PipelinedPPO

        super().__init__(algo_class=algo_class or PipelinedPPO)
        self.imitation_params: ImitationParams | None = None
        self.imitation_demos: str | None = None
        self.imitation_demos_sha256: str | None = None
        self.rl_gait_mode: str = "physics-only"
        self.rl_gait_env: EnvSpec = WalkEnvConfig()
        self.rl_gait_torch_threads: int = 1  # torch threads per Learner (1 is fastest on shared CPUs)
        self.rl_gait_warm_start: str | None = None  # a verified checkpoint folder (its policy/ files)
        # the free exploration std of a random init (a std, not its log: RLlib's config state drops every value
        # equal to its DEPRECATED_VALUE, -1, so a log std of -1 would silently vanish on the way to the Algorithm)
        self.rl_gait_initial_std: float | None = None
        self.rl_gait_anchor_dir: str | None = None
        self.rl_gait_task_slice: tuple[int, int] | None = None
        self.rl_gait_anchor_states: str | None = None
        self.rl_gait_pipelined: bool = True  # overlap sampling with the update (rl_gait.learner.pipelined)
        # step the discriminator on a second thread beside the policy (rl_gait.learner.imitation_learner)
        self.rl_gait_discriminator_thread: bool = True
        self.learners(learner_class=ImitationPPOTorchLearner)

    def imitation(
        self,
        *,
        bc_coeff: float | None = None,
        style_reward_weight: float | None = None,
        task_reward_weight: float | None = None,
        disc_lr: float | None = None,
        grad_penalty: float | None = None,
        bc_batch_size: int | None = None,
        disc_num_epochs: float | None = None,
        demos: str | Path | None = None,
        params: ImitationParams | None = None,
    ) -> ImitationPPOConfig:
        """Turn on BC + GAIL with these weights (unspecified ones keep their current/default value).

        ``params`` sets all weights at once (e.g. from Tune); explicit keywords override it.
        ``demos`` is the demonstrations ``.npz`` (``obs``, ``next_obs``, ``actions``), stored as an
        absolute path because Tune changes the working directory of each trial.
        """
        base = params or self.imitation_params or ImitationParams()
        updates = {k: v for k, v in dict(bc_coeff=bc_coeff, style_reward_weight=style_reward_weight,
                                          task_reward_weight=task_reward_weight, disc_lr=disc_lr,
                                          grad_penalty=grad_penalty, bc_batch_size=bc_batch_size,
                                          disc_num_epochs=disc_num_epochs).items()
                   if v is not None}
        self.imitation_params = ImitationParams(**{**base.to_dict(), "disc_hidden": base.disc_hidden, **updates})
        if demos is not None:
            from rl_gait.io.jsonio import sha256_file

            self.imitation_demos = str(Path(demos).resolve())
            if not Path(self.imitation_demos).is_file():
                raise InputFormatError("demonstrations file not found", path=demos,
                                       fix="pass an .npz made by rl_gait.envs.demonstrations (or leave demos unset)")
            # the learner (another process, maybe another node) checks these bytes before np.load
            self.imitation_demos_sha256 = sha256_file(self.imitation_demos)
        return self


def _one_torch_thread_per_env_runner(**kwargs: Any) -> None:
    """``on_environment_created`` callback: EnvRunners do per-step inference of a small MLP, where extra
    torch threads only fight the env and the learner for the (shared) cores."""
    import torch

    torch.set_num_threads(1)


def _load_warm_start(*, algorithm: Any, **kwargs: Any) -> None:
    """``on_algorithm_init`` callback: put the warm start's policy (``config.rl_gait_warm_start``: safetensors +
    JSON, hash-verified again where it is read — no pickle), or a random init's exploration log std
    (``config.rl_gait_initial_std``), into the learner's module, then sync every
    EnvRunner from the learner, the local one included (RLlib 2.60 syncs only the remote ones, and
    ``algo.get_module()`` — what every evaluation uses — is the local copy)."""
    from ray.rllib.core import COMPONENT_LEARNER, COMPONENT_RL_MODULE

    warm_start, std = algorithm.config.rl_gait_warm_start, algorithm.config.rl_gait_initial_std
    if warm_start is None and std is None:
        return
    if warm_start is not None:
        _, state, _ = read_policy(warm_start)
    else:  # a random init with another exploration noise than RLlib's log std 0 (the other weights as drawn)
        now = algorithm.learner_group.get_state()[COMPONENT_LEARNER][COMPONENT_RL_MODULE][DEFAULT_MODULE_ID]
        state = {"pi.log_std": np.full_like(np.asarray(now["pi.log_std"]), math.log(std))}
    algorithm.learner_group.set_state({COMPONENT_LEARNER: {COMPONENT_RL_MODULE: {DEFAULT_MODULE_ID: state}}})
    group = algorithm.env_runner_group
    if group is not None:
        # waited for: fire-and-forget (RLlib's default) left the remote EnvRunners sampling with untrained
        # weights (their first batch: episodes of 58 steps instead of 543 on a stroke patient warm-started from the atlas)
        group.sync_weights(from_worker_or_learner_group=algorithm.learner_group, inference_only=True,
                           timeout_seconds=300.0)


ENV_RUNNER_RESTARTS = 100
"""How many times in one training an EnvRunner that died is replaced (``restart_failed_env_runners``)."""
ENV_RUNNER_RESTART_DELAY_S = 2.0
"""Seconds before a dead EnvRunner is replaced."""
DEMO_CACHE_ENV = "XDG_CACHE_HOME"
DIGEST_SUFFIX = ".sha256"
"""Beside each cached demonstrations file: its sha256 (hex), checked before the file is read."""


def demo_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/rl_gait/demos`` (default ``~/.cache/rl_gait/demos``): per user, created with mode 0700.

    A folder that another user owns, or that others may write to, is refused in one line: anyone who can write
    there could swap the demonstrations a learner trains on.
    """
    root = Path(os.environ.get(DEMO_CACHE_ENV) or Path.home() / ".cache").expanduser()
    folder = root / "rl_gait" / "demos"
    for d in (folder.parent, folder):
        d.mkdir(mode=0o700, exist_ok=True, parents=True)
        st = d.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            raise RlGaitError(f"the demonstrations cache {d} is not private to this user (owner uid {st.st_uid}, "
                              f"mode {st.st_mode & 0o777:o})",
                              fix=f"chmod 700 {d} (if it is yours), or set {DEMO_CACHE_ENV} to a folder of your own")
    return folder


def _demo_cache_path(env: WalkEnvConfig, n_samples: int, seed: int) -> Path:
    from rl_gait.envs.registration import observation_dim
    from rl_gait.envs.walk import HEIGHT_SAMPLES_X_M

    # demonstrations hold observations: their layout is part of the key
    key = hashlib.sha256(json.dumps([env.to_dict(), n_samples, seed, HEIGHT_SAMPLES_X_M.tolist(),
                                     observation_dim(env.body_model)]).encode())
    return demo_cache_dir() / f"{key.hexdigest()[:16]}.npz"


def _cached_and_intact(path: Path) -> bool:
    """Whether ``path`` and its digest file exist and agree (a cache entry that does not is made again)."""
    from rl_gait.io.jsonio import sha256_file

    digest = path.with_name(path.name + DIGEST_SUFFIX)
    return path.is_file() and digest.is_file() and digest.read_text().strip() == sha256_file(path)


def make_demonstrations_file(env: WalkEnvConfig, *, n_samples: int = 4096, seed: int = 0,
                             path: str | Path | None = None) -> Path:
    """Demonstrations of ``env``'s reference played through its PD body, saved as ``.npz``.

    Cached by content in :func:`demo_cache_dir` when ``path`` is ``None`` (the same config gives the same file),
    with the file's sha256 beside it; an entry whose bytes do not match is made again, never read. Uses
    ``rl_gait.envs.demonstrations.make_demonstrations``.
    """
    from rl_gait.envs.demonstrations import make_demonstrations
    from rl_gait.io.jsonio import sha256_file

    out = Path(path) if path is not None else _demo_cache_path(env, n_samples, seed)
    if path is None and _cached_and_intact(out):
        return out.resolve()
    made = gym.make(env.env_id, config=env)
    try:
        demos = make_demonstrations(made, n_samples=n_samples, seed=seed)
    finally:
        made.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f"{out.stem}.tmp{os.getpid()}.npz")  # atomic publish: parallel Tune trials share the cache
    demos.save(tmp)
    digest_tmp = out.with_name(f"{out.name}{DIGEST_SUFFIX}.tmp{os.getpid()}")
    digest_tmp.write_text(sha256_file(tmp) + "\n")
    tmp.replace(out)
    digest_tmp.replace(out.with_name(out.name + DIGEST_SUFFIX))
    return out.resolve()


def _observation_blocks(env: EnvSpec) -> tuple[dict[str, slice], gym.Space, gym.Space]:
    made = gym.make(env.env_id, config=env)
    try:
        structure = getattr(made.unwrapped, "observation_structure", None)
        if not structure or "style" not in structure:
            raise RlGaitError(f"env {env.env_id} has no 'style' block in observation_structure; "
                              "the hybrid mode needs it for the discriminator")
        return structure, made.observation_space, made.action_space
    finally:
        made.close()


def build_config(
    *,
    mode: Mode,
    env: EnvSpec,
    imitation: ImitationParams | None = None,
    lr: float = 3e-4,
    num_env_runners: int = 0,
    num_envs_per_env_runner: int = 4,
    num_learners: int = 0,
    seed: int = 0,
    warm_start: str | Path | None = "atlas",
    demos: str | Path | None = None,
    train_batch_size: int | None = None,
    minibatch_size: int | None = None,
    num_epochs: int | None = None,
    anchor_states: str | Path | None = None,
    num_gpus_per_learner: float | None = None,
    pipelined: bool = True,
    lean_sampling: bool = True,
    initial_log_std: float | None = None,
    discriminator_thread: bool = True,
) -> ImitationPPOConfig:
    """The RLlib config for one patient's learner, in either mode.

    Args:
        mode: ``"hybrid"`` (PPO + BC + GAIL) or ``"physics-only"`` (PPO on the env reward only; ``imitation``,
            ``warm_start`` and ``demos`` must then be ``None``).
        env: the env trained on: a :class:`~rl_gait.envs.config.WalkEnvConfig` (task, reference, body, pd, reward
            weights, options) or a wrapper's config holding one (:class:`EnvSpec`); its ``env_id`` is the env's.
        imitation: hybrid weights (default :class:`ImitationParams`).
        lr: policy learning rate.
        num_env_runners, num_envs_per_env_runner, num_learners: RLlib parallelism (``num_learners >= 2``
            is DDP).
        seed: seeds RLlib, the envs and the demonstration sampling.
        warm_start: ``"atlas"`` (default: the shipped healthy atlas policy in hybrid mode, nothing in
            physics-only mode), ``None`` (random init), or a checkpoint directory (an ``rl_gait`` training output or an RLlib algorithm
            checkpoint) whose policy weights initialise this one (hybrid only).
        demos: demonstrations ``.npz``; default: made from ``env`` (a WalkEnvConfig) and cached.
        train_batch_size, minibatch_size, num_epochs: override the PPO defaults (4000, 1000, 5).
        anchor_states: with ``imitation.anchor_coeff > 0``, an ``.npz`` of states (``obs [N, D]``) on which the
            policy is also kept near its warm start (e.g. the warm start's rollouts on every task and body).
        num_gpus_per_learner: GPUs of each learner; ``None`` (default) = :func:`default_gpus_per_learner`
            (1 where the learner can have one, else 0: the CPU).
        pipelined: with remote EnvRunners, sample the next batch while the learner updates on the last
            (default; :mod:`rl_gait.learner.pipelined`: decoupled PPO over a one-update policy lag, docs/throughput.md);
            ``False`` = RLlib's synchronous iteration.
        lean_sampling: sample with :class:`~rl_gait.learner.env_runner.LeanEnvRunner` (default: one torch forward
            per vector step, no per-step connector pipelines; the same episodes as RLlib's runner for the same
            seed and weights); ``False`` = RLlib's ``SingleAgentEnvRunner``.
        discriminator_thread: in hybrid mode on a CPU learner, update the discriminator on a second thread while
            the policy updates (the same weights bit for bit, the update's wall time cut where a second core is
            free: docs/throughput.md); ``False`` = RLlib's joint minibatch step.
        initial_log_std: without a warm start, the policy's exploration log std at the start (per action
            dimension; ``None`` = RLlib's 0, std 1 in action units). The free log std (``POLICY_MODEL``) moves
            ~lr per Adam step, so the start is much of what it is for the first million steps.
    """
    if mode not in MODES:
        raise RlGaitError(f"mode must be one of {MODES}, got {mode!r}")
    quiet_rllib_internal_deprecations()
    if mode == "hybrid" and warm_start is not None:
        check_warm_start_body(warm_start, env.walk.body_model)  # one line naming both bodies, before the weights
    if warm_start == ATLAS_WARM_START:  # the shipped healthy atlas policy: hybrid only, when present
        warm_start = atlas_policy_dir(env.walk.body_model) if mode == "hybrid" else None
    if mode == "physics-only" and (imitation is not None or warm_start is not None or demos is not None):
        raise RlGaitError("physics-only mode takes no imitation weights, demonstrations or warm start")
    ppo = dict(PPO_DEFAULTS if env.walk.body_model == "planar" else PPO_DEFAULTS_3D)
    if train_batch_size is not None:
        ppo["train_batch_size_per_learner"] = int(train_batch_size)
    if minibatch_size is not None:
        ppo["minibatch_size"] = int(minibatch_size)
    if num_epochs is not None:
        ppo["num_epochs"] = int(num_epochs)
    if num_learners > 1:  # the batch size is per learner: keep the total the same
        ppo["train_batch_size_per_learner"] = max(ppo["train_batch_size_per_learner"] // num_learners,
                                                  ppo["minibatch_size"])

    config = (
        ImitationPPOConfig()
        # the envs clip their own actions to Box(-1, 1): RLlib's per-env unsquash/clip piece would do the same
        .environment(env=env.env_id, env_config={"config": env}, normalize_actions=False, clip_actions=False)
        # rl_gait.envs.vector.WalkVectorEnv: the same stepping as gymnasium's SyncVectorEnv, scalar infos only
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=num_envs_per_env_runner,
                     num_cpus_per_env_runner=1, rollout_fragment_length="auto",
                     gym_env_vectorize_mode="vector_entry_point",
                     env_runner_cls=LeanEnvRunner if lean_sampling else None)
        .learners(num_learners=num_learners, num_cpus_per_learner=1 if num_learners > 0 else "auto",
                  num_gpus_per_learner=(default_gpus_per_learner(num_learners) if num_gpus_per_learner is None
                                        else num_gpus_per_learner))
        .training(lr=lr, **ppo)
        .debugging(seed=seed)
        .reporting(metrics_num_episodes_for_smoothing=20)
        .python_environment(extra_python_environs_for_worker={"OMP_NUM_THREADS": "1"})
        .callbacks(on_environment_created=_one_torch_thread_per_env_runner, on_algorithm_init=_load_warm_start)
        # a lost EnvRunner (a preempted node, a crash in the env) is replaced and training goes on with the others
        # meanwhile; RLlib's default waits 60 s before the restart
        .fault_tolerance(restart_failed_env_runners=True, max_num_env_runner_restarts=ENV_RUNNER_RESTARTS,
                         delay_between_env_runner_restarts_s=ENV_RUNNER_RESTART_DELAY_S)
    )
    config.rl_gait_mode = mode
    config.rl_gait_env = env
    config.rl_gait_pipelined = bool(pipelined)
    config.rl_gait_discriminator_thread = bool(discriminator_thread)
    if initial_log_std is not None and warm_start is not None:
        raise RlGaitError("initial_log_std is for a random init; a warm start brings its own exploration noise")
    config.rl_gait_initial_std = None if initial_log_std is None else math.exp(float(initial_log_std))
    policy_spec = RLModuleSpec(model_config=dict(POLICY_MODEL), catalog_class=GaitPPOCatalog)
    if warm_start is not None:  # verified here (one line, before anything is built), loaded by _load_warm_start
        arch, state, _ = read_policy(warm_start)  # hashes, schema and format checked; nothing unpickled
        check_policy_format(arch, warm_start, env.walk.body_model)  # and it fits this env
        differs = {k for k, v in policy_spec.model_config.items() if arch["model_config"].get(k) != v}
        if differs:
            raise CheckpointError(f"the warm start's policy network differs from this one ({sorted(differs)[0]})",
                                  path=warm_start, fix="warm-start from a checkpoint of this rl_gait, or pass none")
        set_policy_state(build_policy_module(arch, warm_start), state, warm_start)  # the weights fit it
        config.rl_gait_warm_start = str(resolve_checkpoint_dir(warm_start))

    if mode == "physics-only":
        config.rl_module(rl_module_spec=policy_spec)
        return config

    params = imitation or ImitationParams()
    if demos is None and not isinstance(env, WalkEnvConfig):
        raise RlGaitError(f"{env.env_id} needs its demonstrations made by its own builder — fix: pass demos "
                          "(rl_gait.curriculum.training.multitask_config does)")
    demos_path = Path(demos) if demos is not None else make_demonstrations_file(env, seed=seed)
    arrays = load_demonstration_arrays(demos_path)
    blocks, obs_space, act_space = _observation_blocks(env)
    style = blocks["style"]
    if arrays["obs"].shape[1] != obs_space.shape[0] or arrays["actions"].shape[1] != act_space.shape[0]:
        raise RlGaitError(f"{demos_path}: demonstrations have obs/action sizes {arrays['obs'].shape[1]}/"
                          f"{arrays['actions'].shape[1]} but {env.env_id} has {obs_space.shape[0]}/{act_space.shape[0]}"
                          " — fix: rebuild the demonstrations for this env")
    feats = np.concatenate([arrays["obs"][:, style], arrays["next_obs"][:, style]], axis=1)
    disc_spec = RLModuleSpec(
        module_class=StyleDiscriminator, observation_space=obs_space, action_space=act_space, learner_only=True,
        model_config=dict(style_start=int(style.start), style_stop=int(style.stop),
                          feature_mean=feats.mean(axis=0).tolist(), feature_std=feats.std(axis=0).tolist(),
                          hidden=list(params.disc_hidden)),
    )
    config.rl_module(rl_module_spec=MultiRLModuleSpec(
        rl_module_specs={DEFAULT_MODULE_ID: policy_spec, DISCRIMINATOR_MODULE_ID: disc_spec}))
    config.imitation(params=params, demos=demos_path)
    if params.anchor_coeff > 0:
        if warm_start is None:
            raise RlGaitError("ImitationParams.anchor_coeff > 0 anchors the policy to its warm start, and there is "
                              "none — fix: pass warm_start or set anchor_coeff=0")
        config.rl_gait_anchor_dir = config.rl_gait_warm_start
        config.rl_gait_task_slice = (int(blocks["task"].start), int(blocks["task"].stop))
        if anchor_states is not None:
            config.rl_gait_anchor_states = str(Path(anchor_states).resolve())
    elif anchor_states is not None:
        raise RlGaitError("anchor_states are only used with ImitationParams.anchor_coeff > 0 — fix: set it or "
                          "drop anchor_states")
    return config


def default_gpus_per_learner(num_learners: int) -> int:
    """1 when the learner(s) can have a GPU, else 0 (the CPU).

    A local learner (``num_learners=0``) runs in this process: a GPU if torch sees one here (in a Tune trial
    or Ray task without a GPU, Ray hides them). Remote learners: a GPU each if the running Ray cluster has
    one per learner, or, before Ray starts (:func:`rl_gait.learner.ray_session.start_ray` starts it on this machine), if torch sees one here.
    Measured on an H200 (docs/throughput.md): a hybrid minibatch update of 1,000 is 3.9x faster than one CPU
    thread; the learner is a third to a half of a training iteration on CPUs."""
    import torch

    if num_learners > 0:
        import ray

        if ray.is_initialized():
            return int(ray.cluster_resources().get("GPU", 0) >= num_learners)
    return int(torch.cuda.is_available())
