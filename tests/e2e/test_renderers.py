# SPDX-License-Identifier: MIT
"""The same traces on two renderers: ours (vgl) and upstream virglrenderer loaded at run time.
Every bundled trace replays on both; frames that differ must be listed with a reason in
expected/renderer-differences.txt. virgl-trace bisect points at the first divergent draw."""
import os
import re
import subprocess

import pytest

import piglit_harness as H
import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

TRACES = os.path.join(os.path.dirname(__file__), "../../traces")
MUTATE = os.path.join(E.BUILD_DIR, "tools/vgl-trace-mutate")


needs_vrend = pytest.mark.skipif(not H.virglrenderer_available(),
                                 reason="libvirglrenderer1 (upstream renderer) not installed")


def checksums(trace, renderer, work):
    path = os.path.join(work, "%s-%s.txt" % (os.path.basename(trace), renderer))
    r = subprocess.run([E.REPLAY, "--renderer", renderer, "--checksums", path, trace],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode in (0, 1), (renderer, r.returncode, r.stderr[-2000:])
    assert "Segmentation" not in r.stderr
    sums = {}
    for line in open(path):
        fields = line.split()
        if fields and fields[0].isdigit():
            sums[int(fields[0])] = tuple(fields[1:])
    return sums


@needs_vrend
def test_every_bundled_trace_on_both_renderers():
    work = E.work_dir("renderers")
    expected = H.load_renderer_differences()
    table = []
    unexplained, stale = [], []
    for name in sorted(E.manifest()):
        trace = os.path.join(TRACES, name)
        ours, theirs = checksums(trace, "vgl", work), checksums(trace, "virglrenderer", work)
        assert sorted(ours) == sorted(E.manifest()[name]), name
        differ = [f for f in sorted(ours) if theirs.get(f) != ours[f]]
        table.append("%s: %d frames, %d match, %d differ" % (name, len(ours),
                                                            len(ours) - len(differ), len(differ)))
        if differ and name not in expected:
            unexplained.append("%s frames %s" % (name, differ))
        if not differ and name in expected:
            stale.append(name)
    print("\n".join(table))
    assert not unexplained, "not in expected/renderer-differences.txt: %s" % unexplained
    assert not stale, "listed as different but now equal (remove them): %s" % stale


@needs_vrend
def test_same_checks_on_virglrenderer():
    """Snapshots, --compare, --benchmark and --profile work the same on virglrenderer."""
    work = E.work_dir("vrend-checks")
    trace = os.path.join(TRACES, "clear-blit.vgz")
    snap = os.path.join(work, "snap")
    r = subprocess.run([E.REPLAY, "--renderer", "virglrenderer", "-s", snap, trace],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(os.listdir(snap)) == 7
    # compare virglrenderer's images with ours: exact
    r = subprocess.run([E.REPLAY, "--compare", snap, trace], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0 and "7 match" in r.stdout, r.stdout + r.stderr
    r = subprocess.run([E.REPLAY, "--renderer", "virglrenderer", "--benchmark", "--loop", "3",
                        trace], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and re.search(r"benchmark: 21 frames", r.stdout), r.stdout
    prof = os.path.join(work, "p.json")
    r = subprocess.run([E.REPLAY, "--renderer", "virglrenderer", "--profile", prof, trace],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and os.path.getsize(prof) > 100, r.stdout + r.stderr


def test_missing_renderer_is_untestable():
    r = subprocess.run([E.REPLAY, "--renderer", "virglrenderer", "--renderer-lib",
                        "/nonexistent/libvirglrenderer.so.1",
                        os.path.join(TRACES, "clear-blit.vgz")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 125
    assert "cannot load /nonexistent/libvirglrenderer.so.1" in r.stderr
    r = subprocess.run([E.REPLAY, "--renderer", "nope", os.path.join(TRACES, "clear-blit.vgz")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown renderer 'nope'" in r.stderr
    r = subprocess.run([E.TRACE_TOOL, "bisect", "--renderers",
                        "vgl,/nonexistent/libvirglrenderer.so.1",
                        os.path.join(TRACES, "clear-blit.vgz")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 125, r.stdout + r.stderr


@needs_vrend
def test_bisect_names_the_first_divergent_draw():
    work = E.work_dir("bisect")
    out = os.path.join(work, "img")
    r = subprocess.run([E.TRACE_TOOL, "bisect", os.path.join(TRACES, "draw.vgz"), "-o", out],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    # virglrenderer cannot create the X8Z24 depth buffer: the first CLEAR using it diverges
    assert "frame 0: crc32 fb5ee38e on vgl, 00000000 on virglrenderer" in r.stdout, r.stdout
    assert re.search(r"first divergent draw: 5 \(draw 5 of frame 0\), in call 14, command \d+ "
                     r"\(dump: 14\.\d+\)", r.stdout), r.stdout
    assert re.search(r"^  CLEAR buffers=0x5", r.stdout, re.M), r.stdout
    assert "format=X8Z24_UNORM" in r.stdout
    assert os.path.exists(os.path.join(out, "after-vgl-target0.png"))
    assert os.path.exists(os.path.join(out, "after-virglrenderer-target0.png"))


@needs_vrend
def test_bisect_agreeing_renderers():
    r = subprocess.run([E.TRACE_TOOL, "bisect", os.path.join(TRACES, "clear-blit.vgz")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all 7 agree between vgl and virglrenderer" in r.stdout


def dword_offset(trace, call, command):
    r = subprocess.run([E.TRACE_TOOL, "dump", "--json", trace], capture_output=True, text=True,
                       timeout=120)
    for line in r.stdout.splitlines():
        if '"call":%d,"cmd":%d,' % (call, command) in line:
            return int(re.search(r'"dword_offset":(\d+)', line)[1])
    raise AssertionError("no command %d.%d" % (call, command))


def test_bisect_finds_the_one_patched_draw():
    """A copy of draw.vgz whose frame 2 binds the opaque blend state (handle 8) instead of the
    alpha blend (11) for its second quad: bisect names exactly that draw, and shows both."""
    work = E.work_dir("bisect-patch")
    trace = os.path.join(TRACES, "draw.vgz")
    patched = os.path.join(work, "patched.vgz")
    # dump numbers call 25's commands: 8 is BIND_OBJECT BLEND handle=11, 12 the draw it affects
    off = dword_offset(trace, 25, 8)
    r = subprocess.run([MUTATE, trace, patched, "25", str(off + 1), "8"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    out = os.path.join(work, "img")
    r = subprocess.run([E.TRACE_TOOL, "bisect", trace, "--against", patched, "-o", out],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"^frame 2: crc32 0112a84a on a, [0-9a-f]{8} on b; draws 11\.\.13$",
                     r.stdout, re.M), r.stdout
    assert "first divergent draw: 13 (draw 2 of frame 2), in call 25, command 12 (dump: 25.12)" \
        in r.stdout, r.stdout
    original, copy = r.stdout.split("in %s (b):" % patched)
    assert "BIND_OBJECT BLEND handle=11" in original and "rt0.blend_enable=1" in original
    assert "BIND_OBJECT BLEND handle=8" in copy and "rt0.blend_enable=0" in copy
    for name in ("before-a", "before-b", "after-a", "after-b"):
        assert os.path.exists(os.path.join(out, name + "-target0.png")), name
    # before the draw both agree; after it they differ
    before = [open(os.path.join(out, "before-%s-target0.png" % s), "rb").read() for s in "ab"]
    after = [open(os.path.join(out, "after-%s-target0.png" % s), "rb").read() for s in "ab"]
    assert before[0] == before[1] and after[0] != after[1]
    # the same file against itself: no difference
    r = subprocess.run([E.TRACE_TOOL, "bisect", trace, "--against", trace], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and "all 8 agree" in r.stdout, r.stdout + r.stderr
