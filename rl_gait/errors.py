"""User-facing errors: one line that names the file, what is wrong and how to fix it.

Every stage raises :class:`RlGaitError` (or a subclass) for bad input; the CLI prints
``error: <message>`` on stderr and exits with a non-zero code, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
"""Everything asked for was done."""
EXIT_INCOMPLETE = 1
"""Work is left (e.g. a sweep with a patient without a finished trial): rerun the same command to resume."""
EXIT_ERROR = 2
"""Nothing was done: bad input or usage, one ``error:`` line on stderr."""
EXIT_PARTIAL = 3
"""A cohort finished without some patients whose inputs could not be read (listed on stderr and in
``sweep.json`` ``skipped_inputs``); fix or drop those inputs."""


class RlGaitError(Exception):
    """An input or usage problem the user can fix. ``str(err)`` is a single line."""

    def __init__(self, what: str, *, path: str | Path | None = None, fix: str | None = None):
        parts = [f"{path}: {what}" if path is not None else what]
        if fix:
            parts.append(f"fix: {fix}")
        super().__init__(" — ".join(p.replace("\n", " ") for p in parts))


class InputFormatError(RlGaitError):
    """A file is missing, empty, truncated or not in the expected layout."""


class DataQualityError(RlGaitError):
    """A file parses but the data cannot be trusted (gaps, units, too short, no walking...)."""


class CheckpointError(RlGaitError):
    """A checkpoint is missing, incomplete or was altered after it was saved."""
