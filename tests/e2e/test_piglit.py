# SPDX-License-Identifier: MIT
"""Piglit through the real guest driver: a fast self-test of piglit_harness's result parser and
list resolution (always), and real runs of a shared list through our server against the reference
(only with VGL_PIGLIT naming a list of tests/piglit; VGL_PIGLIT_PLATFORM=glx runs it in X11
windows on an Xvfb display)."""
import os
import shutil
import subprocess
import time

import pytest

import piglit_harness as H
import vgl_env as E

LEVEL = os.environ.get("VGL_PIGLIT", "")
JOBS = int(os.environ.get("VGL_PIGLIT_JOBS", "2"))
# "glx" runs the list in X11 windows on an Xvfb display of the test's own (the window path:
# read-backs, an inverted y, multisampled default framebuffers).
PLATFORM = os.environ.get("VGL_PIGLIT_PLATFORM", "surfaceless_egl")


def P(stdout, rc=0, stderr="", **kw):
    return H.parse_output(stdout, stderr, rc, **kw)

# ---------------------------------------------------------------------------------------------
# Result parser, on canned outputs (piglit's own rules: framework/test/base.py, piglit_test.py)


def test_parse_plain_results():
    assert P('PIGLIT: {"result": "pass" }\n')["result"] == "pass"
    assert P('Probe color at (1,1)\nPIGLIT: {"result": "fail" }\n', rc=1)["result"] == "fail"
    assert P('PIGLIT: {"result": "warn" }\n')["result"] == "warn"
    r = P('PIGLIT: {"result": "skip" }\n')
    assert r["result"] == "skip" and r["needs"] is None
    assert r["skip_reason"] == "(the test printed no reason)"


def test_parse_subtests_worst_wins():
    out = ('PIGLIT: {"enumerate subtests": ["a", "b", "c"]}\n'
           'PIGLIT: {"subtest": {"a" : "pass"}}\n'
           'PIGLIT: {"subtest": {"b" : "fail"}}\n'
           'PIGLIT: {"subtest": {"c" : "skip"}}\n'
           'PIGLIT: {"result": "fail" }\n')
    r = P(out, rc=1)
    assert r["result"] == "fail" and r["subtests"] == {"pass": 1, "fail": 1, "skip": 1}
    # skipped and passed subtests: pass (skip ranks below pass)
    out = ('PIGLIT: {"subtest": {"a" : "skip"}}\nPIGLIT: {"subtest": {"b" : "pass"}}\n'
           'PIGLIT: {"result": "pass" }\n')
    assert P(out)["result"] == "pass"
    # the subtests decide even when the enclosing line says otherwise, as in piglit
    out = 'PIGLIT: {"subtest": {"a" : "fail"}}\nPIGLIT: {"result": "pass" }\n'
    assert P(out)["result"] == "fail"
    # an early skip of a test that enumerated its subtests skips them all
    out = 'PIGLIT: {"enumerate subtests": ["a", "b"]}\nPIGLIT: {"result": "skip" }\n'
    r = P(out)
    assert r["result"] == "skip" and r["subtests"] == {"skip": 2}


def test_parse_crashes_and_exit_status():
    r = P('PIGLIT: {"subtest": {"a" : "pass"}}\n', rc=-11)
    assert r["result"] == "crash" and "SIGSEGV" in r["detail"]
    r = P("some output\n", rc=0)
    assert r["result"] == "crash" and "no PIGLIT result line" in r["detail"]
    r = P("", rc=1)
    assert r["result"] == "crash"
    # the enumerated subtests alone are not a result
    assert P('PIGLIT: {"enumerate subtests": ["a"]}\n')["result"] == "crash"
    # a non-zero exit turns pass into warn and anything else into fail
    assert P('PIGLIT: {"result": "pass" }\n', rc=1)["result"] == "warn"
    assert P('PIGLIT: {"result": "skip" }\n', rc=1)["result"] == "fail"
    r = P('PIGLIT: {"result": "pass" }\n', rc=0, timed_out=True, timeout=60)
    assert r["result"] == "timeout"
    # junk after PIGLIT: is ignored, not fatal
    assert P('PIGLIT: {not json\nPIGLIT: {"result": "pass" }\n')["result"] == "pass"


SKIPS = [
    # (stdout, stderr, needs) as the piglit binaries print them
    ("Test requires GL version 3.1\n", "", "GL 3.1"),
    ("Test requires GL version 3\n", "", "GL 3.0"),
    ("Test requires >= GLSL 1.30.  Actual version GLSL 1.20.\n", "", "GLSL 1.30"),
    ("Test requires >= GLSL ES 3.00.  Actual version GLSL ES 1.00.\n", "", "GLSL ES 3.00"),
    ("Test requires GLSL version >= 1.3.  Actual version is 1.2.\n", "", "GLSL 1.30"),
    ("GLSL version is 1.20, but requested version 1.30 is required\n", "", "GLSL 1.30"),
    ("GLSL 1.40 not supported.\n", "", "GLSL 1.40"),
    ("OpenGL 4.4 or GL_ARB_clear_texture is required.\n", "", "GL 4.4 (or GL_ARB_clear_texture)"),
    ("piglit: info: Failed to create any GL context\n",
     "piglit: error: waffle_context_create failed due to WAFFLE_ERROR_UNKNOWN: eglCreateContext "
     "failed with error EGL_BAD_MATCH(0x3009)\n"
     "piglit: error: Failed to create waffle_context for OpenGL 3.2 Core Context\n", "GL 3.2"),
    # core 3.1 first, then the compatibility fallback: the lower one is enough
    ("piglit: info: Falling back to GL 3.0 compatibility context\n"
     "piglit: info: Failed to create any GL context\n",
     "piglit: error: Failed to create waffle_context for OpenGL 3.1 Forward-Compatible Core "
     "Context\npiglit: error: Failed to create waffle_context for OpenGL 3.0 Compatibility "
     "Context\n", "GL 3.0"),
    ("piglit: info: Failed to create any GL context\n",
     "piglit: error: Failed to create waffle_context for OpenGL ES 3.0 Context\n", "GLES 3.0"),
]


@pytest.mark.parametrize("stdout,stderr,needs", SKIPS)
def test_parse_version_skips(stdout, stderr, needs):
    r = P(stdout + 'PIGLIT: {"result": "skip" }\n', stderr=stderr)
    assert r["result"] == "skip"
    assert r["needs"] == needs
    assert r["skip_reason"]


def test_known_differences(tmp_path):
    known = tmp_path / "known.txt"
    known.write_text("# comment\nb :: no edge flags yet\nc :: stale entry\n")
    k = H.load_known(str(known))
    assert k == {"b": "no edge flags yet", "c": "stale entry"}
    ref = _run([("a", "pass", None), ("b", "pass", None), ("c", "pass", None)])
    ours = _run([("a", "pass", None), ("b", "fail", None), ("c", "pass", None)])
    v = H.evaluate({"reference": ref, "vgl": ours}, known=k)
    assert v["known_differences"] == [("b", "no edge flags yet")] and not v["regressions"]
    assert not v["ok"] and "no longer differ" in v["problems"][0]  # c passes now: stale
    del k["c"]
    assert H.evaluate({"reference": ref, "vgl": ours}, known=k)["ok"]
    known.write_text("b without reason\n")
    with pytest.raises(ValueError):
        H.load_known(str(known))


def test_parse_other_skips():
    # an extension that Mesa only exposes from a version on is a version skip, naming it
    r = P('piglit: info: Falling back to GL 2.0 compatibility context\n'
          'Test requires GL_ARB_direct_state_access\nPIGLIT: {"result": "skip" }\n',
          stderr="piglit: error: Failed to create waffle_context for OpenGL 3.1 Core Context\n")
    assert r["needs"] == "GL 3.1 (for GL_ARB_direct_state_access)"
    assert r["needs_extension"] == "GL_ARB_direct_state_access"
    assert r["skip_reason"] == "Test requires GL_ARB_direct_state_access"
    r = P('Test requires GL_EXT_texture_integer\nPIGLIT: {"result": "skip" }\n')
    assert r["needs"] == "GLSL 1.30 (for GL_EXT_texture_integer)"
    # any other missing extension is not
    r = P('Test requires GL_ARB_copy_image\nPIGLIT: {"result": "skip" }\n')
    assert r["needs"] is None and r["needs_extension"] == "GL_ARB_copy_image"
    r = P('At least 4 draw buffers are required.\nPIGLIT: {"result": "skip" }\n')
    assert r["needs"] is None and r["skip_reason"] == "At least 4 draw buffers are required."


def test_parse_capture_trailer():
    err = ("[vgl] warning: something\n"
           "virgl-capture: trace /x/a.vgz, 29629 bytes; /bin/t: exit status 1\n")
    assert H.parse_capture_trailer(err) == (1, None)
    err = "virgl-capture: trace /x/a b.vgz, 10 bytes; /bin/t: killed by signal 6 (Aborted)\n"
    assert H.parse_capture_trailer(err) == (-6, None)
    err = ("virgl-capture: the server failed (killed by signal 11 (Segmentation fault)); see its "
           "messages above. /bin/t: exit status 0\n")
    assert H.parse_capture_trailer(err) == (0, "killed by signal 11 (Segmentation fault)")
    assert H.parse_capture_trailer("nothing\n") == (None, None)


def test_sanitize_names():
    assert H.sanitize("spec@!opengl 1.0@gl-1.0-ortho-pos") == "spec@_opengl_1.0@gl-1.0-ortho-pos"
    long = "spec@" + "x" * 300
    assert len(H.sanitize(long)) <= 200 and H.sanitize(long) != H.sanitize(long + "y")


def _run(results, server=None, replays=None):
    return {"results": [{"name": n, "result": r, "needs": nd} for n, r, nd in results],
            "server": server, "replays": replays, "capture": False, "wall_s": 1.0}


def test_acceptance_rule():
    ref = _run([("a", "pass", None), ("b", "pass", None), ("c", "fail", None),
                ("d", "pass", None)])
    ours = _run([("a", "pass", None), ("b", "skip", "GL 3.2"), ("c", "crash", None),
                 ("d", "pass", None)], server={"alive_at_end": True, "death": None})
    v = H.evaluate({"reference": ref, "vgl": ours})
    assert v["ok"] and v["version_skips"] == ["b"] and v["baseline"] == "reference"
    ours["results"][3]["result"] = "skip"            # a skip that is not for a version
    v = H.evaluate({"reference": ref, "vgl": ours})
    assert not v["ok"] and v["regressions"] == ["d"]
    ours["results"][3]["result"] = "pass"
    ours["server"] = {"alive_at_end": False, "death": {"tests_in_flight": ["c"]}}
    assert not H.evaluate({"reference": ref, "vgl": ours})["ok"]
    # native is the baseline when there is no reference
    v = H.evaluate({"native": ref, "vgl": _run([("a", "pass", None), ("b", "fail", None),
                                                 ("c", "fail", None), ("d", "pass", None)])})
    assert v["baseline"] == "native" and v["regressions"] == ["b"]
    lines = []
    H.report({"reference": ref, "vgl": ours}, {"list": "x", "profile": "quick", "platform": "p",
                                               "jobs": 2, "timeout": 60},
             H.evaluate({"reference": ref, "vgl": ours}), out=lines.append)
    text = "\n".join(lines)
    assert "CRASHED" in text and "b  " in text and "skip (needs GL 3.2)" in text


def test_timeout_kills_the_process_group():
    run = H.Run("native", {"jobs": 1})
    start = time.monotonic()
    out, err, rc, timed_out, secs = H._run_process(
        run, ["/bin/sh", "-c", "sleep 30 & sleep 30"], dict(os.environ), "/", 0.5)
    assert timed_out and time.monotonic() - start < 10
    assert not run.procs

# ---------------------------------------------------------------------------------------------
# List resolution (piglit installed; about 5 s)


def _list(name):
    path = os.path.join(H.LIST_DIR, name + ".txt")
    if not os.path.exists(path):
        pytest.skip("no piglit list %s" % path)
    return path


@pytest.mark.skipif(not H.piglit_available(), reason="piglit is not installed")
def test_resolve_smoke_list(tmp_path):
    path = _list("smoke")
    tests = H.resolve(path, cache_dir=str(tmp_path))
    assert [t["name"] for t in tests] == H.read_list(path)
    for t in tests:
        assert os.path.isabs(t["argv"][0]) and os.access(t["argv"][0], os.X_OK), t
        assert "-auto" in t["argv"]
        assert ("-fbo" in t["argv"]) == t["run_concurrent"]
    # the second call is served from the cache
    assert len(os.listdir(tmp_path)) == 1
    assert H.resolve(path, cache_dir=str(tmp_path)) == tests
    bad = tmp_path / "bad.txt"
    bad.write_text("no@such@test\n")
    with pytest.raises(RuntimeError, match="no@such@test"):
        H.resolve(str(bad), cache_dir=str(tmp_path))

# ---------------------------------------------------------------------------------------------
# Real runs, gated by VGL_PIGLIT


def _gate():
    if LEVEL not in ("smoke", "ci") and not os.path.exists(os.path.join(H.LIST_DIR,
                                                                        LEVEL + ".txt")):
        pytest.skip("piglit runs are off: set VGL_PIGLIT=smoke (or ci) to run a piglit list "
                    "through our server (the piglit-smoke and piglit-ci meson tests do)")
    if not H.piglit_available():
        pytest.skip("piglit is not installed")
    if not E.host_has_gl():
        pytest.skip("no EGL/GL device on this host")
    return _list(LEVEL)


class _Xvfb:
    """An Xvfb display for the run (-noreset: a server that resets whenever its last client
    leaves refuses the next one for a moment, and parallel tests would see XOpenDisplay
    fail)."""

    def __enter__(self):
        if not shutil.which("Xvfb"):
            pytest.skip("Xvfb (Debian package xvfb) is not installed")
        self.old = os.environ.get("DISPLAY")
        for n in range(90, 190):
            if os.path.exists("/tmp/.X11-unix/X%d" % n) or os.path.exists("/tmp/.X%d-lock" % n):
                continue
            self.proc = subprocess.Popen(["Xvfb", ":%d" % n, "-noreset", "-nolisten", "tcp",
                                          "-screen", "0", "1024x768x24"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(100):
                if os.path.exists("/tmp/.X11-unix/X%d" % n) or self.proc.poll() is not None:
                    break
                time.sleep(0.05)
            if self.proc.poll() is None:
                os.environ["DISPLAY"] = ":%d" % n
                return self
        pytest.skip("no free X display for Xvfb")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        if self.old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = self.old


def test_piglit_list_vgl_matches_reference():
    path = _gate()
    if not H.reference_available():
        pytest.skip("virgl_test_server (Debian package virgl-server) is not installed")
    if PLATFORM == "glx":
        with _Xvfb():
            runs, meta, verdict = H.run_lists(path, ["reference", "vgl"], jobs=JOBS,
                                              platform="glx", work_dir=E.work_dir("piglit"),
                                              known=H.load_known())
    else:
        runs, meta, verdict = H.run_lists(path, ["reference", "vgl"], jobs=JOBS,
                                          work_dir=E.work_dir("piglit"), known=H.load_known())
    lines = []
    H.report(runs, meta, verdict, out=lines.append)
    print("\n".join(lines))
    assert verdict["ok"], "; ".join(verdict["problems"]) + "\n" + "\n".join(lines)


def _vgl_run(path, host_api):
    """The list through our server on host_api (the server inherits VGL_HOST_API)."""
    old = os.environ.get("VGL_HOST_API")
    os.environ["VGL_HOST_API"] = host_api
    try:
        kw = dict(jobs=JOBS, work_dir=E.work_dir("piglit-" + host_api), known=H.load_known())
        if PLATFORM == "glx":
            with _Xvfb():
                runs, _meta, _verdict = H.run_lists(path, ["vgl"], platform="glx", **kw)
        else:
            runs, _meta, _verdict = H.run_lists(path, ["vgl"], **kw)
    finally:
        if old is None:
            del os.environ["VGL_HOST_API"]
        else:
            os.environ["VGL_HOST_API"] = old
    return runs["vgl"]


def test_piglit_list_gles_matches_desktop():
    """The list through our server on desktop GL and on a GLES host: every test that passes on
    desktop GL passes on GLES too, or is listed with its reason in
    expected/gles-differences.txt (docs/gles-host.md)."""
    path = _gate()
    probe = subprocess.run([E.REPLAY, "--host-api", "gles", os.path.join(
        os.path.dirname(__file__), "../../traces/clear-blit.vgz")], capture_output=True)
    if probe.returncode == 125:
        pytest.skip("the host offers no GLES 3.1 context")
    desktop, gles = _vgl_run(path, "gl"), _vgl_run(path, "gles")
    assert gles["server"]["alive_at_end"], "our server died on the GLES host"
    unexplained, stale = H.host_differences(desktop["results"], gles["results"],
                                            H.load_gles_differences())
    passed = lambda run: sum(1 for r in run["results"] if r["result"] == "pass")
    print("piglit %s: %d pass on desktop GL, %d on GLES" % (LEVEL, passed(desktop), passed(gles)))
    assert not unexplained and not stale, (
        "not listed in tests/e2e/expected/gles-differences.txt:\n  " +
        "\n  ".join(unexplained) + "\nlisted, but passing on GLES now:\n  " + "\n  ".join(stale))


def test_piglit_list_captures_replay():
    path = _gate()
    if PLATFORM != "surfaceless_egl":
        pytest.skip("captures are checked headless (the surfaceless lists)")
    work = E.work_dir("piglit-capture")
    differential = H.virglrenderer_available()
    runs, meta, verdict = H.run_lists(path, ["vgl"], jobs=JOBS, work_dir=work,
                                      capture=os.path.join(work, "traces"),
                                      differential=differential)
    lines = []
    H.report(runs, meta, verdict, out=lines.append)
    print("\n".join(lines))
    replays = runs["vgl"]["replays"]
    traced = [r for r in replays if r["status"] != "no trace"]
    assert traced, "no test left a trace"
    bad = ["%s: %s %s" % (r["name"], r["status"], r["summary"]) for r in traced
           if r["status"] != "match"]
    assert not bad, "traces that do not replay with matching checksums:\n" + "\n".join(bad)
    failed = runs["vgl"]["server"].get("capture_failures")
    assert not failed, "our server failed under virgl-capture in: " + ", ".join(failed)
    if differential:
        unexplained, stale = H.renderer_differences(traced, runs["vgl"]["replays_virglrenderer"],
                                                    H.load_renderer_differences())
        print("virglrenderer: %d traces replayed in %.1f s (ours %.1f s)" % (
            len(traced), runs["vgl"]["replay_virglrenderer_wall_s"],
            runs["vgl"]["replay_wall_s"]))
        assert not unexplained, ("traces that differ on virglrenderer and are not listed in "
                                 "expected/renderer-differences.txt:\n" + "\n".join(unexplained))
        assert not stale, "listed as different but equal now: " + ", ".join(stale)
