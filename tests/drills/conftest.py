from __future__ import annotations

import shutil

import pytest

from .common import environment, setup_demo


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """A migrated database with the demo organisation, built once; each drill works on a copy."""
    root = tmp_path_factory.mktemp("drill-template")
    env = environment(root)
    setup_demo(env)
    return root / "db.sqlite3"


@pytest.fixture
def site(tmp_path, demo_database):
    """env of a Biträde of its own: a copy of the demo database, its own var/ and checkpoint file."""
    root = tmp_path / "site"
    env = environment(root)
    shutil.copyfile(demo_database, root / "db.sqlite3")
    return env
