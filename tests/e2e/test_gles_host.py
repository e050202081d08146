# SPDX-License-Identifier: MIT
"""Our renderer on a GLES host context (--host-api gles; llvmpipe offers GLES 3.2 here): every
bundled trace replays with its checksums, captures made on either host replay on the other with
the same frames, the guest programs get the same read-backs through a GLES server as through a
desktop one, and the caps say honestly which GL level the guest gets and why (docs/gles-host.md)."""
import os
import re
import shutil
import subprocess

import pytest

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

TRACES = os.path.join(os.path.dirname(__file__), "../../traces")
GUESTS = ["vgl-guest-clear", "vgl-guest-draw", "vgl-guest-gl33"]


def gles_available():
    r = subprocess.run([E.REPLAY, "--host-api", "gles", os.path.join(TRACES, "clear-blit.vgz")],
                       capture_output=True, text=True, timeout=120)
    return r.returncode != 125


@pytest.fixture(scope="module", autouse=True)
def need_gles():
    if not gles_available():
        pytest.skip("the host offers no GLES 3.1 context")


def frames_of(stdout):
    return re.findall(r"^frame (\d+): (\d+x\d+) format (\d+) crc32 ([0-9a-f]{8}) (\S+)$", stdout,
                      re.M)


@pytest.mark.parametrize("name", sorted(E.manifest()))
def test_bundled_trace_replays_on_gles(name):
    r = subprocess.run([E.REPLAY, "-v", "--host-api", "gles", os.path.join(TRACES, name)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    got = {int(i): crc for i, _size, _fmt, crc, verdict in frames_of(r.stdout)}
    assert got == {i: v[3] for i, v in E.manifest()[name].items()}


def test_the_corpus_passes_on_gles():
    r = subprocess.run([E.REPLAY, "--manifest", os.path.join(TRACES, "manifest.yml"), "--host-api",
                        "gles", "--jobs", "2"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 failed" in r.stdout


def guest_run(work, host_api, guest):
    """Capture a guest program through our server on host_api; (its stdout, the trace)."""
    trace = os.path.join(work, "%s-%s.vgz" % (guest, host_api))
    r = subprocess.run([E.CAPTURE, "--host-api", host_api, "-v", "-o", trace, "--",
                        os.path.join(E.BUILD_DIR, "tests/guest", guest)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout, r.stderr, trace


@pytest.mark.parametrize("guest", GUESTS)
def test_guest_reads_back_the_same_on_both_hosts(guest):
    work = E.work_dir("gles-" + guest)
    out_gl, _, trace_gl = guest_run(work, "gl", guest)
    out_gles, log, trace_gles = guest_run(work, "gles", guest)
    assert "GLES" in log, log
    readbacks = lambda text: re.findall(r"crc32=([0-9a-f]{8})", text)
    assert readbacks(out_gl) and readbacks(out_gl) == readbacks(out_gles)
    # Each capture replays on the other host with the frames it recorded.
    for trace, host in ((trace_gl, "gles"), (trace_gles, "gl")):
        r = subprocess.run([E.REPLAY, "--host-api", host, trace], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0 and " 0 mismatched" in r.stdout, r.stdout + r.stderr


def test_the_guest_gets_gl33_on_gles_and_streamout_decides_it():
    """llvmpipe's GLES 3.2 gives the guest GL 3.3, as desktop GL does: stream output is packed
    into one array a buffer there. Without it (hidden) the guest gets GL 2.1, and the log says
    why."""
    work = E.work_dir("gles-caps")
    _, log, _ = guest_run(work, "gles", "vgl-guest-clear")
    assert "caps: the guest gets GL 3.3" in log, log
    if shutil.which("wflinfo"):
        version = E.run_in_private_tmp(wflinfo_through, os.path.join(work, "server.log"))
        assert version.startswith("3.3"), version
    trace = os.path.join(work, "gl33.vgz")
    r = subprocess.run([E.CAPTURE, "--host-api", "gles", "-v", "-o", trace, "--",
                        os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-gl33")],
                       capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, VGL_HIDE_FEATURES="streamout"))
    assert r.returncode == 77, r.stdout + r.stderr
    assert "caps: the guest gets GL 2.1, not 3.0: streamout is hidden" in r.stderr, r.stderr


def wflinfo_through(server_log):
    server = E.start_server(server_log, extra=["--host-api", "gles"])
    try:
        r = subprocess.run(["wflinfo", "-p", "surfaceless_egl", "-a", "gl"], env=E.guest_env(),
                           capture_output=True, text=True, timeout=120)
    finally:
        E.stop_server(server)
    m = re.search(r"OpenGL version string: (.*)", r.stdout)
    return m[1].strip() if m else r.stdout + r.stderr


def test_bad_host_api_is_refused():
    r = subprocess.run([E.REPLAY, "--host-api", "vulkan", os.path.join(TRACES, "draw.vgz")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown host API 'vulkan'" in r.stderr
    r = subprocess.run([E.REPLAY, "--host-api", "gles", "--renderer", "virglrenderer",
                        os.path.join(TRACES, "draw.vgz")], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "--host-api applies to our renderer" in r.stderr
    env = dict(os.environ, VGL_HOST_API="metal", VGL_EXIT_UNTESTABLE="")
    r = subprocess.run([E.REPLAY, os.path.join(TRACES, "draw.vgz")], capture_output=True,
                       text=True, timeout=60, env=env)
    assert r.returncode != 0
    r = subprocess.run([E.SERVER, "--host-api", "vulkan"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "unknown host API" in r.stderr


PIGLIT_BIN = "/usr/lib/x86_64-linux-gnu/piglit/bin"


@pytest.mark.parametrize("test", ["primitive-restart", "nv_conditional_render-clear",
                                  "nv_conditional_render-bitmap", "fbo-blit"])
def test_piglit_capture_replays_on_gles(test):
    """A piglit program captured on the desktop host replays on GLES with every frame it read
    back: primitive-restart restarts at indices 255, 1000 and 1000000 (the GLES path rewrites
    those indices); the conditional-render tests condition on any-samples-passed."""
    exe = os.path.join(PIGLIT_BIN, test)
    if not os.path.exists(exe):
        pytest.skip("piglit is not installed")
    trace = os.path.join(E.work_dir("gles-piglit"), test + ".vgz")
    env = dict(os.environ, PIGLIT_PLATFORM="surfaceless_egl")
    r = subprocess.run([E.CAPTURE, "--host-api", "gl", "-o", trace, "--", exe, "-auto", "-fbo"],
                       env=env, capture_output=True, text=True, timeout=300)
    assert os.path.getsize(trace) > 0, r.stdout + r.stderr
    r = subprocess.run([E.REPLAY, "--host-api", "gles", trace], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^frames: (\d+) \((\d+) matched, 0 mismatched", r.stdout, re.M)
    assert m and int(m[1]) > 0 and m[1] == m[2], r.stdout


# What llvmpipe's GLES offers and many GLES drivers lack: hidden, the renderer takes its
# fallbacks (the CPU decides conditional rendering, sRGB surfaces always encode, mirror-clamp is
# approximated, copies go without copy_image, new textures are zeroed without clear_texture).
HIDDEN = ",".join(["GL_NV_conditional_render", "GL_EXT_sRGB_write_control",
                   "GL_EXT_texture_mirror_clamp_to_edge", "GL_EXT_clear_texture",
                   "GL_EXT_copy_image", "GL_OES_copy_image", "GL_EXT_texture_format_BGRA8888",
                   "GL_EXT_texture_norm16", "GL_EXT_shader_framebuffer_fetch"])
# These lower the guest's GL level instead (GL 3.2 needs depth clamp, GL 3.3 timer queries and
# dual-source blending).
LOWERING = {"GL_EXT_depth_clamp": "GL 3.1, not 3.2: the host lacks depth_clamp",
            "GL_EXT_disjoint_timer_query": "GL 3.2, not 3.3: the host lacks timer_query",
            "GL_EXT_blend_func_extended": "GL 3.2, not 3.3: the host lacks dual_src"}


def test_bundled_traces_replay_with_extensions_hidden():
    env = dict(os.environ, VGL_HIDE_EXTENSIONS=HIDDEN + "," + ",".join(LOWERING))
    for name in sorted(E.manifest()):
        r = subprocess.run([E.REPLAY, "--host-api", "gles", os.path.join(TRACES, name)],
                           capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0 and " 0 mismatched" in r.stdout, (name, r.stdout + r.stderr)


def test_gl33_guest_reads_back_the_same_with_extensions_hidden():
    work = E.work_dir("gles-hidden")
    out_gl, _, _ = guest_run(work, "gl", "vgl-guest-gl33")
    old = os.environ.get("VGL_HIDE_EXTENSIONS")
    os.environ["VGL_HIDE_EXTENSIONS"] = HIDDEN  # the server inherits it
    try:
        out_gles, log, _ = guest_run(work, "gles", "vgl-guest-gl33")
    finally:
        if old is None:
            del os.environ["VGL_HIDE_EXTENSIONS"]
        else:
            os.environ["VGL_HIDE_EXTENSIONS"] = old
    readbacks = lambda text: re.findall(r"crc32=([0-9a-f]{8})", text)
    assert len(readbacks(out_gl)) >= 9 and readbacks(out_gl) == readbacks(out_gles), log


@pytest.mark.parametrize("ext", sorted(LOWERING))
def test_a_missing_extension_lowers_the_level_and_says_why(ext):
    env = dict(os.environ, VGL_HIDE_EXTENSIONS=ext)
    trace = os.path.join(E.work_dir("gles-lower"), "gl33.vgz")
    r = subprocess.run([E.CAPTURE, "--host-api", "gles", "-v", "-o", trace, "--",
                        os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-gl33")],
                       capture_output=True, text=True, timeout=300, env=env)
    assert "caps: the guest gets " + LOWERING[ext] in r.stderr, r.stderr
    assert r.returncode == 77, r.stdout + r.stderr  # the GL 3.3 program cannot run there


# A plain GLES 3.2 driver: none of what llvmpipe's GLES adds that the renderer would use.
PLAIN = ",".join([HIDDEN, *sorted(LOWERING), "GL_EXT_clip_cull_distance"])


@pytest.mark.parametrize("guest", ["vgl-guest-clear", "vgl-guest-draw"])
def test_a_plain_gles32_driver_gives_gl31_and_reads_back_the_same(guest):
    """Without depth clamp the honest level is GL 3.1 (the log says why); a GL 2.x program still
    reads back what it reads back on desktop GL, every emulation path taken."""
    work = E.work_dir("gles-plain-" + guest)
    out_gl, _, _ = guest_run(work, "gl", guest)
    old = os.environ.get("VGL_HIDE_EXTENSIONS")
    os.environ["VGL_HIDE_EXTENSIONS"] = PLAIN  # the server inherits it
    try:
        out_gles, log, _ = guest_run(work, "gles", guest)
    finally:
        if old is None:
            del os.environ["VGL_HIDE_EXTENSIONS"]
        else:
            os.environ["VGL_HIDE_EXTENSIONS"] = old
    assert "caps: the guest gets GL 3.1, not 3.2: the host lacks depth_clamp" in log, log
    readbacks = lambda text: re.findall(r"crc32=([0-9a-f]{8})", text)
    assert readbacks(out_gl) and readbacks(out_gl) == readbacks(out_gles), log


# Piglit programs that pass on desktop GL and pass on a GLES host only through an emulation:
# (arguments, what it covers[, host extensions hidden so that the emulation runs]).
EMULATED = [
    (["fbo-blending-snorm"], "signed normalized read-backs through an integer copy"),
    (["fbo-blending-formats", "GL_ARB_texture_rg"], "16-bit one- and two-channel read-backs as RGBA"),
    (["fbo-blending-formats", "GL_ARB_texture_rg"], "16-bit normalized formats kept in floats",
     "GL_EXT_texture_norm16"),
    (["getteximage-formats"], "BGRA bytes stored as RGBA, swapped in transfers",
     "GL_EXT_texture_format_BGRA8888"),
    (["ext_framebuffer_multisample-fast-clear", "GL_ARB_texture_rg"],
     "the same, clears and draws clamped to the normalized range", "GL_EXT_texture_norm16"),
    (["tex-miplevel-selection"], "sampler LOD bias in the fragment shader"),
    (["tex-miplevel-selection", "textureGrad", "1D"], "the same for gradients, scaled by 2^bias"),
    (["draw-vertices"], "double vertex attributes converted to floats"),
    (["teximage-colors", "GL_RGB5_A1"], "BGRA _REV formats not offered, the guest picks others"),
    (["texture-packed-formats"], "the same, for every packed type"),
    (["ext_framebuffer_multisample-unaligned-blit", "2", "depth", "downsample"],
     "a moved resolve through a single-sampled copy"),
    (["ext_framebuffer_multisample-draw-buffers-alpha-to-coverage", "2"],
     "a scaled resolve through a single-sampled copy"),
    (["ext_transform_feedback-immediate-reuse-index-buffer"], "points sized from a uniform"),
    (["arb_framebuffer_srgb-blit", "texture", "linear_to_srgb", "upsample", "disabled", "render"],
     "a blit into a multisampled buffer drawn: colour"),
    (["ext_framebuffer_multisample-unaligned-blit", "2", "stencil", "upsample"],
     "the same for depth-stencil: stencil one bit a pass"),
    (["shader_runner", "/usr/lib/x86_64-linux-gnu/piglit/tests/spec/glsl-1.50/execution/"
      "primitive-id-no-gs-first-vertex.shader_test"],
     "the first-vertex convention through rotated triangles"),
    (["ext_transform_feedback-tessellation", "triangle_strip", "flat_first"],
     "the same with stream output, captured in the guest's convention's order"),
    (["ext_framebuffer_multisample-sample-alpha-to-one", "4"],
     "alpha-to-one in the shader, which also computes the alpha-to-coverage mask"),
    (["ext_framebuffer_multisample-alpha-to-one-dual-src-blend", "4"],
     "the same for both sources of dual-source blending"),
    (["ext_transform_feedback-output-type", "gl_SkipComponents1234"],
     "stream output keeps the bytes of its gaps"),
    (["ext_framebuffer_multisample-multisample-blit", "4", "stencil"],
     "a blit between multisampled buffers drawn sample for sample"),
    (["arb_framebuffer_srgb-blit", "renderbuffer", "srgb", "msaa", "disabled", "clear"],
     "the same reading sRGB storage through a linear view, undecoded"),
    (["texelFetch", "fs", "sampler2DMS", "4"], "a pixel_center_integer gl_FragCoord"),
    (["shader_runner", "/usr/lib/x86_64-linux-gnu/piglit/tests/spec/glsl-1.30/execution/"
      "clipping/vs-clip-distance-enables.shader_test"],
     "clip distances as varyings the fragment shader discards by", "GL_EXT_clip_cull_distance"),
    (["shader_runner", "/usr/lib/x86_64-linux-gnu/piglit/tests/spec/arb_texture_query_levels/"
      "execution/fs-baselevel.shader_test"], "each sampler's level count from a uniform"),
    (["gl-1.0-logicop"], "all 16 logic ops in the fragment shader through framebuffer fetch"),
    (["ext_transform_feedback-tessellation", "triangle_strip", "wireframe"],
     "unfilled triangles through the geometry shader, captured by a pass of their own"),
]


@pytest.mark.parametrize("case", EMULATED,
                         ids=[" ".join(c[0]) + (" hiding " + c[2] if len(c) > 2 else "")
                              for c in EMULATED])
def test_piglit_passes_on_gles_through_an_emulation(case):
    args, what = case[:2]
    exe = os.path.join(PIGLIT_BIN, args[0])
    if not os.path.exists(exe):
        pytest.skip("piglit is not installed")
    work = E.work_dir("gles-emulated")
    results = {}
    for host in ("gl", "gles"):
        env = dict(os.environ, PIGLIT_PLATFORM="surfaceless_egl")
        if len(case) > 2 and host == "gles":
            env["VGL_HIDE_EXTENSIONS"] = case[2]
        r = subprocess.run([E.CAPTURE, "--host-api", host, "-o",
                            os.path.join(work, host + ".vgz"), "--", exe] + args[1:] +
                           ["-auto", "-fbo"], env=env, capture_output=True, text=True,
                           timeout=300)
        m = re.findall(r'PIGLIT: \{"result": "(\w+)"', r.stdout)
        results[host] = m[-1] if m else r.stdout[-500:] + r.stderr[-500:]
    assert results == {"gl": "pass", "gles": "pass"}, (what, results)
