# SPDX-License-Identifier: MIT
"""A checkout, a build and a program's files under /tmp work: the private namespaces that give
each server its own /tmp/.virgl_test show the rest of the machine's /tmp unchanged. The server,
the guest and a program run from a directory under the machine's /tmp, read their files there,
and what they write there is on the machine's /tmp afterwards; the machine's own
/tmp/.virgl_test is never made or touched."""
import os
import shutil
import subprocess
import tempfile

import pytest

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")


@pytest.fixture
def tmp_checkout():
    """A directory under the machine's /tmp holding copies of the server and the guest, as a
    build in a checkout under /tmp would; removed afterwards."""
    d = tempfile.mkdtemp(prefix="vgl-tmp-checkout-", dir="/tmp")
    for exe in (E.SERVER, E.GUEST):
        shutil.copy2(exe, d)
    yield d
    shutil.rmtree(d)


def socket_state():
    try:
        return os.lstat(E.SOCKET).st_ino
    except FileNotFoundError:
        return None


def session_from(d):
    """Inside the private /tmp: the copied server, capturing into d, and the copied guest."""
    assert os.path.isfile(os.path.join(d, "vgl-guest-clear")), "the checkout under /tmp is hidden"
    server = E.start_server(os.path.join(d, "server.log"), capture=os.path.join(d, "session.vgz"),
                            exe=os.path.join(d, "virgl-vtest-server"))
    guest = subprocess.run([os.path.join(d, "vgl-guest-clear")], env=E.guest_env(),
                           capture_output=True, text=True, timeout=120)
    return guest.returncode, guest.stderr, E.stop_server(server)


def test_server_and_guest_run_from_a_checkout_under_tmp(tmp_checkout):
    before = socket_state()
    grc, err, src = E.run_in_private_tmp(session_from, tmp_checkout)
    assert grc == 0, err
    assert "virgl" in err  # the guest's GL_RENDERER: it went through our server
    assert src == 0, E.log_tail(os.path.join(tmp_checkout, "server.log"))
    # the trace was written to the machine's /tmp, and replays there
    trace = os.path.join(tmp_checkout, "session.vgz")
    r = subprocess.run([E.REPLAY, trace], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert socket_state() == before


def test_virgl_capture_program_keeps_its_files_under_tmp(tmp_checkout):
    """virgl-capture's program namespace: a script under /tmp reads its data file beside it and
    writes a result there; files it makes at the top of /tmp stay private."""
    d = tmp_checkout
    with open(os.path.join(d, "input.txt"), "w") as f:
        f.write("data beside the program\n")
    top = "/tmp/vgl-private-%d" % os.getpid()
    script = os.path.join(d, "program.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nset -e\ncd "$(dirname "$0")"\ncp input.txt output.txt\n'
                'touch %s\n'
                'exec ./vgl-guest-clear\n' % top)
    os.chmod(script, 0o755)
    before = socket_state()
    trace = os.path.join(d, "capture.vgz")
    r = subprocess.run([E.CAPTURE, "-o", trace, "--", script], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert open(os.path.join(d, "output.txt")).read() == "data beside the program\n"
    assert not os.path.exists(top), "a file at the top of the private /tmp reached the machine"
    assert os.path.getsize(trace) > 0
    r = subprocess.run([E.REPLAY, trace], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert socket_state() == before
