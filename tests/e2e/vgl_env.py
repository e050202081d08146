# SPDX-License-Identifier: MIT
"""Shared helpers for the end-to-end tests: where the build is, and running a piece of a test
in a private mount namespace with its own /tmp/.virgl_test, so the hard-coded socket of Mesa's
vtest client never collides with another server on the machine."""
import ctypes
import os
import signal
import subprocess
import tempfile
import time
import traceback

CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000

BUILD_DIR = os.environ.get("VGL_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
BUILD_DIR = os.path.abspath(BUILD_DIR)
SERVER = os.path.join(BUILD_DIR, "capture/virgl-vtest-server")
CAPTURE = os.path.join(BUILD_DIR, "capture/virgl-capture")
REPLAY = os.path.join(BUILD_DIR, "replay/virgl-replay")
GUEST = os.path.join(BUILD_DIR, "tests/guest/vgl-guest-clear")
TRACE_TOOL = os.path.join(BUILD_DIR, "tools/virgl-trace")
SOCKET = "/tmp/.virgl_test"


def work_dir(name):
    """A fresh directory in the build directory."""
    base = os.path.join(BUILD_DIR, "e2e-work")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + "-", dir=base)


def _mount(source, target, fstype, flags, data=None):
    libc = ctypes.CDLL(None, use_errno=True)
    enc = (lambda v: None if v is None else v.encode())
    if libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        raise OSError(ctypes.get_errno(), "mount %s on %s" % (source, target))


def enter_private_tmp():
    """Moves this process into a new mount namespace whose /tmp is a fresh tmpfs that shows every
    entry of the machine's /tmp again (bind mounts of the same names; links copied), except
    Mesa's socket .virgl_test. A checkout, a build or a program's files under /tmp stay where
    they were; only the socket, and what is made at the top of /tmp, is private."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS) != 0:
        raise PermissionError("unshare(CLONE_NEWNS): errno %d" % ctypes.get_errno())
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    old = os.open("/tmp", os.O_PATH | os.O_DIRECTORY)
    try:
        _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        hidden = "/proc/self/fd/%d" % old
        for name in os.listdir(hidden):
            if name == os.path.basename(SOCKET):
                continue
            source, target = os.path.join(hidden, name), os.path.join("/tmp", name)
            try:
                if os.path.islink(source):
                    os.symlink(os.readlink(source), target)
                    continue
                if os.path.isdir(source):
                    os.mkdir(target)
                else:
                    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                _mount(source, target, None, MS_BIND | MS_REC)
            except FileNotFoundError:  # removed meanwhile by someone else
                if os.path.lexists(target):
                    (os.rmdir if os.path.isdir(target) else os.unlink)(target)
    finally:
        os.close(old)


def run_in_private_tmp(fn, *args):
    """Run fn(*args) in a forked child inside a private /tmp (enter_private_tmp).
    Returns fn's return value (which must be repr/eval-able) or raises its exception text."""
    result_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(result_fd)
        code = 0
        try:
            enter_private_tmp()
            out = repr(("ok", fn(*args)))
        except BaseException:  # report anything to the parent
            out = repr(("error", traceback.format_exc()))
            code = 1
        os.write(write_fd, out.encode())
        os.close(write_fd)
        os._exit(code)
    os.close(write_fd)
    chunks = []
    while True:
        data = os.read(result_fd, 65536)
        if not data:
            break
        chunks.append(data)
    os.close(result_fd)
    os.waitpid(pid, 0)
    kind, value = eval(b"".join(chunks).decode() or "('error', 'child died')")
    if kind != "ok":
        raise AssertionError("in private namespace:\n" + value)
    return value


def start_server(log_path, capture=None, extra=(), exe=SERVER):
    args = [exe, "-v"]
    if capture:
        args += ["--capture", capture]
    args += list(extra)
    log = open(log_path, "wb")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(SOCKET):
            return proc
        if proc.poll() is not None:
            raise AssertionError("server exited with %d: %s" % (proc.returncode, open(log_path).read()))
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("server socket never appeared")


def stop_server(proc, sig=signal.SIGTERM, timeout=20):
    proc.send_signal(sig)
    return proc.wait(timeout=timeout)


def guest_env():
    env = dict(os.environ)
    env["GALLIUM_DRIVER"] = "virpipe"
    env.setdefault("XDG_RUNTIME_DIR", "/tmp")
    return env


def host_has_gl():
    """True when EGL surfaceless with llvmpipe or a GPU works (the guest program natively)."""
    d = work_dir("probe")
    r = subprocess.run([GUEST], capture_output=True, timeout=60)
    return r.returncode == 0


REFERENCE_SERVER = "/usr/bin/virgl_test_server"


INTERPOSER = os.path.join(BUILD_DIR, "capture/libvgl-capture-vrend.so")


def start_reference_server(log_path, extra=(), capture=None):
    """Start upstream virglrenderer's virgl_test_server (EGL surfaceless) on SOCKET; only inside
    run_in_private_tmp, like start_server. It wants a private XDG_RUNTIME_DIR, made under /tmp.
    With `capture`, our interposer records it into that file (docs/vmm-capture.md)."""
    xdg = tempfile.mkdtemp(prefix="xdg-", dir="/tmp")
    os.chmod(xdg, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    if capture:
        env.update(LD_PRELOAD=INTERPOSER, VGL_CAPTURE_FILE=capture)
    log = open(log_path, "wb")
    proc = subprocess.Popen([REFERENCE_SERVER, "--use-egl-surfaceless", *extra], stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                            start_new_session=True)
    for _ in range(200):
        if os.path.exists(SOCKET):
            return proc
        if proc.poll() is not None:
            raise AssertionError("virgl_test_server exited with %d: %s"
                                 % (proc.returncode, open(log_path, errors="replace").read()))
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("virgl_test_server socket never appeared")


def log_tail(path, lines=30):
    """The last lines of a log file, for reports ("" when it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


TRACES_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../traces"))


def manifest():
    """traces/manifest.yml as {file: {frame: (w, h, format, crc32 hex)}}. The manifest uses a
    subset of YAML: '- file: X' starts a trace, 'N: {size: WxH, format: F, crc32: H}' a frame."""
    import re

    traces, current = {}, None
    for line in open(os.path.join(TRACES_DIR, "manifest.yml")):
        m = re.match(r"\s*- file: (\S+)", line)
        if m:
            current = traces.setdefault(m[1], {})
            continue
        m = re.match(r"\s*(\d+): \{size: (\d+)x(\d+), format: (\d+), crc32: ([0-9a-f]{8})\}", line)
        if m and current is not None:
            current[int(m[1])] = (int(m[2]), int(m[3]), int(m[4]), m[5])
    return traces
