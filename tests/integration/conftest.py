"""Fixtures: a `tern serve` per test module on ephemeral loopback ports.

`make_server(sections=..., roles=...)` builds more servers with other settings; every server
started through it is stopped at teardown by PID (SIGTERM, then SIGKILL).
"""
from __future__ import annotations

import pytest

import ternlib
from ternlib import TernServer


@pytest.fixture(scope="session")
def tern_bin():
    try:
        return ternlib.tern_binary()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)


def _factory(tmp_path_factory, tern_bin, request):
    return ternlib.server_factory(TernServer, tmp_path_factory, request)


@pytest.fixture(scope="module")
def make_module_server(tmp_path_factory, tern_bin, request):
    return _factory(tmp_path_factory, tern_bin, request)


@pytest.fixture()
def make_server(tmp_path_factory, tern_bin, request):
    return _factory(tmp_path_factory, tern_bin, request)


@pytest.fixture(scope="module")
def server(make_module_server) -> TernServer:
    """Default config (port 0 everywhere), users bob and alice, running."""
    return make_module_server()


@pytest.fixture()
def user(server) -> tuple[str, str]:
    """A fresh account on the module's server: (address, password)."""
    return server.new_user()
