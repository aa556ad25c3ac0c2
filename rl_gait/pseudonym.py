"""Pseudonymous outputs: no input file name, folder name or path leaves the user's machine in an output.

Decisions (documented in README.md, "Patient data"):

* A patient id is ``subject-`` + the first 10 hex digits of the sha256 over the sha256 digests of the
  recording's *bytes* (sorted, so file order does not matter) — never of its names. The same recording
  gets the same id on every machine and every rerun (resume and cohort keys stay stable); the id says
  nothing about the person, and only someone who already holds the exact recording can recompute it.
  A user-given ``--subject-id`` is used as given (it is the user's pseudonym).
* Input paths in recorded commands and provenance become ``<input sha256:XXXXXXXXXXXX>`` tokens (a
  hash of the content, so a guessed path cannot be confirmed by hashing it).
* The mapping pseudonym → original input is written only on request (``--write-id-map PATH``), only
  outside the output folder, readable by the user alone (mode 0600).
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from rl_gait.errors import RlGaitError
from rl_gait.io.jsonio import dumps, sha256_bytes, sha256_file

ID_PREFIX = "subject-"


def content_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes; of a folder: over its files' relative paths and bytes (sorted)."""
    p = Path(path)
    if not p.is_dir():
        return sha256_file(p)
    h = hashlib.sha256()
    for f in sorted(f for f in p.rglob("*") if f.is_file()):
        h.update(f.relative_to(p).as_posix().encode())
        h.update(bytes.fromhex(sha256_file(f)))
    return h.hexdigest()


def pseudonymous_id(file_digests: Iterable[str]) -> str:
    """``subject-<10 hex>`` from the sha256 digests of a recording's files (any order)."""
    h = sha256_bytes("".join(sorted(file_digests)).encode())
    return f"{ID_PREFIX}{h[:10]}"


def input_token(path: str | Path) -> str:
    """What an input path becomes in an output: ``<input sha256:XXXXXXXXXXXX>`` (content hash)."""
    p = Path(path)
    try:
        digest = content_sha256(p)[:12] if p.exists() else sha256_bytes(str(p).encode())[:12]
    except OSError:
        digest = sha256_bytes(str(p).encode())[:12]
    return f"<input sha256:{digest}>"


_PATH_TAIL = r"[^\s'\",;:)\]]*"


def _patterns_of(path: Path) -> list[str]:
    """Regexes of the strings that identify ``path`` in a text: its absolute path and any path below it,
    its file names (a folder's files too), and its parent folder when it stands alone (an error may name
    the folder of several files). Longest first, so a path is replaced before its parts."""
    p = path.expanduser().absolute()
    whole = {str(p), str(p.resolve())}
    names = {p.name} | ({f.name for f in p.rglob("*") if f.is_file()} if p.is_dir() else set())
    pats = [(len(n), re.escape(n) + _PATH_TAIL) for n in whole | names if len(n) > 2]
    if not p.is_dir():
        pats.append((len(str(p.parent)), re.escape(str(p.parent)) + r"(?![^\s'\",;:)\]])"))
    return [pat for _, pat in sorted(pats, reverse=True)]


def redact(text: str, inputs: Sequence[str | Path], tokens: Sequence[str] | None = None) -> str:
    """``text`` with every input's path, folder and file names replaced by its token (the whole
    path-like word an input path starts, e.g. a file inside an input folder, goes too)."""
    tokens = list(tokens) if tokens is not None else [input_token(p) for p in inputs]
    for p, token in zip(inputs, tokens, strict=True):
        for pattern in _patterns_of(Path(p)):
            text = re.sub(pattern, token, text)
    return text


def redact_obj(obj, inputs: Sequence[str | Path], tokens: Sequence[str]):
    """:func:`redact` applied to every string in a JSON-like object (dict keys too)."""
    if isinstance(obj, str):
        return redact(obj, inputs, tokens)
    if isinstance(obj, Mapping):
        return {redact_obj(k, inputs, tokens): redact_obj(v, inputs, tokens) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v, inputs, tokens) for v in obj]
    return obj


def recorded_command(argv: Sequence[str], inputs: Sequence[str | Path], prog: str = "rl-gait") -> str:
    """The command line to record in outputs: ``prog`` + ``argv`` with every input path as its token.

    An argument is an input when it names the same file or folder as one of ``inputs`` (also as the value
    of ``--opt=VALUE``) or lies inside an input folder.
    """
    resolved = [Path(p).expanduser().resolve() for p in inputs]

    def token_for(arg: str) -> str | None:
        try:
            a = Path(arg).expanduser().resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        for p in resolved:
            if a == p or p.is_dir() and p in a.parents:
                return input_token(a)
        return None

    out = [prog]
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            opt, value = arg.split("=", 1)
            token = token_for(value)
            out.append(f"{opt}={token}" if token else arg)
        else:
            out.append(token_for(arg) or arg)
    return redact(shlex.join(out), resolved)


def write_id_map(path: str | Path, mapping: Mapping[str, Sequence[str | Path]], out_dir: str | Path) -> Path:
    """Write ``{pseudonym: [original input paths]}`` to ``path`` (mode 0600), refusing a place inside
    ``out_dir`` (outputs are shared; the map identifies patients)."""
    target = Path(path).expanduser().resolve()
    out = Path(out_dir).expanduser().resolve()
    if target == out or out in target.parents:
        raise RlGaitError("the id map would identify patients inside the output folder", path=target,
                          fix=f"write it outside {out} (e.g. --write-id-map ~/private/rl_gait_ids.json)")
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = {"note": "pseudonym -> original input; identifies patients, keep it private",
           "ids": {pid: [str(Path(p).expanduser().resolve()) for p in paths] for pid, paths in mapping.items()}}
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(dumps(doc))
    os.chmod(target, 0o600)
    return target
