"""Ingestion: a patient's walking trial (wearable files) → validated gait kinematics (:class:`GaitTrial`).

Plain numpy/scipy/ahrs — no Ray, torch or MuJoCo. Pieces, in data order: ``formats`` (readers),
``sensors`` (sync, gaps, units, sensor map), ``orientation`` (AHRS filter), ``alignment``
(sensor-to-segment axes), ``joint_angles``, ``events``, ``parameters``, ``paretic``; ``pipeline.ingest``
ties them together.
"""

from rl_gait.ingest.trial import GaitEvents, GaitTrial

__all__ = ["GaitEvents", "GaitTrial", "IngestOptions", "ingest"]


def __getattr__(name: str):
    # lazy: `from rl_gait.ingest import GaitTrial` stays cheap for other stages
    if name in ("ingest", "IngestOptions"):
        from rl_gait.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(name)
