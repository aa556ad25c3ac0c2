"""The input formats of ``rl-gait ingest``, in detection order (see ``README.md`` beside this file).

``--format auto`` asks each format's ``detect`` in this order and takes the first that claims a file;
``--format NAME`` takes :data:`FORMATS` ``[NAME]``. A new format is one object here (see
:class:`~rl_gait.ingest.formats.base.InputFormat`).
"""

from __future__ import annotations

from pathlib import Path

from rl_gait.errors import InputFormatError, RlGaitError
from rl_gait.ingest.formats.base import InputFormat
from rl_gait.ingest.formats.c3d import C3D
from rl_gait.ingest.formats.generic_csv import GENERIC_CSV
from rl_gait.ingest.formats.mot import MOT
from rl_gait.ingest.formats.strokeavatar import STROKEAVATAR
from rl_gait.ingest.formats.xsens import XSENS

FORMATS: dict[str, InputFormat] = {f.name: f for f in (STROKEAVATAR, C3D, MOT, XSENS, GENERIC_CSV)}
"""Detection order: the most specific test first (a ``.json`` suffix, the C3D header, OpenSim's
``endheader``, Xsens column names, then the generic CSV columns)."""

FORMAT_CHOICES: tuple[str, ...] = ("auto", *FORMATS)


def format_named(name: str) -> InputFormat:
    """The format called ``name`` (an :class:`RlGaitError` naming the choices otherwise)."""
    if name not in FORMATS:
        raise RlGaitError(f"unknown format {name!r}", fix=f"use one of {', '.join(FORMAT_CHOICES)}")
    return FORMATS[name]


def detect_format(path: Path) -> InputFormat:
    """The first format whose ``detect`` claims ``path`` (InputFormatError otherwise)."""
    if path.stat().st_size == 0:
        raise InputFormatError("empty file (0 bytes)", path=path, fix="re-export the recording")
    for fmt in FORMATS.values():
        if fmt.detect(path):
            return fmt
    raise InputFormatError("unrecognised file format", path=path,
                           fix="pass --format, or use the generic CSV layout of rl_gait/ingest/formats/README.md")
