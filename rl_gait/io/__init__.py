"""Files the project writes and reads back: strict JSON, content hashes, versioned JSON Schemas.

``jsonio`` is the package's one JSON module (encoder, strict writer and reader) and its one hashing
helper; ``documents`` holds the JSON Schemas (``rl_gait/data/schemas``), the one loader that validates
every document on read, and the migrations of older versions. Plain Python + numpy + jsonschema: every
stage may import it.
"""

from rl_gait.io.jsonio import (
    dumps,
    loads_strict,
    read_json,
    sha256_bytes,
    sha256_file,
    sha256_files,
    to_jsonable,
    write_json,
)

__all__ = ["dumps", "loads_strict", "read_json", "sha256_bytes", "sha256_file", "sha256_files", "to_jsonable",
           "write_json"]
