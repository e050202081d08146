# SPDX-License-Identifier: MIT
"""The vtest server with several real guests at once and hostile clients beside them."""
import os
import random
import socket
import struct
import subprocess

import pytest

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")


def garbage_client(payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(E.SOCKET)
    try:
        s.sendall(payload)
        s.settimeout(10)
        # the server must close the connection (EOF) after dropping us
        while s.recv(4096):
            pass
        return True
    except OSError:
        return True
    finally:
        s.close()


def hostile_session(work):
    log = os.path.join(work, "server.log")
    server = E.start_server(log)
    guests = [subprocess.Popen([E.GUEST], env=E.guest_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True) for _ in range(3)]
    rng = random.Random(1234)
    hostile = [
        bytes(rng.getrandbits(8) for _ in range(4096)),            # random bytes
        struct.pack("<II", 0, 9),                                  # GET_CAPS2 before CREATE_RENDERER
        struct.pack("<II", 4, 8) + b"bad\0" + struct.pack("<II", 0x7fffffff, 6),  # huge submit
        struct.pack("<II", 4, 8) + b"bad\0" + struct.pack("<II", 0, 99),          # unknown command
        struct.pack("<II", 4, 8) + b"bad\0" + struct.pack("<II", 1, 11) + struct.pack("<I", 0),
    ]
    dropped = [garbage_client(p) for p in hostile]
    results = []
    for g in guests:
        _out, err = g.communicate(timeout=120)
        results.append((g.returncode, err[-2000:]))
    # the server still serves a new guest after all that
    after = subprocess.run([E.GUEST], env=E.guest_env(), capture_output=True, text=True,
                           timeout=120)
    alive = server.poll() is None
    rc = E.stop_server(server)
    return results, dropped, after.returncode, alive, rc, open(log).read()


def test_many_guests_and_hostile_clients():
    work = E.work_dir("hostile")
    results, dropped, after_rc, alive, rc, log = E.run_in_private_tmp(hostile_session, work)
    for code, err in results:
        assert code == 0, err
    assert all(dropped)
    assert after_rc == 0
    assert alive and rc == 0, log
    # each hostile client was dropped with a reason naming it, and contexts were separate
    assert log.count("dropped") >= 4, log
    assert log.count("context") >= 4
