"""The JSON documents rl_gait writes and reads back: one JSON Schema each, one loader, one migration table.

Each kind of document has a version and a schema file ``rl_gait/data/schemas/<kind>-<version>.json``; the
document names itself in its ``schema`` key (``"rl_gait.trial/1"``). :func:`load_document` reads a file
strictly (:func:`rl_gait.io.jsonio.read_json`), brings an older version to the current one through
:data:`MIGRATIONS` (the only place that knows old layouts) and validates it; any problem is ONE line naming
the file, the field (its JSON path) and what is expected, with the fix. :func:`write_document` validates what
the code writes against the same schema, so every written file reads back.

Version policy: adding an optional key keeps the version; renaming or removing a key, changing a unit or
a meaning bumps it, with a new schema file and a migration from the previous version.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from rl_gait.errors import InputFormatError
from rl_gait.io.jsonio import read_json, write_json


@dataclass(frozen=True)
class DocumentKind:
    """One kind of JSON document: its name, current version, the fix for a bad file, and the ``format``
    value that named it before documents carried a ``schema`` tag (its ``format_version`` was the version)."""

    name: str
    version: int
    fix: str
    legacy_format: str | None = None

    @property
    def tag(self) -> str:
        return f"rl_gait.{self.name}/{self.version}"


KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    DocumentKind("trial", 1, "re-ingest the recording with `rl-gait ingest`, or correct the field"),
    DocumentKind("checkpoint", 2, "use the original checkpoint, or retrain with `rl-gait train`", "rl_gait.checkpoint"),
    DocumentKind("atlas", 2, "rebuild it with `rl-gait atlas build --source ../shared/data --out <file>.npz`",
                 "rl_gait.HealthyAtlas"),
    DocumentKind("personalization", 1, "rerun `rl-gait personalize` (it resumes)"),
    DocumentKind("predictions", 1, "regenerate them with `rl-gait predict`"),
    DocumentKind("policy", 1, "use the original checkpoint, or retrain with `rl-gait train`"),
)}


def _checkpoint_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 sidecars: ``format``/``format_version`` keys, no ``env_config`` (the env options were in
    ``env_kwargs``/``env_options``, kept as they are), one ``weights_sha256`` over the rl_module folder."""
    out = {k: v for k, v in doc.items() if k not in ("format", "format_version")}
    out.setdefault("command", "")
    out.setdefault("patient_id", "anonymous")
    out.setdefault("git_sha", None)
    out.setdefault("env_version", out.get("env_id", "-v0").rsplit("-v", 1)[-1])
    out.setdefault("env_config", None)
    out.setdefault("files_sha256", None)
    return out


def _atlas_1_to_2(doc: dict[str, Any]) -> dict[str, Any]:
    """Version 1 atlases: ``format``/``format_version`` keys instead of the ``schema`` tag."""
    return {k: v for k, v in doc.items() if k not in ("format", "format_version")}


def _personalization_0_to_1(doc: dict[str, Any]) -> dict[str, Any]:
    """Files written before the tag: the same layout, without ``schema``."""
    return dict(doc)


MIGRATIONS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    ("checkpoint", 1): _checkpoint_1_to_2,
    ("atlas", 1): _atlas_1_to_2,
    ("personalization", 0): _personalization_0_to_1,
}
"""``(kind, version) → function`` bringing a document of that version to the next one."""


@functools.cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of the current version of ``kind`` (a package data file)."""
    k = KINDS[kind]
    text = resources.files("rl_gait").joinpath("data", "schemas", f"{kind}-{k.version}.json").read_text("utf-8")
    return json.loads(text)


@functools.cache
def _validator(kind: str):
    import jsonschema

    return jsonschema.Draft202012Validator(schema(kind))


def document_version(doc: Any, kind: str) -> int | None:
    """The version ``doc`` says it is of ``kind``; 0 for a kind's files from before any tag (if it has
    a migration from 0); ``None`` if it names another kind or nothing this package knows."""
    k = KINDS[kind]
    if not isinstance(doc, dict):
        return None
    tag = doc.get("schema")
    if isinstance(tag, str):
        m = re.fullmatch(rf"rl_gait\.{re.escape(kind)}/(\d+)", tag)
        return int(m.group(1)) if m else None
    if k.legacy_format is not None and doc.get("format") == k.legacy_format:
        v = doc.get("format_version")
        return v if isinstance(v, int) and not isinstance(v, bool) else None
    if tag is None and (kind, 0) in MIGRATIONS:
        return 0
    return None


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, dict | list) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _expected(err) -> str:
    """What the schema expects at the failing field, in words."""
    v, arg = err.validator, err.validator_value
    if v == "type":
        types = [arg] if isinstance(arg, str) else list(arg)
        words = {"number": "a number", "integer": "an integer", "string": "a string", "object": "an object",
                 "array": "a list", "boolean": "true or false", "null": "null"}
        return f"expected {' or '.join(words.get(t, t) for t in types)}, got {_short(err.instance)}"
    if v == "enum":
        return f"expected one of {', '.join(json.dumps(a) for a in arg)}, got {_short(err.instance)}"
    if v == "const":
        return f"expected {json.dumps(arg)}, got {_short(err.instance)}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        op = {"minimum": "≥", "maximum": "≤", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[v]
        return f"expected a number {op} {arg}, got {_short(err.instance)}"
    if v in ("minItems", "maxItems", "minLength", "maxLength", "minProperties"):
        return f"expected {v} {arg}, got {_short(err.instance)}"
    if v == "pattern":
        return f"expected text matching {arg}, got {_short(err.instance)}"
    return err.message.replace("\n", " ")[:160]


def _field(err) -> str:
    parts = [str(p) for p in err.absolute_path]
    if err.validator == "required":
        missing = [r for r in err.validator_value if isinstance(err.instance, dict) and r not in err.instance]
        return "/".join([*parts, missing[0] if missing else "?"])
    return "/".join(parts) or "(top level)"


def validate(doc: Any, kind: str, path: str | Path | None = None) -> None:
    """Raise a one-line :class:`InputFormatError` unless ``doc`` follows the current schema of ``kind``."""
    import jsonschema

    err = jsonschema.exceptions.best_match(_validator(kind).iter_errors(doc))
    if err is None:
        return
    field = _field(err)
    what = "missing" if err.validator == "required" else _expected(err)
    raise InputFormatError(f"{KINDS[kind].tag} field `{field}`: {what}", path=path, fix=KINDS[kind].fix)


def migrate(doc: dict[str, Any], kind: str, path: str | Path | None = None) -> dict[str, Any]:
    """``doc`` brought to the current version of ``kind`` (and tagged with it)."""
    k = KINDS[kind]
    version = document_version(doc, kind)
    if version is None:
        tag = doc.get("schema", doc.get("format")) if isinstance(doc, dict) else None
        raise InputFormatError(f"not an rl_gait {kind} file (schema {_short(tag)}, expected {k.tag!r})",
                               path=path, fix=k.fix)
    if version > k.version:
        raise InputFormatError(f"{kind} schema version {version} is newer than this rl_gait reads "
                               f"({k.version})", path=path, fix=f"update rl_gait, or {k.fix}")
    while version < k.version:
        step = MIGRATIONS.get((kind, version))
        if step is None:
            raise InputFormatError(f"{kind} schema version {version} is no longer read (current {k.version})",
                                   path=path, fix=k.fix)
        doc = step(doc)
        version += 1
    return {"schema": k.tag, **{key: v for key, v in doc.items() if key != "schema"}}


def load_document(path: str | Path, kind: str) -> dict[str, Any]:
    """Read ``path`` (strict JSON), migrate it to the current version of ``kind`` and validate it."""
    doc = read_json(path, fix=KINDS[kind].fix)
    doc = migrate(doc, kind, path)
    validate(doc, kind, path)
    return doc


def write_document(path: str | Path, kind: str, doc: dict[str, Any]) -> Path:
    """Validate ``doc`` (tagged with the current version of ``kind``) and write it as strict JSON."""
    from rl_gait.io.jsonio import to_jsonable

    doc = {"schema": KINDS[kind].tag, **{k: v for k, v in to_jsonable(doc).items() if k != "schema"}}
    validate(doc, kind, path)
    return write_json(path, doc)
