"""What an input format is: an object with ``detect``, ``read`` and ``kinematics``.

Every format of :mod:`rl_gait.ingest.formats.registry` satisfies :class:`InputFormat`:

- ``detect(path) -> bool``: cheap test on one file (suffix, first bytes), no full parse;
- ``read(files, ctx) -> data``: parse all files of one trial into the format's own data
  (``ImuSet`` for inertial sensors, ``JointAngleTable`` for joint angles, clips for StrokeAvatar);
- ``kinematics(data, ctx) -> Kinematics``: the format's front end (:mod:`rl_gait.ingest.kinematics`).

Every :class:`~rl_gait.ingest.options.IngestOptions` field reaches every format through ``ctx``; a
choice a format cannot honour is refused (:func:`refuse_orientation_filter`), never silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rl_gait.errors import InputFormatError
from rl_gait.ingest.kinematics import Kinematics
from rl_gait.ingest.options import IngestOptions


@dataclass(frozen=True)
class ReadContext:
    """What every format's ``read``/``kinematics`` is given besides the files.

    Attributes:
        options: the ingestion's options.
        sensor_map: ``{SENSOR ID: canonical segment}`` (empty when none was given or found).
        where: the trial's file or folder, named in errors.
    """

    options: IngestOptions = field(default_factory=IngestOptions)
    sensor_map: dict[str, str] = field(default_factory=dict)
    where: Path | str = ""


@runtime_checkable
class InputFormat(Protocol):
    """An input format (see the module docstring). ``name`` is its ``--format`` value."""

    name: str
    description: str

    def detect(self, path: Path) -> bool: ...

    def read(self, files: list[Path], ctx: ReadContext) -> Any: ...

    def kinematics(self, data: Any, ctx: ReadContext) -> Kinematics: ...


def refuse_orientation_filter(fmt: str, ctx: ReadContext) -> None:
    """Formats without raw acc + gyro cannot run an orientation filter: refuse ``--orientation madgwick``."""
    if ctx.options.orientation != "vendor":
        raise InputFormatError(
            f"--orientation {ctx.options.orientation} needs raw accelerometer and gyroscope data; a {fmt} file has none",
            path=ctx.where, fix="leave --orientation at its default (vendor)")


def one_file(fmt: str, files: list[Path], ctx: ReadContext) -> Path:
    """The single file of a one-file-per-trial format (joint angles, C3D)."""
    if len(files) != 1:
        raise InputFormatError(f"{len(files)} {fmt} files given; one trial is one file", path=ctx.where,
                               fix=f"pass a single {fmt} file")
    return files[0]
