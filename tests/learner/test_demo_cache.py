"""The demonstrations cache: per user ($XDG_CACHE_HOME/rl_gait/demos, mode 0700), each file's sha256 beside it and
checked before the file is read; an altered entry is made again, an altered file given to a learner is refused
in one line without being loaded."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from rl_gait.envs.config import WalkEnvConfig
from rl_gait.errors import InputFormatError, RlGaitError
from rl_gait.learner.config import DIGEST_SUFFIX, demo_cache_dir, make_demonstrations_file
from rl_gait.learner.imitation_learner import load_demonstration_arrays

N = 64


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_cache_is_per_user_and_private(cache_home):
    folder = demo_cache_dir()
    assert folder == cache_home / "rl_gait" / "demos"
    for d in (folder, folder.parent):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700 and d.stat().st_uid == os.getuid()


def test_a_cache_others_can_write_is_refused_in_one_line(cache_home):
    folder = demo_cache_dir()
    folder.chmod(0o777)
    with pytest.raises(RlGaitError) as err:
        demo_cache_dir()
    assert "\n" not in str(err.value) and "not private" in str(err.value) and "chmod 700" in str(err.value)


def test_cached_demonstrations_are_verified_and_an_altered_entry_is_made_again(cache_home):
    env = WalkEnvConfig(episode_duration_s=2.0)
    path = make_demonstrations_file(env, n_samples=N, seed=0)
    digest = path.with_name(path.name + DIGEST_SUFFIX)
    assert path.parent == cache_home / "rl_gait" / "demos" and digest.is_file()
    original = path.read_bytes()
    assert make_demonstrations_file(env, n_samples=N, seed=0) == path  # a hit: same file
    path.write_bytes(original[:-10] + b"\0" * 10)  # altered in place
    again = make_demonstrations_file(env, n_samples=N, seed=0)
    assert again == path and path.read_bytes() == original, "the altered entry was made again, not used"
    digest.unlink()  # an entry without its digest is not trusted either
    assert make_demonstrations_file(env, n_samples=N, seed=0).read_bytes() == original


def test_the_learner_refuses_demonstrations_whose_bytes_changed(cache_home, monkeypatch):
    from rl_gait.io.jsonio import sha256_file

    path = make_demonstrations_file(WalkEnvConfig(episode_duration_s=2.0), n_samples=N, seed=0)
    good = sha256_file(path)
    assert load_demonstration_arrays(path, good)["obs"].shape[0] == N
    with open(path, "ab") as f:
        f.write(b"appended")
    monkeypatch.setattr(np, "load", lambda *a, **k: pytest.fail("np.load before the digest check"))
    with pytest.raises(InputFormatError) as err:
        load_demonstration_arrays(path, good)
    assert "\n" not in str(err.value) and "sha256 differs" in str(err.value)


def test_build_config_records_the_digest_the_learner_checks(cache_home):
    from rl_gait.io.jsonio import sha256_file
    from rl_gait.learner.config import build_config

    demos = make_demonstrations_file(WalkEnvConfig(episode_duration_s=2.0), n_samples=N, seed=0)
    config = build_config(mode="hybrid", env=WalkEnvConfig(episode_duration_s=2.0), demos=demos, seed=0)
    assert config.imitation_demos == str(demos) and config.imitation_demos_sha256 == sha256_file(demos)
