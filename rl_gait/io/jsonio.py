"""The package's one JSON module and its one hashing helper.

Strict JSON: what rl_gait writes has no ``NaN``/``Infinity`` (most JSON readers refuse them). A number that is
undefined (a speed the sensors do not measure, a symmetry index of two zeros, a metric of a rollout that fell
before its first stride) is written as ``null``; each schema in ``rl_gait/data/schemas`` says in the field's
``description`` when and why a field may be ``null`` — that is the reason, documented once per field instead of
repeated in every file. Reading is strict too: ``NaN``/``Infinity`` tokens and duplicate-free JSON only.

:func:`to_jsonable` is the one encoder: dataclasses become dicts of their fields, numpy arrays lists, numpy
scalars Python numbers, tuples lists, paths strings, non-finite floats ``None``. A type that should be written
as something else than its fields registers a converter (``to_jsonable.register``), e.g. a ``ReferenceMotion``
is summarised (its curves live in its own ``.npz``). Anything else is a programming error (``TypeError``),
never a silent ``str(obj)``.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from rl_gait.errors import InputFormatError


@functools.singledispatch
def to_jsonable(obj: Any) -> Any:
    """A strict-JSON view of ``obj`` (see the module docstring); raises ``TypeError`` for unknown types."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    raise TypeError(f"rl_gait.io.to_jsonable: no JSON form for {type(obj).__name__}")


@to_jsonable.register(type(None))
@to_jsonable.register(bool)
@to_jsonable.register(str)
@to_jsonable.register(int)
def _(obj: Any) -> Any:
    return obj


@to_jsonable.register(float)
def _(obj: float) -> float | None:
    return obj if math.isfinite(obj) else None


@to_jsonable.register(Mapping)
def _(obj: Mapping) -> dict:
    return {str(k.value if isinstance(k, enum.Enum) else k): to_jsonable(v) for k, v in obj.items()}


@to_jsonable.register(list)
@to_jsonable.register(tuple)
@to_jsonable.register(set)
@to_jsonable.register(frozenset)
def _(obj: Iterable) -> list:
    return [to_jsonable(v) for v in (sorted(obj, key=repr) if isinstance(obj, set | frozenset) else obj)]


@to_jsonable.register(np.ndarray)
def _(obj: np.ndarray) -> Any:
    return to_jsonable(obj.tolist())


@to_jsonable.register(np.generic)
def _(obj: np.generic) -> Any:
    return to_jsonable(obj.item())


@to_jsonable.register(Path)
def _(obj: Path) -> str:
    return obj.as_posix()


@to_jsonable.register(enum.Enum)
def _(obj: enum.Enum) -> Any:
    return to_jsonable(obj.value)


def dumps(obj: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``obj`` (through :func:`to_jsonable`), newline-terminated when indented."""
    text = json.dumps(to_jsonable(obj), indent=indent, allow_nan=False, ensure_ascii=False)
    return text + "\n" if indent is not None else text


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as strict JSON to ``path`` atomically (a reader never sees half a file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = dumps(obj)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide results from the rest of a shared group
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (write null for an undefined number)")


def loads_strict(text: str) -> Any:
    """Parse JSON text, refusing ``NaN``, ``Infinity`` and ``-Infinity`` (``ValueError``)."""
    return json.loads(text, parse_constant=_refuse_constant)


def read_json(path: str | Path, *, fix: str = "restore the file from its original copy") -> Any:
    """The strict-JSON content of ``path``; a missing, unreadable, truncated or non-strict file raises a
    one-line :class:`~rl_gait.errors.InputFormatError` naming the file, the line and column, and ``fix``."""
    path = Path(path)
    if not path.is_file():
        raise InputFormatError("file not found", path=path, fix=fix)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputFormatError("not UTF-8 text", path=path, fix=fix) from None
    try:
        return loads_strict(text)
    except json.JSONDecodeError as err:
        what = "empty file" if not text.strip() else f"not valid JSON ({err.msg} at line {err.lineno} column {err.colno})"
        raise InputFormatError(what, path=path, fix=fix) from None
    except ValueError as err:  # NaN / Infinity
        raise InputFormatError(str(err), path=path, fix=fix) from None


# ---------------------------------------------------------------------------------------------- hashing
def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            h.update(chunk)
    return h.hexdigest()


def sha256_files(root: str | Path, *, exclude: Iterable[str] = ()) -> dict[str, str]:
    """``{relative posix path: sha256}`` of every file under ``root`` (sorted; ``exclude``: relative paths)."""
    root = Path(root)
    skip = set(exclude)
    return {rel: sha256_file(f) for f in sorted(p for p in root.rglob("*") if p.is_file())
            if (rel := f.relative_to(root).as_posix()) not in skip}
