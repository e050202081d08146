# SPDX-License-Identifier: MIT
"""Capture on the VMM side: libvgl-capture-vrend.so preloaded into upstream's virgl_test_server
(Debian's virgl-server, a real client of libvirglrenderer's ABI, as QEMU is) through
`virgl-capture --vmm`. Mesa guests render through it; the traces replay on upstream
virglrenderer and on ours with the checksums the guests computed over their own read-backs."""
import glob
import json
import os
import re
import signal
import subprocess
import time

import pytest

import piglit_harness as H
import vgl_env as E

PIGLIT_BIN = "/usr/lib/x86_64-linux-gnu/piglit/bin"
INTERPOSER = os.path.join(E.BUILD_DIR, "capture/libvgl-capture-vrend.so")
GUEST_DRAW = os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-draw")
GUEST_GL33 = os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-gl33")

pytestmark = [
    pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host"),
    pytest.mark.skipif(not os.access(E.REFERENCE_SERVER, os.X_OK),
                       reason="virgl_test_server (Debian's virgl-server) not installed"),
    pytest.mark.skipif(not H.virglrenderer_available(),
                       reason="libvirglrenderer1 (upstream renderer) not installed"),
]

READBACK = re.compile(r"^(?:readback|frame) (\d+)(?: \d+x\d+)? crc32=([0-9a-f]{8})", re.M)
REPLAYED = re.compile(r"^frame (\d+): \d+x\d+ format \d+ crc32 ([0-9a-f]{8}) (ok|MISMATCH)$", re.M)


def start_vmm(work, trace, extra=()):
    """virgl-capture --vmm running virgl_test_server; only inside run_in_private_tmp."""
    xdg = os.path.join("/tmp", "xdg-vmm")
    os.makedirs(xdg, exist_ok=True)
    os.chmod(xdg, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    env.pop("GALLIUM_DRIVER", None)
    log = open(os.path.join(work, "vmm.log"), "wb")
    proc = subprocess.Popen([E.CAPTURE, "--vmm", "-o", trace, "--", E.REFERENCE_SERVER,
                             "--use-egl-surfaceless", *extra], stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    for _ in range(200):
        if os.path.exists(E.SOCKET):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("the server never listened:\n" + E.log_tail(log.name))


def run_guest(argv, env_extra=None, timeout=180):
    env = E.guest_env()
    env.update(env_extra or {})
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)


def session(work, trace, argv, env_extra=None):
    """One guest through a --vmm capture of a one-client server; returns its result."""
    def body():
        vmm = start_vmm(work, trace, ["--no-loop-or-fork"])
        g = run_guest(argv, env_extra)
        rc = vmm.wait(timeout=60)
        return g.returncode, g.stdout, g.stderr, rc
    return E.run_in_private_tmp(body)


def replay(trace, renderer, *args):
    r = subprocess.run([E.REPLAY, "--renderer", renderer, "-v", *args, trace],
                       capture_output=True, text=True, timeout=300)
    assert "Segmentation" not in r.stderr and r.returncode in (0, 1, 2), r.stderr[-3000:]
    return r


def frames_of(r):
    return [(int(i), crc, state) for i, crc, state in REPLAYED.findall(r.stdout)]


def records(trace, kind):
    r = subprocess.run([E.TRACE_TOOL, "dump", trace], capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 2), r.stderr
    return [line for line in r.stdout.splitlines() if re.search(r"\b%s\b" % kind, line)]


@pytest.mark.parametrize("guest", ["clear", "draw"])
def test_guest_replays_on_both_renderers_with_its_checksums(guest):
    work = E.work_dir("vmm-" + guest)
    trace = os.path.join(work, "vm.vgz")
    argv = [E.GUEST] if guest == "clear" else [GUEST_DRAW, "--frames", "6"]
    grc, out, err, vrc = session(work, trace, argv)
    assert grc == 0, out + err + E.log_tail(os.path.join(work, "vmm.log"))
    assert vrc == 0, E.log_tail(os.path.join(work, "vmm.log"))
    guest = [(int(i), crc) for i, crc in READBACK.findall(out)]
    assert len(guest) >= 4, out
    info = subprocess.run([E.TRACE_TOOL, "info", trace], capture_output=True, text=True)
    assert "tool: virgl-capture-vrend" in info.stdout and "end: clean" in info.stdout, info.stdout
    for renderer in ("virglrenderer", "vgl"):
        r = replay(trace, renderer)
        assert r.returncode == 0, (renderer, r.stdout + r.stderr)
        assert [(i, c) for i, c, _ in frames_of(r)] == guest, (renderer, r.stdout)
        assert "status(es) differ" not in r.stderr, (renderer, r.stderr)


def test_gl43_guest_replays_on_upstream():
    """The guest sees the reference's GL 4.3: its trace replays on upstream exactly; on ours it
    runs (ours serves GL 2.1 to 3.3 guests, so frames that need more may differ)."""
    work = E.work_dir("vmm-gl43")
    trace = os.path.join(work, "vm.vgz")
    grc, out, err, _ = session(work, trace, [GUEST_GL33])
    assert grc == 0, out + err
    assert re.search(r"GL_VERSION: 4\.[3-9]", err), err
    # every read-back of a render target is a frame; the transform-feedback case reads a buffer
    guest = [(n, c) for n, c in re.findall(r"^(\S+) crc32=([0-9a-f]{8})$", out, re.M)
             if "transform-feedback" not in n]
    assert len(guest) >= 6, out
    r = replay(trace, "virglrenderer")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [c for _, c, _ in frames_of(r)] == [c for _, c in guest], r.stdout
    r = replay(trace, "vgl")
    assert len(frames_of(r)) == len(guest), r.stdout + r.stderr


PIGLIT = [
    # (test, ours too): GL 3.x-level tests replay on both, the GL 4.3 one on upstream
    ("fbo-generatemipmap", True),
    ("arb_compute_shader-render-and-compute", False),
    ("arb_shader_storage_buffer_object-rendering", False),
]


@pytest.mark.skipif(not os.path.isdir(PIGLIT_BIN), reason="piglit not installed")
@pytest.mark.parametrize("test,ours", PIGLIT)
def test_piglit_through_interposer(test, ours):
    work = E.work_dir("vmm-piglit")
    trace = os.path.join(work, "vm.vgz")
    grc, out, err, _ = session(work, trace, [os.path.join(PIGLIT_BIN, test), "-auto", "-fbo"],
                               {"PIGLIT_PLATFORM": "surfaceless_egl"})
    assert '"result": "pass"' in out, out + err
    for renderer in ("virglrenderer", "vgl") if ours else ("virglrenderer",):
        r = replay(trace, renderer)
        frames = frames_of(r)
        assert frames and all(s == "ok" for _, _, s in frames), (renderer, r.stdout + r.stderr)
        assert r.returncode == 0, (renderer, r.stdout + r.stderr)


def test_forking_server_writes_one_trace_per_process():
    """virgl_test_server forks a child per client: each child writes its own trace (the first
    under the given name, the next with its pid), never two writers on one file."""
    work = E.work_dir("vmm-fork")
    trace = os.path.join(work, "vm.vgz")

    def body():
        vmm = start_vmm(work, trace)
        a = run_guest([E.GUEST])
        b = run_guest([GUEST_DRAW, "--frames", "3"])
        time.sleep(0.5)
        vmm.send_signal(signal.SIGTERM)
        vmm.wait(timeout=60)
        return a.returncode, b.returncode
    assert E.run_in_private_tmp(body) == (0, 0)
    others = glob.glob(os.path.join(work, "vm.[0-9]*.vgz"))
    assert os.path.exists(trace) and len(others) == 1, os.listdir(work)
    names = set()
    for path in [trace] + others:
        created = records(path, "CONTEXT_CREATE")
        assert len(created) == 1, (path, created)
        names.add(re.search(r'name="([^"]*)"', created[0])[1])
        assert records(path, "END"), path
        r = replay(path, "virglrenderer")
        assert r.returncode == 0 and frames_of(r), r.stdout + r.stderr
    assert names == {"vgl-guest-clear", "vgl-guest-draw"}
    log = open(os.path.join(work, "vmm.log")).read()
    assert "virgl-capture: trace %s" % trace in log and len(re.findall("trace .*vgz", log)) == 2


def child_of(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def test_killed_server_leaves_a_trace_that_replays():
    """SIGKILL the rendering process mid-session: every whole chunk (each frame ends one) is
    in the file, and the replay matches every frame it holds."""
    work = E.work_dir("vmm-kill")
    trace = os.path.join(work, "vm.vgz")

    def body():
        vmm = start_vmm(work, trace)
        guest = subprocess.Popen([GUEST_DRAW, "--loop", "30"], env=E.guest_env(),
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = []
        while len(lines) < 40:
            line = guest.stdout.readline()
            assert line, "guest ended early"
            lines.append(line)
        server = child_of(vmm.pid)
        assert len(server) == 1
        renderer = child_of(server[0])
        assert len(renderer) == 1, "virgl_test_server forked no client process"
        os.kill(renderer[0], signal.SIGKILL)
        guest.wait(timeout=60)
        vmm.send_signal(signal.SIGTERM)
        vmm.wait(timeout=60)
        return len(lines)
    drawn = E.run_in_private_tmp(body)
    assert drawn >= 40
    r = replay(trace, "virglrenderer")
    frames = frames_of(r)
    assert len(frames) >= drawn - 1, r.stdout + r.stderr
    assert all(s == "ok" for _, _, s in frames), r.stdout
    assert r.returncode in (0, 2), r.stderr
    assert "no END record" in r.stderr or r.returncode == 2, r.stderr


@pytest.mark.parametrize("mode", ["--no-readback", "--no-flush"])
def test_program_that_never_reads_back_has_frames_and_paces(mode):
    """Frames without read-backs (FRAME_MARK: each colour clear of the frame target starts
    one); --pace 60 starts no two of them less than 1/60 s apart, also when many frames share
    one submit (--no-flush: the replay splits it), and info shows the captured frame rate."""
    work = E.work_dir("vmm-noreadback")
    trace = os.path.join(work, "vm.vgz")
    grc, out, err, _ = session(work, trace, [GUEST_DRAW, "--frames", "12", mode])
    assert grc == 0 and out.count(" drawn") == 12, out + err
    marks = records(trace, "FRAME_MARK")
    assert len(marks) == 12 and all("source=clear" in m for m in marks), marks
    assert not records(trace, "FRAME")
    submits = len(records(trace, "SUBMIT"))
    assert submits < 12 if mode == "--no-flush" else submits >= 12
    info = subprocess.run([E.TRACE_TOOL, "info", trace], capture_output=True, text=True)
    assert re.search(r"frames: 12\b", info.stdout), info.stdout
    assert re.search(r"frame timing: [\d.]+ frames/s", info.stdout), info.stdout
    assert re.search(r"p50 [\d.]+ p90 [\d.]+ p99 [\d.]+ max [\d.]+", info.stdout), info.stdout
    log = os.path.join(work, "frames.jsonl")
    for renderer in ("virglrenderer", "vgl"):
        r = subprocess.run([E.REPLAY, "--renderer", renderer, "--pace", "60", "--frame-log", log,
                            trace], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        starts = [json.loads(line)["start_ms"] for line in open(log)]
        assert len(starts) == 12
        gaps = [b - a for a, b in zip(starts, starts[1:])]
        assert min(gaps) >= 1000.0 / 60 - 0.01, (renderer, gaps)


def test_without_capture_file_nothing_is_recorded():
    """Preloaded with VGL_CAPTURE_FILE unset, the interposer only forwards."""
    work = E.work_dir("vmm-off")

    def body():
        xdg = "/tmp/xdg-off"
        os.makedirs(xdg, exist_ok=True)
        os.chmod(xdg, 0o700)
        env = dict(os.environ, XDG_RUNTIME_DIR=xdg, LD_PRELOAD=INTERPOSER)
        env.pop("VGL_CAPTURE_FILE", None)
        env.pop("GALLIUM_DRIVER", None)
        server = subprocess.Popen([E.REFERENCE_SERVER, "--use-egl-surfaceless",
                                   "--no-loop-or-fork"], cwd=work, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(E.SOCKET):
                break
            time.sleep(0.05)
        g = run_guest([E.GUEST])
        return g.returncode, server.wait(timeout=60)
    assert E.run_in_private_tmp(body) == (0, 0)
    assert os.listdir(work) == []


COPY_READ_TRACE = os.path.join(E.BUILD_DIR, "tools/vgl-copy-read-trace")


def test_read_backs_inside_submits_are_checked_on_both_renderers():
    """On QEMU the guest uploads and reads back with COPY_TRANSFER3D through a staging buffer
    (its caps offer both directions; virgl_test_server hides the read-back one). A trace of that
    replays on both renderers, and the frame's checksum is found in the staging backing."""
    work = E.work_dir("vmm-copy-read")
    trace = os.path.join(work, "copy.vgz")
    subprocess.run([COPY_READ_TRACE, trace], check=True, timeout=60)
    for renderer in ("virglrenderer", "vgl"):
        r = replay(trace, renderer)
        assert r.returncode == 0, (renderer, r.stdout + r.stderr)
        assert [s for _, _, s in frames_of(r)] == ["ok"], (renderer, r.stdout)
    dump = subprocess.run([E.TRACE_TOOL, "dump", trace], capture_output=True, text=True)
    assert dump.stdout.count("COPY_TRANSFER3D") == 2 and "flags=0x3" in dump.stdout, dump.stdout
