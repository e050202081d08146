# SPDX-License-Identifier: MIT
"""A checkout, a build and a program's files under /tmp work. The tests' private namespaces
(vgl_env.run_in_private_tmp) show the machine's /tmp entries again around their own
/tmp/.virgl_test. virgl-capture's program sees the machine's real /tmp, where only
/tmp/.virgl_test is replaced by the capture's server: what it makes anywhere under /tmp is on the
machine, a server that owns /tmp/.virgl_test is not disturbed, and the placeholder virgl-capture
makes there when the path is free is gone afterwards, also when captures share it."""
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import uuid

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


PLACEHOLDER_MODE = 0o444  # capture/virgl_capture.c


def is_placeholder(st):
    """An empty file that virgl-capture made at /tmp/.virgl_test for the length of a capture."""
    return stat.S_ISREG(st.st_mode) and st.st_size == 0 and \
        stat.S_IMODE(st.st_mode) == PLACEHOLDER_MODE


def socket_state():
    """The inode at the machine's /tmp/.virgl_test; None when there is nothing or only the
    placeholder of a capture (other tests' captures may run beside these)."""
    try:
        st = os.lstat(E.SOCKET)
    except FileNotFoundError:
        return None
    return None if is_placeholder(st) else st.st_ino


def unique_tmp_path(prefix):
    return os.path.join("/tmp", prefix + uuid.uuid4().hex[:12])


def remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def run_capture(argv, trace, user=None, timeout=180):
    """virgl-capture -o trace -- argv, as the caller or (user="nobody") through setpriv."""
    cmd, env = [E.CAPTURE, "-o", trace, "--"] + argv, None
    if user == "nobody":
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
        env = dict(os.environ, TMPDIR=os.path.dirname(trace))  # for the server's socket
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


def can_run_unprivileged():
    """Whether this test can run virgl-capture as nobody with a user namespace of its own."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sh", "-c",
                        'test -x "$1" && unshare -U -m true', "sh", E.CAPTURE],
                       capture_output=True)
    return r.returncode == 0


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
    writes a result there; a file it makes at the top of /tmp is on the machine's /tmp."""
    d = tmp_checkout
    with open(os.path.join(d, "input.txt"), "w") as f:
        f.write("data beside the program\n")
    top = unique_tmp_path("vgl-top-")
    script = os.path.join(d, "program.sh")
    with open(script, "w") as f:
        f.write('#!/bin/sh\nset -e\ncd "$(dirname "$0")"\ncp input.txt output.txt\n'
                'touch %s\n'
                'exec ./vgl-guest-clear\n' % top)
    os.chmod(script, 0o755)
    before = socket_state()
    trace = os.path.join(d, "capture.vgz")
    try:
        r = subprocess.run([E.CAPTURE, "-o", trace, "--", script], capture_output=True,
                           text=True, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        assert os.path.isfile(top), "a file made at the top of /tmp did not reach the machine"
    finally:
        remove(top)
    assert open(os.path.join(d, "output.txt")).read() == "data beside the program\n"
    assert os.path.getsize(trace) > 0
    r = subprocess.run([E.REPLAY, trace], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert socket_state() == before


@pytest.mark.parametrize("user", ["caller", "nobody"])
def test_capture_program_writes_the_machines_tmp(user):
    """The program's file at the top of /tmp is in the machine's /tmp afterwards, with or without
    privileges (a user namespace then)."""
    if user == "nobody" and not can_run_unprivileged():
        pytest.skip("not root, or no unprivileged user namespaces, or the build is unreadable")
    d = tempfile.mkdtemp(prefix="vgl-capture-out-", dir="/tmp")
    os.chmod(d, 0o777)
    check = unique_tmp_path("vgl-check-")
    try:
        r = run_capture(["sh", "-c", "echo hi > %s; cat %s" % (check, check)],
                        os.path.join(d, "out.vgz"), user)
        assert r.returncode == 0, r.stdout + r.stderr
        assert r.stdout == "hi\n", r.stdout + r.stderr
        assert open(check).read() == "hi\n"
    finally:
        remove(check)
        shutil.rmtree(d)


def test_capture_program_socket_is_seen_outside():
    """A unix socket the program makes at the top of /tmp takes connections from outside."""
    d = tempfile.mkdtemp(prefix="vgl-capture-out-")
    path = unique_tmp_path("vgl-sock-")
    server = ("import socket, sys\n"
              "s = socket.socket(socket.AF_UNIX)\n"
              "s.bind(sys.argv[1]); s.listen(1); s.settimeout(60)\n"
              "c, _ = s.accept(); c.sendall(b'from inside'); c.close()\n")
    try:
        proc = subprocess.Popen([E.CAPTURE, "-o", os.path.join(d, "out.vgz"), "--",
                                 sys.executable, "-c", server, path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(path):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the program's socket never appeared outside"
            time.sleep(0.02)
        with socket.socket(socket.AF_UNIX) as c:
            c.settimeout(30)
            for _ in range(500):  # it exists from bind(); it takes connections from listen()
                try:
                    c.connect(path)
                    break
                except ConnectionRefusedError:
                    time.sleep(0.02)
            assert c.recv(64) == b"from inside"
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
    finally:
        remove(path)
        shutil.rmtree(d)


def machine_server_session(d):
    """In a private /tmp, so that no capture of another test meets it: a listening socket at
    /tmp/.virgl_test stands for a server that owns the machine's path."""
    machine = socket.socket(socket.AF_UNIX)
    machine.bind(E.SOCKET)
    machine.listen(8)
    machine.setblocking(False)
    ino = os.lstat(E.SOCKET).st_ino
    r = run_capture([E.GUEST], os.path.join(d, "out.vgz"))
    try:
        machine.accept()
        reached = True
    except BlockingIOError:
        reached = False
    st = os.lstat(E.SOCKET)
    same = stat.S_ISSOCK(st.st_mode) and st.st_ino == ino
    with socket.socket(socket.AF_UNIX) as c:
        c.connect(E.SOCKET)
        machine.setblocking(True)
        machine.settimeout(10)
        machine.accept()[0].close()  # it still takes connections
    return r.returncode, r.stdout + r.stderr, reached, same


def test_capture_beside_a_machine_server():
    """With a server's socket at /tmp/.virgl_test, the capture mounts over it in its own
    namespace only: the guest reaches the capture's server, never the other one, whose socket is
    the same inode afterwards and still takes connections."""
    d = tempfile.mkdtemp(prefix="vgl-capture-out-")
    try:
        rc, out, reached, same = E.run_in_private_tmp(machine_server_session, d)
        assert rc == 0, out
        assert "virgl" in out  # the guest's GL_RENDERER: it went through a vtest server
        assert not reached, "the capture's guest connected to the other server"
        assert same, "the other server's socket was replaced"
        r = subprocess.run([E.REPLAY, os.path.join(d, "out.vgz")], capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(d)


def no_server_session(d):
    r = run_capture(["sh", "-c", 'test -S /tmp/.virgl_test && exec "$0"', E.GUEST],
                    os.path.join(d, "out.vgz"))
    return r.returncode, r.stdout + r.stderr, os.path.lexists(E.SOCKET)


def test_capture_leaves_no_placeholder():
    """With no server's socket at /tmp/.virgl_test (in a private /tmp: captures of other tests
    share the machine's placeholder), the placeholder the capture made there is gone afterwards."""
    d = tempfile.mkdtemp(prefix="vgl-capture-out-")
    try:
        rc, out, left = E.run_in_private_tmp(no_server_session, d)
        assert rc == 0, out
        assert "virgl" in out
        assert not left, "/tmp/.virgl_test was left behind"
    finally:
        shutil.rmtree(d)


def two_captures_session(d):
    go = os.path.join(d, "go")
    late = subprocess.Popen([E.CAPTURE, "-o", os.path.join(d, "late.vgz"), "--", "sh", "-c",
                             'while [ ! -e "$0" ]; do sleep 0.02; done; exec "$1"', go, E.GUEST],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not os.path.lexists(E.SOCKET):  # the placeholder of the late capture
        assert late.poll() is None and time.monotonic() < deadline, late.communicate()
        time.sleep(0.02)
    early = run_capture([E.GUEST], os.path.join(d, "early.vgz"))
    held = os.path.lexists(E.SOCKET)
    open(go, "w").close()
    out, err = late.communicate(timeout=180)
    return (early.returncode, early.stdout + early.stderr, held, late.returncode, out + err,
            os.path.lexists(E.SOCKET))


def test_captures_at_once_share_the_placeholder():
    """Two captures at once: the one that finishes first leaves the placeholder to the other,
    whose guest connects only then; the last one removes it."""
    d = tempfile.mkdtemp(prefix="vgl-capture-out-")
    try:
        early_rc, early_out, held, late_rc, late_out, left = \
            E.run_in_private_tmp(two_captures_session, d)
        assert early_rc == 0 and "virgl" in early_out, early_out
        assert held, "the first capture removed the placeholder the other one still used"
        assert late_rc == 0 and "virgl" in late_out, late_out
        assert not left, "/tmp/.virgl_test was left behind"
    finally:
        shutil.rmtree(d)
