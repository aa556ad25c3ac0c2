"""Starting Ray, and where Ray's and the other libraries' own log lines go.

:func:`start_ray` is the one way the package starts or joins Ray (the learner, Tune personalization, the main
job, the experiment scripts): it connects to a running cluster when given an address or when ``RAY_ADDRESS`` is
set (inside ``ray job submit``) — without resource arguments, which Ray refuses for an existing cluster — or
starts a local Ray with ``num_cpus``; either way
the env ids are registered with Ray. :func:`library_logs_to` sends the log records of Ray, RLlib, Tune, Optuna
and Python warnings (Gymnasium's, for one) to a file, so that a command's console shows its own progress and
results; the command prints one line saying where the file is.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

LIBRARY_LOGGERS: tuple[str, ...] = ("ray", "optuna", "py.warnings")
"""Loggers (and their children) whose records :func:`library_logs_to` writes to its file (``ray`` covers RLlib
and Tune, whose loggers carry their own console handlers; ``py.warnings`` receives ``warnings.warn`` once
warnings are captured)."""
RLLIB_INTERNAL_DEPRECATIONS: tuple[str, ...] = ("RLModule(config=[RLModuleConfig object])",)
"""Deprecation warnings RLlib 2.60 raises from its own code, whatever API its caller uses: ``RLModule.__init__``
builds the deprecated ``RLModuleConfig`` itself (``ray/rllib/core/rl_module/rl_module.py``, "TODO (sven):
Deprecate this"). :func:`quiet_rllib_internal_deprecations` marks them as already said in this process
(``tests/learner/test_ray_session.py`` checks that RLlib still does it, so the entry goes when RLlib mends it)."""

LIBRARY_LOG = Path("logs") / "libraries.log"
"""Where a command writes the library log records, relative to its output folder."""

_log_file: logging.Handler | None = None  # the file handler of library_logs_to, re-attached after ray.init


def quiet_rllib_internal_deprecations() -> None:
    """Mark :data:`RLLIB_INTERNAL_DEPRECATIONS` as logged once already (``ray.util.log_once``) in this process."""
    from ray.util import log_once

    for key in RLLIB_INTERNAL_DEPRECATIONS:
        log_once(key)


def cluster_address(address: str | None = None) -> str | None:
    """The Ray cluster to join: ``address`` if given, else ``$RAY_ADDRESS`` (set by ``ray job submit`` in a job's
    entrypoint, by KubeRay in its pods, or by the user), else ``None`` (start a local Ray)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def start_ray(address: str | None = None, *, num_cpus: int | None = None) -> None:
    """Connect to the Ray cluster at ``address`` (``"auto"``, ``"host:port"``, ``"ray://…"``; without one,
    ``$RAY_ADDRESS``: :func:`cluster_address`) or, when there is none, start a local Ray with ``num_cpus`` CPUs
    (``None``: all; no dashboard); nothing when Ray is already running in this process. ``num_cpus`` is ignored
    when joining: a running cluster has its own resources, and Ray refuses resource arguments for it (inside
    ``ray job submit``, ``ray.init(num_cpus=2)`` is an error). Worker output stays on the workers
    (``log_to_driver=False``). Registers the env ids with Ray (:func:`rl_gait.envs.register_with_ray`)."""
    import ray

    from rl_gait.envs.registration import register_with_ray

    if not ray.is_initialized():
        os.environ.setdefault("RAY_DEDUP_LOGS", "1")
        quiet = dict(log_to_driver=False, logging_level=logging.ERROR)
        address = cluster_address(address)
        if address:
            ray.init(address=address, **quiet)  # the cluster has its resources: asking for CPUs is an error
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, **quiet)
        if _log_file is not None:  # ray.init replaced the "ray" logger's handlers
            _route(_log_file)
    register_with_ray()


def library_logs_to(path: str | Path) -> Path:
    """Write the records of :data:`LIBRARY_LOGGERS` (from INFO) to ``path`` (appended) instead of the console,
    capture Python warnings into them and quiet :data:`RLLIB_INTERNAL_DEPRECATIONS`. Imports Ray, RLlib, Tune
    and Optuna first: importing them installs their console handlers, which this replaces. Returns ``path``."""
    import optuna  # noqa: F401
    import ray.rllib  # noqa: F401
    import ray.tune  # noqa: F401

    global _log_file
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.captureWarnings(True)
    _log_file = handler
    _route(handler)
    quiet_rllib_internal_deprecations()
    native_stderr_to(path)
    return path


_console_stderr = None  # Python's sys.stderr on the console once native_stderr_to moved file descriptor 2


def native_stderr_to(path: str | Path) -> bool:
    """Send what native code writes to file descriptor 2 (Ray's C++ core worker: "core_worker.cc: Actor ... has
    constructor arguments in the object store and max_restarts > 0", at every EnvRunner's creation) to ``path``
    (appended), while Python's ``sys.stderr`` — the one-line errors, tracebacks — stays on the console (a
    duplicate of the original descriptor). Child processes started afterwards (Ray's raylet, GCS) inherit the file.

    Acts only where ``sys.stderr`` is the process's descriptor 2 (a terminal or a pipe: not under a test's
    capture); a later call points descriptor 2 at its own ``path``. Returns whether descriptor 2 now goes to
    ``path``."""
    global _console_stderr
    if _console_stderr is None:
        try:
            if sys.stderr is None or sys.stderr.fileno() != 2:
                return False
        except (AttributeError, OSError, ValueError):  # a capture object without a real descriptor
            return False
    sys.stderr.flush()
    log_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    if _console_stderr is None:
        console_fd = os.dup(2)
        _console_stderr = os.fdopen(console_fd, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                                    errors="backslashreplace")
        sys.stderr = _console_stderr
    os.dup2(log_fd, 2)
    os.close(log_fd)
    return True


def _route(handler: logging.Handler) -> None:
    """``handler`` as the only handler of every :data:`LIBRARY_LOGGERS` logger and of each child that has
    handlers of its own (``ray.rllib``, ``ray.data`` …), none propagating further."""
    names = [n for n in list(logging.root.manager.loggerDict)
             if any(n == p or n.startswith(p + ".") for p in LIBRARY_LOGGERS)]
    for name in sorted(set(names) | set(LIBRARY_LOGGERS)):
        logger = logging.getLogger(name)
        if name in LIBRARY_LOGGERS or logger.handlers:
            logger.handlers[:] = [handler]
            logger.propagate = False
            if name in LIBRARY_LOGGERS:
                logger.setLevel(logging.INFO)
