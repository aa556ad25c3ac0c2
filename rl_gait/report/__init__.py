"""The clinician's report: one self-contained ``report.html`` (PNG figures and GIFs embedded as base64)."""
