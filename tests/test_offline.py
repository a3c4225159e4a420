"""Tests never leave the machine: .ci/run runs them in a network namespace with the loopback interface alone
(.ci/offline), where anything beyond 127.0.0.1 fails at once. This checks the namespace does its job."""

from __future__ import annotations

import errno
import socket

import pytest

from conftest import offline


@pytest.mark.skipif(not offline(), reason="not in a loopback-only network namespace (run through .ci/offline)")
def test_nothing_beyond_loopback_is_reachable():
    with pytest.raises(OSError) as refused:
        socket.create_connection(("192.0.2.1", 80), timeout=5)  # TEST-NET-1: never routed anyway
    assert refused.value.errno == errno.ENETUNREACH
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("example.org", 80)
    with socket.create_server(("127.0.0.1", 0)) as server, socket.create_connection(server.getsockname()):
        pass  # loopback works

