"""The main job: ``rl-gait run`` (ingest → references → personalize → task training → predict → report)
and ``rl-gait demo`` (the same on the bundled synthetic sample patient)."""
