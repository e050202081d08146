# SPDX-License-Identifier: MIT
"""Kill-safe capture: a real guest session (Mesa's virgl driver running vgl-guest-draw) through
a capturing server that is killed with SIGKILL at 50 seeded random moments spread over the whole
session, start-up included; and a capture whose disk fills up. Every trace must open, replay up
to its last whole chunk with a warning, and hold exactly the frames of an uninterrupted capture,
at least as many as the guest had already read back."""
import os
import random
import re
import signal
import struct
import subprocess
import time

import pytest

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

DRAW = os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-draw")
FRAMES = 30
KILLS = 50
SEED = 20261125
GUEST_FRAME = re.compile(r"^frame (\d+) crc32=([0-9a-f]{8})", re.M)
REPLAY_FRAME = re.compile(r"^frame (\d+): \d+x\d+ format \d+ crc32 ([0-9a-f]{8}) ok$", re.M)
STOPPED_AT = re.compile(r"warning: replay stopped early at byte (\d+): (.*)$", re.M)
HEADER = 24
CHUNK_HEADER = 28


def guest_frames(text):
    return [c for _i, c in GUEST_FRAME.findall(text)]


def chunk_layout(data):
    """(offset where the last whole chunk ends, number of whole chunks, True when the file ends
    exactly there). Only the framing is parsed: the sizes the writer put in chunk headers."""
    pos, chunks = HEADER, 0
    while pos + CHUNK_HEADER <= len(data):
        size = struct.unpack_from("<I", data, pos + 8)[0]
        if pos + CHUNK_HEADER + size > len(data):
            break
        pos += CHUNK_HEADER + size
        chunks += 1
    return pos, chunks, pos == len(data)


def remove_socket():
    try:
        os.unlink(E.SOCKET)
    except FileNotFoundError:
        pass


def reference_session(work):
    """An uninterrupted capture; returns the guest's frames and the session's length in s."""
    trace = os.path.join(work, "reference.vgz")
    t0 = time.monotonic()
    server = subprocess.Popen([E.SERVER, "--capture", trace], stdin=subprocess.DEVNULL)
    while not os.path.exists(E.SOCKET):
        assert server.poll() is None
        time.sleep(0.0005)
    guest = subprocess.run([DRAW, "--frames", str(FRAMES)], env=E.guest_env(),
                           capture_output=True, text=True, timeout=120)
    length = time.monotonic() - t0
    assert E.stop_server(server) == 0
    assert guest.returncode == 0, guest.stderr
    return guest_frames(guest.stdout), length


def killed_session(work, index, delay):
    """Start the capturing server, start the guest as soon as the server listens and SIGKILL the
    server `delay` seconds after it was started. Returns the phase the kill hit and the frames
    the guest had read back by then."""
    trace = os.path.join(work, "kill-%02d.vgz" % index)
    log = open(os.path.join(work, "kill-%02d.log" % index), "wb")
    remove_socket()  # the last killed server's
    t0 = time.monotonic()
    deadline = t0 + delay
    server = subprocess.Popen([E.SERVER, "-v", "--capture", trace], stdout=log,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    guest = None
    while time.monotonic() < deadline and server.poll() is None:
        if guest is None and os.path.exists(E.SOCKET):
            guest = subprocess.Popen([DRAW, "--frames", str(FRAMES)], env=E.guest_env(),
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True)
        time.sleep(0.0005)
    phase = "start-up" if guest is None else "session"
    if guest is not None and guest.poll() is not None:
        phase = "after guest exit"
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=30)
    seen = []
    if guest is not None:
        try:
            out, _ = guest.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            guest.kill()
            out, _ = guest.communicate()
        seen = guest_frames(out)
    remove_socket()
    return phase, seen


def all_kills(work, delays):
    return [killed_session(work, i, d) for i, d in enumerate(delays)]


def replay_frames(trace):
    r = subprocess.run([E.REPLAY, "-v", trace], capture_output=True, text=True, timeout=120)
    return r, [c for _i, c in REPLAY_FRAME.findall(r.stdout)]


def test_sigkill_at_50_random_moments():
    work = E.work_dir("killcap")
    reference, length = E.run_in_private_tmp(reference_session, work)
    assert len(reference) == FRAMES
    r, frames = replay_frames(os.path.join(work, "reference.vgz"))
    assert r.returncode == 0 and frames == reference, r.stdout + r.stderr

    rng = random.Random(SEED)
    delays = [rng.uniform(0.0, 1.1 * length) for _ in range(KILLS)]
    outcomes = E.run_in_private_tmp(all_kills, work, delays)

    stats = {"no file": 0, "inside the header": 0, "between chunks": 0, "inside a chunk": 0}
    phases, held_total = {}, 0
    for i, (phase, seen) in enumerate(outcomes):
        phases[phase] = phases.get(phase, 0) + 1
        trace = os.path.join(work, "kill-%02d.vgz" % i)
        where = "kill %d at %.3f s (%s, guest saw %d frames)" % (i, delays[i], phase, len(seen))
        # the guest's own read-backs are the uninterrupted capture's
        assert seen == reference[:len(seen)], where
        if not os.path.exists(trace):
            # the trace is created before the server listens, so no guest can have run
            assert phase == "start-up", where
            stats["no file"] += 1
            continue
        data = open(trace, "rb").read()
        r, frames = replay_frames(trace)
        text = r.stdout + r.stderr
        if len(data) < HEADER:
            assert r.returncode == 2, where + text
            assert "inside the file header at byte 0" in r.stderr, where + text
            # the header and INFO are flushed before the server listens
            assert phase == "start-up" and not seen, where
            stats["inside the header"] += 1
            continue
        end, chunks, clean = chunk_layout(data)
        # the INFO record is flushed before the server listens, so only a kill during start-up
        # can leave a header and no chunk
        assert chunks >= 1 or phase == "start-up", where
        if clean:
            # a clean prefix: replayed whole, with a warning that the capture was interrupted
            assert r.returncode == 0, where + text
            assert "warning: the trace has no END record" in r.stderr, where + text
            stats["between chunks"] += 1
        else:
            # cut inside a chunk: everything before it is replayed, then exit 2 naming it
            assert r.returncode == 2, where + text
            m = STOPPED_AT.search(r.stderr)
            assert m and int(m[1]) == end and "file ends inside the chunk" in m[2], where + text
            stats["inside a chunk"] += 1
        # every frame it holds is the uninterrupted capture's, and none the guest saw is lost
        assert frames == reference[:len(frames)], where + text
        assert len(frames) >= len(seen), where + text
        held_total += len(frames)
    print("\nkill moments: %d over %.3f s; phases %s; traces %s; frames held %d (of %d)"
          % (KILLS, 1.1 * length, phases, stats, held_total, KILLS * FRAMES))
    assert phases.get("start-up", 0) > 0 and phases.get("session", 0) > 0, phases


def disk_full_session(work, size):
    """Capture onto a tmpfs of `size` bytes that fills up while the guest runs its self-checking
    loop; returns the guest's result, the server's exit status and log."""
    mnt = "/tmp/full"
    os.mkdir(mnt)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d" % size, "tmpfs", mnt], check=True)
    trace = os.path.join(mnt, "full.vgz")
    log_path = os.path.join(work, "disk-full.log")
    server = E.start_server(log_path, capture=trace)
    guest = subprocess.run([DRAW, "--loop", "2"], env=E.guest_env(), capture_output=True,
                           text=True, timeout=120)
    rc = E.stop_server(server)
    data = open(trace, "rb").read()
    open(os.path.join(work, "full.vgz"), "wb").write(data)
    return guest.returncode, guest.stdout, guest.stderr, rc, open(log_path).read(), len(data)


def test_disk_full_keeps_serving_and_keeps_whole_chunks():
    work = E.work_dir("diskfull")
    size = 64 * 1024
    grc, out, err, src, log, trace_size = E.run_in_private_tmp(disk_full_session, work, size)
    # the guest was served to the end and every one of its read-backs was right
    assert grc == 0, out[-2000:] + err
    seen = guest_frames(out)
    assert "all read-backs correct" in out
    # the capture said why it stopped, once, and the server says the trace is incomplete
    assert log.count("No space left on device") == 1, log
    assert "recording stopped, the guest is still served" in log, log
    assert src == 1, log
    assert trace_size <= size
    trace = os.path.join(work, "full.vgz")
    r, frames = replay_frames(trace)
    text = r.stdout + r.stderr
    data = open(trace, "rb").read()
    end, chunks, clean = chunk_layout(data)
    if clean:
        assert r.returncode == 0 and "no END record" in r.stderr, text
    else:
        assert r.returncode == 2, text
        m = STOPPED_AT.search(r.stderr)
        assert m and int(m[1]) == end and "file ends inside the chunk" in m[2], text
    # the frames recorded before the disk filled are the guest's own
    assert 0 < len(frames) < len(seen), text
    assert frames == seen[:len(frames)]
    print("\ndisk full: tmpfs %d bytes, trace %d bytes (%d whole chunks, %s), %d of %d frames held"
          % (size, trace_size, chunks, "ends between chunks" if clean else "cut inside a chunk",
             len(frames), len(seen)))
