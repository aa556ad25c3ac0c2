"""A patient as personalization sees it: id, level-walk reference, body size and prior.

``load_patient(path)`` accepts what the earlier stages write: a saved ``GaitTrial`` folder (or a
wearable file, ingested on the fly) — its level reference then comes from
``rl_gait.reference.reference_for`` — or a saved :class:`~rl_gait.reference.ReferenceMotion`
(``.npz`` + ``.json``). Everything here runs on the driver; trials get the :class:`PatientSpec`
through the Ray object store, so worker nodes need no access to the patient's files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rl_gait.body import BodyParams
from rl_gait.errors import InputFormatError
from rl_gait.joints import JOINT_NAMES, side_code
from rl_gait.personalize.space import PatientPrior, prior_from_trial, rom_ratio
from rl_gait.pseudonym import content_sha256, input_token, pseudonymous_id
from rl_gait.reference import ReferenceMotion
from rl_gait.tasks import Task


@dataclass(frozen=True)
class PatientSpec:
    """Everything a personalization trial needs to know about one patient.

    Attributes:
        patient_id: pseudonymous id (file and folder names use it).
        reference: the level-ground reference the policy imitates and is scored against.
        body: height and mass (passive joint properties are set per candidate).
        prior: what the trial says before simulation (drives the search space).
        source: what kind of input it was loaded from and that input's content hash (never its path:
            outputs carry it, :mod:`rl_gait.pseudonym`).
    """

    patient_id: str
    reference: ReferenceMotion
    body: BodyParams
    prior: PatientPrior
    source: str = ""


def patient_from_reference(patient_id: str, reference: ReferenceMotion, body: BodyParams | None = None,
                           source: str = "") -> PatientSpec:
    """A :class:`PatientSpec` whose prior is read off the reference's own curves and paretic side."""
    side = side_code(reference.paretic_side)
    curves = reference.curves_101().T  # [J, 101]
    prior = PatientPrior(patient_id, side, rom_ratio(curves, tuple(reference.joint_names), side))
    return PatientSpec(patient_id, reference, body or BodyParams(), prior, source)


def patient_from_trial(trial: Any, source: str = "") -> PatientSpec:
    """A :class:`PatientSpec` of a :class:`rl_gait.ingest.GaitTrial`: its level reference and prior."""
    from rl_gait.reference import reference_for

    reference = reference_for(trial, Task())
    body = BodyParams(height_m=trial.height_m or BodyParams().height_m, mass_kg=trial.mass_kg or BodyParams().mass_kg)
    return PatientSpec(trial.subject_id, reference, body, prior_from_trial(trial), source)


def load_patient(path: str | Path | Sequence[str | Path]) -> PatientSpec:
    """The patient in ``path``: a ReferenceMotion ``.npz``, a saved GaitTrial folder, or the wearable
    file(s) of one walk (several files, e.g. consecutive StrokeAvatar clips, are ingested together).

    The patient id is pseudonymous: a trial's ``subject_id`` (ingestion derives it from the recording's
    content), for a reference ``.npz`` the hash of its ``.npz`` and ``.json`` bytes — never a file name."""
    paths = [Path(x).expanduser().resolve() for x in ([path] if isinstance(path, str | Path) else path)]
    for p in paths:
        if not p.exists():
            raise InputFormatError("patient input not found", path=p,
                                   fix="pass a GaitTrial folder (rl-gait ingest --out), wearable files or a reference .npz")
    if len(paths) > 1:
        from rl_gait.ingest import ingest

        return patient_from_trial(ingest(paths), source="wearable " + " ".join(input_token(p) for p in paths))
    p = paths[0]
    if p.suffix == ".npz" and p.with_suffix(".json").is_file():
        reference = ReferenceMotion.load(p)
        missing = set(JOINT_NAMES) - set(reference.joint_names)
        if missing:
            raise InputFormatError(f"reference lacks joints {sorted(missing)}", path=p,
                                   fix="make the reference with rl_gait.reference.reference_for")
        pid = pseudonymous_id([content_sha256(p), content_sha256(p.with_suffix(".json"))])
        return patient_from_reference(pid, reference, source=f"reference {input_token(p)}")
    from rl_gait.ingest import GaitTrial, ingest

    if p.is_dir() and (p / "trial.json").is_file():
        return patient_from_trial(GaitTrial.load(p), source=f"trial {input_token(p)}")
    return patient_from_trial(ingest([p]), source=f"wearable {input_token(p)}")


def discover_patients(folder: str | Path) -> list[Path]:
    """Patient inputs directly inside ``folder``: sub-folders and reference ``.npz`` files, sorted."""
    root = Path(folder).expanduser().resolve()
    if not root.is_dir():
        raise InputFormatError("cohort folder not found", path=root, fix="pass a folder with one entry per patient")
    entries = sorted(e for e in root.iterdir()
                     if (e.is_dir() and not e.name.startswith(".")) or (e.suffix == ".npz" and e.with_suffix(".json").is_file())
                     or e.suffix.lower() in (".json", ".txt", ".csv", ".mot") and not e.with_suffix(".npz").exists())
    if not entries:
        raise InputFormatError("no patient inputs in the cohort folder", path=root,
                               fix="put one GaitTrial folder, wearable file or reference .npz per patient there")
    return entries
