"""``IngestOptions``: the processing choices of one ingestion, honoured by every input format."""

from __future__ import annotations

from dataclasses import dataclass, field

from rl_gait.ingest.events import EventParams
from rl_gait.ingest.joint_angles import WalkingPriors
from rl_gait.ingest.paretic import PareticEvidence
from rl_gait.ingest.zupt import ZuptParams

ORIENTATIONS: tuple[str, ...] = ("vendor", "madgwick", "mahony")


@dataclass(frozen=True)
class IngestOptions:
    """Processing choices (all recorded in the provenance). Every field applies to every format
    (``rl_gait.ingest.formats.registry``); a choice a format cannot honour is refused with a one-line
    error, never ignored.

    Attributes:
        orientation: ``"vendor"`` uses the file's orientations when present, else the AHRS filter;
            ``"madgwick"`` / ``"mahony"`` always filter raw acc + gyro (+ mag) — refused for formats
            that hold no raw inertial data (joint angles, StrokeAvatar clips, C3D).
        max_gap_s: NaN runs / dropped packets up to this long are interpolated, longer ones refused.
        sample_rate_hz: overrides the file's (or the assumed Xsens 100 Hz) sample rate.
        walk_distance_m: distance of the walk (e.g. 20 m) — gives speed from the walking duration.
        speed_m_s: walking speed when known (e.g. treadmill belt speed); overrides the others.
        priors: offsets when no standing period exists (IMU formats; angle files are absolute).
        events: event-detector settings.
        paretic: paretic-side evidence weights.
        zupt: zero-velocity detector and Kalman smoother settings (stride length from foot IMUs).
    """

    orientation: str = "vendor"
    max_gap_s: float = 0.1
    sample_rate_hz: float | None = None
    walk_distance_m: float | None = None
    speed_m_s: float | None = None
    priors: WalkingPriors = field(default_factory=WalkingPriors)
    events: EventParams = field(default_factory=EventParams)
    paretic: PareticEvidence = field(default_factory=PareticEvidence)
    zupt: ZuptParams = field(default_factory=ZuptParams)

    def __post_init__(self) -> None:
        if self.orientation not in ORIENTATIONS:
            raise ValueError(f"orientation {self.orientation!r}: use one of {', '.join(ORIENTATIONS)}")
        if not self.max_gap_s >= 0:
            raise ValueError(f"max_gap_s must be >= 0, got {self.max_gap_s}")
        if self.sample_rate_hz is not None:  # a user's --sample-rate-hz: one line, not a traceback
            from rl_gait.ingest.sensors import check_sample_rate

            check_sample_rate(self.sample_rate_hz, None, "--sample-rate-hz:")

    def provenance(self) -> dict:
        """The scalar choices as recorded in ``trial.json``."""
        return {"orientation": self.orientation, "max_gap_s": self.max_gap_s, "walk_distance_m": self.walk_distance_m,
                "speed_m_s": self.speed_m_s, "sample_rate_hz": self.sample_rate_hz}
