"""Files the project writes and reads back: strict JSON, content hashes, versioned JSON Schemas.

``jsonio`` is the package's one JSON module (encoder, strict writer and reader) and its one hashing
helper; ``documents`` holds the JSON Schemas (``rl_gait/data/schemas``), the one loader that validates
every document on read, and the migrations of older versions. Plain Python + numpy + jsonschema: every
stage may import it.
"""
