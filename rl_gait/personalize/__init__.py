"""Personalization: Ray Tune search of the patient-specific body, controller and learner parameters."""
