"""Predictions: seeded, perturbed rollouts of a patient's policy per task and difficulty level →
gait metrics, success with a confidence interval, a verdict per level and the highest recommended level.

Pieces in data order: ``settings`` (task families, levels, perturbations), ``rollouts`` (one recorded
rollout in the env), ``metrics`` (pure array functions on a recorded rollout), ``verdict`` (documented
thresholds), ``predict`` (the loop and ``predictions.json``), ``schema`` (its versioned JSON Schema),
``table`` (the terminal summary). MuJoCo/torch are imported only by ``rollouts`` and ``predict``.
"""
