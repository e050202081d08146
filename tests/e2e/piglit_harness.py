#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs piglit test lists through a chosen renderer (native llvmpipe, upstream virgl_test_server,
or our virgl-vtest-server, optionally capturing and replaying each test) and compares them.
Every server runs in a private mount namespace with its own /tmp; never on the machine's /tmp.

Run with Debian's /usr/bin/python3; see docs/piglit.md."""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vgl_env as E  # noqa: E402

RENDERERS = ("native", "reference", "vgl")
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
LIST_DIR = os.path.join(REPO_ROOT, "tests", "piglit")

# piglit's result order (framework/status.py): the worst subtest wins; skip and notrun rank
# below pass, so a mix of skipped and passed subtests is a pass.
RANK = {"notrun": 0, "skip": 0, "pass": 1, "warn": 10, "dmesg-warn": 20, "fail": 30,
        "dmesg-fail": 40, "timeout": 50, "crash": 60, "incomplete": 100}
RESULTS = ("pass", "fail", "skip", "warn", "crash", "timeout")
OUTPUT_KEEP = 4000          # characters of stdout / stderr kept per test

# ---------------------------------------------------------------------------------------------
# Test list -> commands


def piglit_launcher():
    return shutil.which("piglit") or ("/usr/bin/piglit" if os.path.exists("/usr/bin/piglit")
                                      else None)


def piglit_available():
    return piglit_launcher() is not None


def reference_available():
    return os.access(E.REFERENCE_SERVER, os.X_OK)


def read_list(path):
    """Names in a list file, as `piglit run --test-list` reads them (# starts a comment)."""
    names = []
    with open(path) as f:
        for line in f:
            name = line.split("#")[0].strip()
            if name:
                names.append(name)
    return names


SEP = "\x1f"

# Runs under /usr/bin/python3 with piglit's own framework, to get each test's exact argv (print-cmd
# joins it with spaces, which loses arguments such as glslparsertest's '3.10 es' or ''), its
# environment and its platform restrictions.
FRAMEWORK_HELPER = r"""
import json, os, sys
data_dir, profile_name = sys.argv[1], sys.argv[2]
names = json.load(sys.stdin)
sys.path.insert(0, data_dir)
os.chdir(data_dir)
from framework import profile
p = profile.load_test_profile(profile_name)
p.forced_test_list = names
out = {}
for name, t in p.itertests():
    out[name] = {
        "argv": [str(c) for c in t.command],
        "env": {str(k): str(v) for k, v in (t.env or {}).items()},
        "run_concurrent": bool(t.run_concurrent),
        "require_platforms": list(getattr(t, "require_platforms", None) or []),
        "exclude_platforms": list(getattr(t, "exclude_platforms", None) or []),
    }
json.dump(out, sys.stdout)
"""


def print_cmd(profile):
    """name -> command string, from `piglit print-cmd` (it has no --test-list: it prints the whole
    profile, about 2 s for quick). Returns (mapping, directory the commands are relative to)."""
    launcher = piglit_launcher()
    r = subprocess.run([launcher, "print-cmd", "--format", "{name}" + SEP + "{command}", profile],
                       capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("piglit print-cmd failed: " + r.stderr[-2000:])
    mapping = {}
    for line in r.stdout.splitlines():
        if SEP in line:
            name, command = line.split(SEP, 1)
            mapping[name] = command
    # print-cmd makes the binary's path relative to the launcher's directory
    return mapping, os.path.dirname(os.path.realpath(launcher))


def _cache_key(list_path, profile):
    h = hashlib.sha256()
    with open(list_path, "rb") as f:
        h.update(f.read())
    launcher = os.path.realpath(piglit_launcher())
    h.update(("\0%s\0%s\0%s" % (profile, launcher, os.stat(launcher).st_mtime)).encode())
    return h.hexdigest()[:20]


def default_cache_dir():
    return os.path.join(E.BUILD_DIR, "piglit-cache")


def resolve(list_path, profile="quick", cache_dir=None, log=print):
    """[{name, argv, env, run_concurrent, require_platforms, exclude_platforms, command}] for every
    test of the list, in list order. Cached per list, keyed by its content and piglit's launcher."""
    cache_dir = cache_dir or default_cache_dir()
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", os.path.basename(list_path))
    cache = os.path.join(cache_dir, "%s-%s.json" % (base, _cache_key(list_path, profile)))
    if os.path.exists(cache):
        with open(cache) as f:
            return json.load(f)
    names = read_list(list_path)
    commands, rel_dir = print_cmd(profile)
    unknown = [n for n in names if n not in commands]
    if unknown:
        raise RuntimeError("%d test(s) of %s are not in piglit's '%s' profile: %s"
                           % (len(unknown), list_path, profile, ", ".join(unknown[:10])))
    exact = {}
    try:
        r = subprocess.run(["/usr/bin/python3", "-c", FRAMEWORK_HELPER,
                            os.path.dirname(os.path.dirname(os.path.normpath(
                                os.path.join(rel_dir, commands[names[0]].split(" ")[0])))),
                            profile], input=json.dumps(names), capture_output=True, text=True,
                           timeout=600) if names else None
        if r is not None and r.returncode == 0:
            exact = json.loads(r.stdout)
        elif r is not None:
            log("warning: piglit framework helper failed; splitting print-cmd's strings on spaces "
                "(an argument that contains a space is then split):\n" + r.stderr[-1000:])
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        log("warning: piglit framework helper failed (%s); splitting print-cmd's strings" % e)
    tests = []
    for name in names:
        command = commands[name]
        info = exact.get(name)
        if info:
            argv = info["argv"]
            # the exact argv must be what print-cmd printed, or one of the two is not piglit's
            rebuilt = " ".join([os.path.relpath(argv[0], rel_dir)] + argv[1:])
            if rebuilt != command:
                log("warning: %s: print-cmd says %r, the profile %r" % (name, command, argv))
        else:
            parts = command.split(" ")
            argv = [os.path.normpath(os.path.join(rel_dir, parts[0]))] + parts[1:]
            info = {"env": {}, "run_concurrent": "-fbo" in parts, "require_platforms": [],
                    "exclude_platforms": []}
        tests.append({"name": name, "argv": argv, "command": command, "env": info["env"],
                      "run_concurrent": info["run_concurrent"],
                      "require_platforms": info["require_platforms"],
                      "exclude_platforms": info["exclude_platforms"]})
    os.makedirs(cache_dir, exist_ok=True)
    tmp = cache + ".tmp%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(tests, f)
    os.replace(tmp, cache)
    return tests


def select(tests, filters=(), sample=None):
    """Tests whose name matches any of `filters` (regexes), then `sample` of them spread evenly."""
    if filters:
        regexes = [re.compile(f) for f in filters]
        tests = [t for t in tests if any(r.search(t["name"]) for r in regexes)]
    if sample and sample < len(tests):
        tests = [tests[i * len(tests) // sample] for i in range(sample)]
    return tests


def sanitize(name):
    """A file name for a test name ('spec@!opengl 1.0@x y' -> 'spec@_opengl_1.0@x_y')."""
    s = re.sub(r"[^A-Za-z0-9@._+-]", "_", name)
    if len(s) <= 200:
        return s
    return s[:180] + "-" + hashlib.sha1(name.encode()).hexdigest()[:12]

# ---------------------------------------------------------------------------------------------
# Output -> result


VERSION_PATTERNS = [
    # piglit_require_gl_version() (tests/util/piglit-util-gl.c): "Test requires GL version %g"
    (re.compile(r"Test requires GL version (\d+(?:\.\d+)?)"), lambda m: ("GL", m[1])),
    # shader_runner [require]: "Test requires >= GLSL 1.30.  Actual version GLSL 1.20."
    (re.compile(r"Test requires (?:[<>=!]=?\s*)?(GLSL ES|GLSL|GL ES|GL) (\d+(?:\.\d+)?)\.\s+"
                r"Actual version"), lambda m: (m[1], m[2])),
    # shader_runner [require] "GLSL >= 1.30" on some paths:
    # "Test requires GLSL version >= 1.3.  Actual version is 1.2."
    (re.compile(r"Test requires (GLSL ES|GLSL|GL ES|GL) version (?:[<>=!]=?\s*)?(\d+(?:\.\d+)?)\."
                r"\s+Actual version"), lambda m: (m[1], m[2])),
    # glslparsertest: "GLSL version is 1.20, but requested version 1.30 is required"
    (re.compile(r"GLSL version is \S+(?: ES)?, but requested version (\d+\.\d+)( ES)? is required"),
     lambda m: ("GLSL ES" if m[2] else "GLSL", m[1])),
    # glslparsertest: "Test requires version %g or %s" (a GL version or an extension)
    (re.compile(r"Test requires version (\d+(?:\.\d+)?) or (\S+)"),
     lambda m: ("GL", "%s (or %s)" % (m[1], m[2]))),
    # piglit_require_GLSL_version(): "GLSL 1.30 not supported."
    (re.compile(r"\bGLSL (\d+\.\d+) not supported"), lambda m: ("GLSL", m[1])),
    (re.compile(r"\bRequires OpenGL (\d+\.\d+)"), lambda m: ("GL", m[1])),
    # piglit_require_gl_version_or_extension()-style checks: "OpenGL 4.4 or GL_ARB_x is required."
    (re.compile(r"\bOpenGL (\d+\.\d+) or ((?:GL|GLX)_\w+) is required"),
     lambda m: ("GL", "%s (or %s)" % (m[1], m[2]))),
    # piglit_require_GLSL(): "GLSL not supported."
    (re.compile(r"^GLSL not supported\.", re.M), lambda m: ("GLSL", "1.10")),
]
# piglit's waffle framework, when it cannot make the context the test asks for:
#   piglit: error: Failed to create waffle_context for OpenGL 3.2 Core Context
#   piglit: info: Failed to create any GL context
CONTEXT_FAILED = re.compile(r"Failed to create waffle_context for OpenGL (ES )?(\d+\.\d+)")
# piglit_require_extension(): "Test requires GL_ARB_x"; shader_runner: "Test requires unsupported
# extension GL_ARB_x"; others: "GL_ARB_x not supported"
EXTENSION_NEEDED = re.compile(r"Test requires (?:unsupported extension )?((?:GL|GLX|EGL)_\w+)|"
                              r"^((?:GL|GLX|EGL)_\w+) not supported", re.M)
REASON_HINT = re.compile(r"requires|not supported|unsupported|Failed to create any|skip|"
                         r"not available|missing", re.I)
# virgl-capture's last line: "virgl-capture: trace F, N bytes; PROG: exit status 1" or
# "...: killed by signal 6 (Aborted)"; when its server failed:
# "virgl-capture: the server failed (killed by signal 11 (...)); see its messages above. PROG: ..."
CAPTURE_TRAILER = re.compile(r"^virgl-capture: (?:trace .*, -?\d+ bytes;|the server failed "
                             r"\((.*)\); see its messages above\.) .*: (exit status (\d+)|"
                             r"killed by signal (\d+)[^\n]*|status unknown)$", re.M)


def _version_key(v):
    return tuple(int(x) for x in re.findall(r"\d+", v)[:2])


def _normalize_version(api, ver):
    """'3' -> '3.0' for GL (piglit prints %g); '1.3' -> '1.30' for GLSL (as it is written)."""
    m = re.match(r"(\d+)(?:\.(\d+))?(.*)$", ver)
    major, minor, rest = m[1], m[2] or "0", m[3]
    if api.startswith("GLSL") and len(minor) == 1:
        minor += "0"
    return "%s.%s%s" % (major, minor, rest)


def version_needed(text):
    """('GL', '3.2') / ('GLSL', '1.30') / ('GLSL ES', '3.00') / ... when the output says that the
    test skipped for a higher API or shading-language version; else None."""
    if "Failed to create any GL context" in text:
        found = CONTEXT_FAILED.findall(text)
        if found:
            # the lowest version piglit asked for is the least that lets the test run
            es, ver = min(found, key=lambda f: _version_key(f[1]))
            return ("GLES" if es else "GL", _normalize_version("GL", ver))
    for regex, make in VERSION_PATTERNS:
        m = regex.search(text)
        if m:
            api, ver = make(m)
            return (api, _normalize_version(api, ver))
    return None


def _noise(line):
    return (not line.strip() or line.startswith("PIGLIT:") or line.startswith("[vgl]")
            or line.startswith("virgl-capture:"))


def skip_reason(stdout, stderr):
    """The line of a skipped test's output that says why (at most 200 characters)."""
    lines = [l.strip() for l in (stdout + "\n" + stderr).splitlines() if not _noise(l)]
    for regex, _make in VERSION_PATTERNS:
        for l in lines:
            if regex.search(l):
                return l[:200]
    if "Failed to create any GL context" in stdout + stderr:
        tried = re.findall(r"Failed to create waffle_context for (.*?) ?Context", stdout + stderr)
        return ("Failed to create any GL context (tried %s)" % ", ".join(tried))[:200]
    for l in lines:
        if REASON_HINT.search(l):
            return l[:200]
    return lines[-1][:200] if lines else "(the test printed no reason)"


def _signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


# Extensions that Mesa 22.3.6 exposes only from a GL or GLSL version on, whatever the driver's caps
# (src/mesa/state_tracker/st_extensions.c and main/extensions_table.h): a test that skips for one
# of them on a renderer offering a lower version skips for that version, not for a missing
# feature of the renderer.
EXTENSION_VERSION = {
    "GL_EXT_texture_integer": ("GLSL", "1.30"),   # "Integer textures make no sense before GLSL 1.30"
    "GL_ARB_arrays_of_arrays": ("GLSL", "1.30"),  # in the "depend on GLSL 1.30" group
    "GL_EXT_gpu_shader4": ("GLSL", "1.40"),       # exposed when GLSLVersion >= 140
    "GL_ARB_direct_state_access": ("GL", "3.1"),  # core/3.1+ only in the extension table
    "GL_ARB_gpu_shader5": ("GLSL", "4.00"),       # exposed when GLSLVersion >= 400
    "GL_ARB_shader_precision": ("GLSL", "4.10"),  # exposed when GLSLVersion >= 410
}

# GL 4.x features: Mesa's virgl driver exposes these extensions only from caps that belong to a
# GL 4.x renderer (tessellation and compute stages, fp64, storage buffers, atomics, images, more
# viewports, cull distances, ...), never at the GL 3.3 level. A test that skips for one of them on
# a renderer offering GL 3.3 skips for the GL version where the feature became core.
EXTENSION_VERSION.update({
    "GL_ARB_tessellation_shader": ("GL", "4.0"),
    "GL_ARB_gpu_shader_fp64": ("GL", "4.0"),
    "GL_ARB_texture_cube_map_array": ("GL", "4.0"),
    "GL_ARB_sample_shading": ("GL", "4.0"),
    "GL_ARB_texture_query_lod": ("GL", "4.0"),
    "GL_ARB_draw_indirect": ("GL", "4.0"),
    "GL_ARB_transform_feedback2": ("GL", "4.0"),
    "GL_ARB_transform_feedback3": ("GL", "4.0"),
    "GL_ARB_vertex_attrib_64bit": ("GL", "4.1"),
    "GL_ARB_viewport_array": ("GL", "4.1"),
    "GL_ARB_shader_atomic_counters": ("GL", "4.2"),
    "GL_ARB_shader_image_load_store": ("GL", "4.2"),
    "GL_ARB_compute_shader": ("GL", "4.3"),
    "GL_ARB_shader_storage_buffer_object": ("GL", "4.3"),
    "GL_ARB_fragment_layer_viewport": ("GL", "4.3"),
    "GL_ARB_texture_view": ("GL", "4.3"),
    "GL_ARB_enhanced_layouts": ("GL", "4.4"),
    "GL_ARB_clear_texture": ("GL", "4.4"),
    "GL_ARB_cull_distance": ("GL", "4.5"),
    "GL_ARB_shader_texture_image_samples": ("GL", "4.5"),
})


def parse_output(stdout, stderr, returncode, timed_out=False, timeout=None):
    """One test's result from its output and exit status, the way piglit's PiglitBaseTest and
    Test.interpret_result do it, except that a run without any PIGLIT result line is a crash.
    Returns a dict: result, detail, subtests (counts), skip_reason, needs ('GL 3.2' or None)."""
    raw = None
    subtests = {}
    for line in stdout.split("\n"):
        if not line.startswith("PIGLIT:"):
            continue
        try:
            d = json.loads(line[8:])
        except ValueError:
            continue
        if not isinstance(d, dict):
            continue
        if "enumerate subtests" in d:
            for n in d["enumerate subtests"]:
                subtests[n] = "notrun"
        elif "result" in d:
            raw = str(d["result"])
        elif "subtest" in d and isinstance(d["subtest"], dict):
            subtests.update({k: str(v) for k, v in d["subtest"].items()})
    if raw == "skip":
        subtests = {k: ("skip" if v == "notrun" else v) for k, v in subtests.items()}
    if subtests and raw != "crash":
        result = None
        for v in subtests.values():          # max(), first of equals, like piglit
            if result is None or RANK.get(v, 30) > RANK.get(result, 30):
                result = v
    else:
        result = raw
    detail = ""
    if timed_out:
        result, detail = "timeout", "ran over %s s" % timeout
    elif returncode is not None and returncode < 0:
        result, detail = "crash", "killed by %s" % _signal_name(-returncode)
    elif result is None or (result == "notrun" and raw is None):
        result = "crash"
        detail = "no PIGLIT result line, exit status %s" % returncode
    elif returncode:
        detail = "exit status %d" % returncode
        result = "warn" if result == "pass" else "fail"
    if result == "notrun":
        result = "skip"
    counts = {}
    for v in subtests.values():
        counts[v] = counts.get(v, 0) + 1
    out = {"result": result, "detail": detail, "subtests": counts, "skip_reason": None,
           "needs": None, "needs_extension": None}
    if result == "skip":
        out["skip_reason"] = skip_reason(stdout, stderr)
        need = version_needed(stdout + "\n" + stderr)
        out["needs"] = "%s %s" % need if need else None
        m = EXTENSION_NEEDED.search(stdout + "\n" + stderr)
        out["needs_extension"] = m[1] or m[2] if m and not need else None
        gated = EXTENSION_VERSION.get(out["needs_extension"] or "")
        if gated:
            out["needs"] = "%s %s (for %s)" % (gated[0], gated[1], out["needs_extension"])
    return out


def parse_capture_trailer(stderr):
    """(program returncode as Popen would give it, server failure text or None) from virgl-capture's
    last line; (None, None) when there is no such line."""
    found = list(CAPTURE_TRAILER.finditer(stderr))
    if not found:
        return None, None
    m = found[-1]
    if m[3] is not None:
        rc = int(m[3])
    elif m[4] is not None:
        rc = -int(m[4])
    else:
        rc = None
    return rc, m[1]

# ---------------------------------------------------------------------------------------------
# Running


class Run:
    """State of one renderer's run inside its private namespace."""

    def __init__(self, renderer, opts):
        self.renderer = renderer
        self.opts = opts
        self.lock = threading.Lock()
        self.procs = set()
        self.inflight = set()
        self.server = None
        self.server_log = None
        self.death = None
        self.done = 0
        self.total = 0
        self.stopping = False


def _env(renderer, test, opts, cwd):
    env = dict(os.environ)
    env.pop("GALLIUM_DRIVER", None)
    env["PIGLIT_PLATFORM"] = opts["platform"]
    env.setdefault("PIGLIT_SOURCE_DIR", opts["piglit_dir"])
    env["XDG_RUNTIME_DIR"] = os.path.join(cwd, "xdg")
    if renderer != "native":
        env["GALLIUM_DRIVER"] = "virpipe"
    env.update(test["env"])
    return env


def _kill(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass


def _run_process(run, argv, env, cwd, timeout):
    """(stdout, stderr, returncode, timed_out, seconds); the process gets its own session so that
    a timeout can kill everything it started, like piglit (SIGTERM, then SIGKILL after 3 s)."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                start_new_session=True)
    except OSError as e:
        return "", "cannot run %s: %s" % (argv[0], e), 127, False, 0.0
    with run.lock:
        run.procs.add(proc)
    if run.stopping:
        _kill(proc)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=3)
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, err = proc.communicate()
    finally:
        with run.lock:
            run.procs.discard(proc)
    if timed_out:
        _kill(proc)
    return (out.decode(errors="replace"), err.decode(errors="replace"), proc.returncode, timed_out,
            time.monotonic() - start)


def _platform_skip(test, platform):
    """piglit's PiglitGLTest.is_skip: skipped without running when the platform does not fit."""
    if test["require_platforms"] and platform not in test["require_platforms"]:
        return ('Test requires one of the following platforms "%s" but the platform is "%s"'
                % (test["require_platforms"], platform))
    if test["exclude_platforms"] and platform in test["exclude_platforms"]:
        return ('Test cannot be run on any of the following platforms "%s" and the platform is '
                '"%s"' % (test["exclude_platforms"], platform))
    return None


def _tail(text):
    return text[-OUTPUT_KEEP:]


def _progress(run, res):
    opts = run.opts
    with run.lock:
        run.done += 1
        done = run.done
    if opts["verbose"]:
        extra = res.get("needs") or res.get("detail") or ""
        print("[%s %d/%d] %-7s %5.2fs %s%s" % (run.renderer, done, run.total, res["result"],
                                                res["time_s"], res["name"],
                                                "  (%s)" % extra if extra else ""), flush=True)
    elif done % 25 == 0 or done == run.total:
        print("[%s] %d/%d" % (run.renderer, done, run.total), flush=True)


def _one_test(run, test):
    opts = run.opts
    name = test["name"]
    res = {"name": name, "command": " ".join(test["argv"]), "time_s": 0.0, "returncode": None,
           "stdout": "", "stderr": ""}
    reason = _platform_skip(test, opts["platform"])
    if reason:
        res.update(result="skip", detail="platform", subtests={}, skip_reason=reason, needs=None,
                   needs_extension=None)
        _progress(run, res)
        return res
    if run.server is not None and run.server.poll() is not None:
        with run.lock:
            if run.death is None:
                run.death = {"returncode": run.server.returncode,
                             "tests_in_flight": sorted(run.inflight) or ["(between tests)"]}
    if run.stopping or run.death:
        res.update(result="crash", detail="not run: the %s server had died" % run.renderer,
                   subtests={}, skip_reason=None, needs=None, needs_extension=None)
        _progress(run, res)
        return res
    cwd = opts["test_cwd"]
    env = _env(run.renderer, test, opts, cwd)
    argv = list(test["argv"])
    trace = None
    if opts["capture"]:
        trace = os.path.join(opts["capture"], sanitize(name) + ".vgz")
        if os.path.exists(trace):
            os.unlink(trace)
        argv = [E.CAPTURE, "-o", trace, "--"] + argv
        res["trace"] = trace
    with run.lock:
        run.inflight.add(name)
    out, err, rc, timed_out, secs = _run_process(run, argv, env, cwd, opts["timeout"])
    with run.lock:
        run.inflight.discard(name)
    server_failed = None
    if opts["capture"] and not timed_out:
        prog_rc, server_failed = parse_capture_trailer(err)
        if prog_rc is not None:
            rc = prog_rc
        elif rc is not None and rc > 128:
            rc = -(rc - 128)
    res.update(parse_output(out, err, rc, timed_out, opts["timeout"]))
    res.update(returncode=rc, time_s=round(secs, 3), stdout=_tail(out), stderr=_tail(err))
    if server_failed:
        res["server_failed"] = server_failed
        res["result"], res["detail"] = "crash", "our server failed: " + server_failed
    if run.server is not None and run.server.poll() is not None:
        with run.lock:
            if run.death is None:
                run.death = {"returncode": run.server.returncode,
                             "tests_in_flight": sorted(run.inflight | {name})}
        res["detail"] = "the %s server died during this test (%s)" % (
            run.renderer, res["detail"] or "test result %s" % res["result"])
        res["result"] = "crash"
    _progress(run, res)
    return res


def probe_version(renderer, opts, cwd):
    """What the renderer offers, from wflinfo: {'renderer', 'gl', 'glsl'} or {} without wflinfo."""
    if not shutil.which("wflinfo"):
        return {}
    env = _env(renderer, {"env": {}}, opts, cwd)
    argv = ["wflinfo", "-p", "surfaceless_egl", "-a", "gl", "-v"]
    if opts["capture"]:
        argv = [E.CAPTURE, "-o", os.path.join("/tmp", "wflinfo.vgz"), "--"] + argv
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=env, cwd=cwd)
    except (OSError, subprocess.SubprocessError):
        return {}
    info = {}
    for key, label in (("renderer", "OpenGL renderer string: "),
                       ("gl", "OpenGL version string: "),
                       ("glsl", "OpenGL shading language version string: ")):
        m = re.search("^" + re.escape(label) + "(.*)$", r.stdout, re.M)
        if m:
            info[key] = m[1].strip()
    return info


def virglrenderer_available():
    """Whether virgl-replay can load upstream virglrenderer here."""
    trace = os.path.join(E.TRACES_DIR, "clear-blit.vgz")
    r = subprocess.run([E.REPLAY, "--renderer", "virglrenderer", "--frames", "0", trace],
                       capture_output=True, text=True, timeout=120)
    return r.returncode != 125


def load_gles_differences():
    """expected/gles-differences.txt as {test name or prefix*: reason}."""
    out = {}
    path = os.path.join(os.path.dirname(__file__), "expected", "gles-differences.txt")
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, reason = line.split(": ", 1) if ": " in line else (line, "")
            out[name.strip()] = reason.strip()
    return out


def host_differences(desktop, gles, expected):
    """(unexplained, stale): tests that pass on desktop GL and not on GLES and are not listed;
    listed tests (not prefixes) that ran and pass on GLES now."""
    def listed(name):
        return any(name == k or (k.endswith("*") and name.startswith(k[:-1])) for k in expected)
    gles = {r["name"]: r for r in gles}
    unexplained, differing = [], set()
    for r in desktop:
        g = gles.get(r["name"])
        if r["result"] != "pass" or g is None or g["result"] == "pass":
            continue
        differing.add(r["name"])
        if not listed(r["name"]):
            unexplained.append("%s: %s on GLES (%s)" % (r["name"], g["result"],
                                                         g.get("detail", "")))
    stale = [k for k in expected
             if not k.endswith("*") and k in gles and gles[k]["result"] == "pass"]
    return unexplained, stale


def load_renderer_differences():
    """expected/renderer-differences.txt as {trace name: reason}."""
    out = {}
    path = os.path.join(os.path.dirname(__file__), "expected", "renderer-differences.txt")
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            name, reason = line.split(":", 1)
            out[name.strip()] = reason.strip()
    return out


def renderer_differences(ours, theirs, expected):
    """(unexplained, stale): traces whose replay on virglrenderer does not match the capture
    (which ours matched) and are not listed; listed traces that match now. Names are piglit
    test names; a listed name may end with * to cover every test it prefixes."""
    def listed(name):
        return any(name == k or (k.endswith("*") and name.startswith(k[:-1])) for k in expected)
    unexplained, differing = [], set()
    theirs = {r["name"]: r for r in theirs}
    for r in ours:
        t = theirs.get(r["name"])
        if t is None or t["status"] == "match":
            continue
        differing.add(r["name"])
        if not listed(r["name"]):
            unexplained.append("%s: %s %s" % (r["name"], t["status"], t["summary"]))
    names = {r["name"] for r in ours}
    stale = [k for k in expected if not k.endswith("*") and k in names and k not in differing]
    return unexplained, stale


def _replay_one(run, res, renderer="vgl"):
    trace = res.get("trace")
    if not trace or not os.path.exists(trace) or os.path.getsize(trace) == 0:
        return {"name": res["name"], "status": "no trace", "returncode": None, "summary": ""}
    argv = [E.REPLAY, "--renderer", renderer, trace]
    out, err, rc, timed_out, secs = _run_process(run, argv, dict(os.environ),
                                                 run.opts["test_cwd"], run.opts["replay_timeout"])
    if timed_out:
        status = "timeout"
    elif rc == 0:
        status = "match"
    elif rc == 1:
        status = "mismatch"
    elif rc == 2:
        status = "damaged"
    elif rc == 125:
        status = "no GL"
    elif rc is not None and rc < 0:
        status = "crash (%s)" % _signal_name(-rc)
    else:
        status = "error %s" % rc
    m = re.search(r"^frames: (\d+).*$", out, re.M)
    return {"name": res["name"], "status": status, "returncode": rc, "time_s": round(secs, 3),
            "summary": m[0] if m else "", "frames": int(m[1]) if m else None,
            "output": _tail(out + err)[-1500:]}


def _parallel(run, fn, items):
    """[fn(item) ...] on run.opts['jobs'] threads, in order. On an exception (Ctrl-C included)
    nothing more starts and every running process is killed."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, run.opts["jobs"]))
    try:
        futures = [pool.submit(fn, item) for item in items]
        out = [f.result() for f in futures]
    except BaseException:
        run.stopping = True
        pool.shutdown(wait=False, cancel_futures=True)
        with run.lock:
            procs = list(run.procs)
        for p in procs:
            _kill(p)
        raise
    pool.shutdown()
    return out


def _terminate(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def _stop_with_parent():
    """In the forked child: SIGTERM (and the parent's death) unwind like Ctrl-C, so that the
    servers and tests it started are killed rather than orphaned."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def run_renderer_here(renderer, tests, opts):
    """Runs `tests` through `renderer`; call it only inside vgl_env.run_in_private_tmp."""
    parent = os.getppid()
    _stop_with_parent()
    try:
        return _run_renderer_body(renderer, tests, opts)
    except BaseException:
        if os.getppid() != parent:      # nobody is left to report to: just end, cleaned up
            os._exit(1)
        raise


def _run_renderer_body(renderer, tests, opts):
    run = Run(renderer, opts)
    run.total = len(tests)
    os.makedirs(os.path.join(opts["test_cwd"], "xdg"), mode=0o700, exist_ok=True)
    os.chmod(os.path.join(opts["test_cwd"], "xdg"), 0o700)
    log = os.path.join(opts["work_dir"], "%s-server.log" % renderer)
    result = {"renderer": renderer, "capture": bool(opts["capture"]), "server": None}
    try:
        if renderer == "reference":
            run.server = E.start_reference_server(
                log, extra=["--use-gles"] if opts.get("host_api") == "gles" else [])
        elif renderer == "vgl" and not opts["capture"]:
            run.server = E.start_server(log)
        result["offered"] = probe_version(renderer, opts, opts["test_cwd"])
        # wall time: the tests only (not the server's start or the wflinfo probe)
        start = time.monotonic()
        results = _parallel(run, lambda t: _one_test(run, t), tests)
        wall = time.monotonic() - start
        if run.server is not None:
            alive = run.server.poll() is None
            rc = run.server.returncode if not alive else E.stop_server(run.server)
            result["server"] = {"log": log, "alive_at_end": alive, "returncode": rc,
                                "death": run.death,
                                "log_tail": E.log_tail(log, 40) if not alive else ""}
        elif opts["capture"]:
            failed = [r["name"] for r in results if r.get("server_failed")]
            result["server"] = {"log": None, "alive_at_end": not failed,
                                "returncode": None, "capture_failures": failed,
                                "death": ({"tests_in_flight": failed, "returncode": None}
                                          if failed else None),
                                "log_tail": ("\n".join(
                                    l for l in next(r for r in results if r.get("server_failed"))
                                    ["stderr"].splitlines()[-40:]) if failed else "")}
        replays = None
        if opts["capture"]:
            print("[%s] replaying %d traces" % (renderer, len(results)), flush=True)
            rstart = time.monotonic()
            replays = _parallel(run, lambda r: _replay_one(run, r), results)
            result["replay_wall_s"] = round(time.monotonic() - rstart, 2)
            if opts.get("differential"):
                # the same traces on upstream virglrenderer (tests/e2e/test_renderers.py)
                rstart = time.monotonic()
                result["replays_virglrenderer"] = _parallel(
                    run, lambda r: _replay_one(run, r, "virglrenderer"), results)
                result["replay_virglrenderer_wall_s"] = round(time.monotonic() - rstart, 2)
        result.update(wall_s=round(wall, 2), results=results, replays=replays)
        return result
    finally:
        run.stopping = True
        with run.lock:
            procs = list(run.procs)
        for p in procs:
            _kill(p)
        if run.server is not None and run.server.poll() is None:
            run.server.kill()
            run.server.wait()


def run_renderer(renderer, tests, opts):
    """Runs `tests` through `renderer` in a fresh private mount namespace (own tmpfs /tmp)."""
    sys.stdout.flush()
    sys.stderr.flush()
    return E.run_in_private_tmp(run_renderer_here, renderer, tests, opts)

# ---------------------------------------------------------------------------------------------
# Reporting


def counts(result):
    c = {k: 0 for k in RESULTS}
    for r in result["results"]:
        c[r["result"]] = c.get(r["result"], 0) + 1
    return c


def _shown(r, renderer):
    s = r["result"]
    if s == "skip" and (r.get("needs") or r.get("needs_extension")):
        s += " (needs %s)" % (r.get("needs") or r.get("needs_extension"))
    elif s in ("crash", "timeout", "warn") and r.get("detail"):
        s += " (%s)" % r["detail"]
    return s


KNOWN_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "piglit-known.txt")


def load_known(path=KNOWN_FILE):
    """Known differences from the baseline: {test name: reason}, from lines 'NAME :: REASON'
    ('#' starts a comment). Each entry says why ours differs; the suite fails on any other."""
    known = {}
    if not path or not os.path.exists(path):
        return known
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, sep, reason = line.partition(" :: ")
            if not sep or not reason.strip():
                raise ValueError("%s: entry without ' :: reason': %s" % (path, line))
            known[name.strip()] = reason.strip()
    return known


def evaluate(runs, baseline=None, ours="vgl", known=None):
    """Acceptance: every test that passes on the baseline (reference, else native) passes on ours,
    except skips for a GL/GLSL version above what ours offers; our server never crashed; with
    capture, every trace replays with matching checksums. With no baseline: nothing fails,
    crashes or times out on any renderer run."""
    names = list(runs)
    if baseline is None:
        baseline = next((b for b in ("reference", "native") if b in runs and b != ours), None)
    by = {n: {r["name"]: r for r in runs[n]["results"]} for n in names}
    order = [r["name"] for r in runs[names[0]]["results"]]
    problems, version_skips, regressions, known_differences = [], [], [], []
    known = known or {}
    if ours in runs and baseline:
        for t in order:
            b, o = by[baseline][t], by[ours][t]
            if b["result"] != "pass" or o["result"] == "pass":
                continue
            if o["result"] == "skip" and o.get("needs"):
                version_skips.append(t)
            elif t in known:
                known_differences.append(t)
            else:
                regressions.append(t)
        if regressions:
            problems.append("%d test(s) pass on %s but not on %s" % (len(regressions), baseline,
                                                                      ours))
        stale = [t for t in order if t in known and by[ours][t]["result"] == "pass"]
        if stale:
            problems.append("%d known difference(s) no longer differ (remove them from the "
                            "known list): %s" % (len(stale), ", ".join(stale)))
    else:
        for n in names:
            bad = [r["name"] for r in runs[n]["results"]
                   if r["result"] in ("fail", "crash", "timeout")]
            if bad:
                problems.append("%d test(s) fail, crash or time out on %s" % (len(bad), n))
    for n in names:
        server = runs[n].get("server") or {}
        if server.get("death") or server.get("alive_at_end") is False:
            problems.append("the %s server crashed" % n)
        if runs[n].get("replays"):
            bad = [r["name"] for r in runs[n]["replays"] if r["status"] not in ("match",
                                                                               "no trace")]
            if bad:
                problems.append("%d trace(s) of %s do not replay with matching checksums"
                                % (len(bad), n))
    return {"ok": not problems, "problems": problems, "baseline": baseline, "ours": ours,
            "regressions": regressions, "version_skips": version_skips,
            "known_differences": [(t, known[t]) for t in known_differences]}


def report(runs, meta, verdict, out=print):
    names = list(runs)
    first = runs[names[0]]["results"]
    out("")
    out("piglit %s: %d tests, profile %s, platform %s, -j%d, timeout %g s" % (
        meta["list"], len(first), meta["profile"], meta["platform"], meta["jobs"],
        meta["timeout"]))
    c = {n: counts(runs[n]) for n in names}
    rows = [[""] + [n + (" (capture)" if runs[n]["capture"] else "") for n in names]]
    for k in RESULTS:
        rows.append([k] + [str(c[n].get(k, 0)) for n in names])
    rows.append(["wall time"] + ["%.1f s" % runs[n]["wall_s"] for n in names])
    offers = []
    for n in names:
        o = runs[n].get("offered") or {}
        offers.append("GL %s, GLSL %s" % (o.get("gl", "?").split(" ")[0], o.get("glsl", "?"))
                      if o else "?")
    rows.append(["offers"] + offers)
    srv = []
    for n in names:
        s = runs[n].get("server")
        srv.append("-" if s is None else
                   "CRASHED" if (s.get("death") or not s["alive_at_end"]) else "alive")
    rows.append(["server"] + srv)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        out("  ".join([r[0].ljust(widths[0])] + [r[i].rjust(widths[i])
                                                 for i in range(1, len(r))]).rstrip())

    by = {n: {r["name"]: r for r in runs[n]["results"]} for n in names}
    if len(names) > 1:
        diff = [r["name"] for r in first if len({by[n][r["name"]]["result"] for n in names}) > 1]
        out("")
        out("%d test(s) with different results:" % len(diff))
        if diff:
            rows = [["test"] + names] + [[t] + [_shown(by[n][t], n) for n in names] for t in diff]
            widths = [max(len(r[i]) for r in rows) for i in range(len(names) + 1)]
            for r in rows:
                out("  " + "  ".join(r[i].ljust(widths[i]) for i in range(len(r))).rstrip())
        if verdict["version_skips"]:
            out("")
            out("%d test(s) skip on %s only for a GL/GLSL version above what it offers "
                "(pass on %s):" % (len(verdict["version_skips"]), verdict["ours"],
                                   verdict["baseline"]))
            for t in verdict["version_skips"]:
                out("  %s  (needs %s)" % (t, by[verdict["ours"]][t]["needs"]))
        if verdict.get("known_differences"):
            out("")
            out("%d known difference(s) (listed with a reason in the known list):"
                % len(verdict["known_differences"]))
            for t, why in verdict["known_differences"]:
                out("  %s  [%s]  %s" % (t, by[verdict["ours"]][t]["result"], why))
    for n in names:
        s = runs[n].get("server")
        if s and (s.get("death") or not s["alive_at_end"]):
            d = s.get("death") or {}
            out("")
            out("!!! THE %s SERVER CRASHED (exit %s) during: %s" % (
                n.upper(), d.get("returncode"), ", ".join(d.get("tests_in_flight") or ["?"])))
            after = [r["name"] for r in runs[n]["results"]
                     if r.get("detail", "").startswith("not run: the")]
            if after:
                out("!!! %d later test(s) counted as crash without running" % len(after))
            if s.get("log"):
                out("!!! server log: %s; its tail:" % s["log"])
            for line in (s.get("log_tail") or "").splitlines():
                out("    " + line)
    for n in names:
        reps = runs[n].get("replays")
        if reps is None:
            continue
        st = {}
        for r in reps:
            st.setdefault(r["status"], []).append(r["name"])
        traced = len(reps) - len(st.get("no trace", []))
        frames = sum(r.get("frames") or 0 for r in reps)
        frameless = [r["name"] for r in reps if r["status"] == "match" and not r.get("frames")]
        out("")
        out("replay summary (%s, %.1f s): %d traces, %d replay matching, %d mismatching, "
            "%d other; %d frames checked, %d matching traces have no frame to check" % (
                n, runs[n].get("replay_wall_s", 0), traced, len(st.get("match", [])),
                len(st.get("mismatch", [])),
                traced - len(st.get("match", [])) - len(st.get("mismatch", [])), frames,
                len(frameless)))
        for status in sorted(st):
            if status == "match":
                continue
            out("  %s (%d):" % (status, len(st[status])))
            for t in st[status]:
                summary = next((r["summary"] for r in reps if r["name"] == t), "")
                out("    %s%s" % (t, "  [%s]" % summary if summary else ""))
        if st.get("match") and len(st["match"]) <= 40:
            out("  match (%d): %s" % (len(st["match"]), ", ".join(st["match"])))
    if meta.get("build_changed"):
        out("")
        out("warning: rebuilt during the run, so the results mix two builds: "
            + ", ".join(meta["build_changed"]))
    out("")
    out("verdict: %s%s" % ("OK" if verdict["ok"] else "NOT OK",
                           "" if verdict["ok"] else " - " + "; ".join(verdict["problems"])))
    if verdict["regressions"]:
        out("regressions vs %s: %s" % (verdict["baseline"],
                                       ", ".join(verdict["regressions"][:20])
                                       + (" ..." if len(verdict["regressions"]) > 20 else "")))

# ---------------------------------------------------------------------------------------------
# Entry points


def find_list(spec):
    """A list file path, or a name of one in tests/piglit ('smoke' -> smoke.txt)."""
    if os.path.exists(spec):
        return os.path.abspath(spec)
    for cand in (os.path.join(LIST_DIR, spec), os.path.join(LIST_DIR, spec + ".txt")):
        if os.path.exists(cand):
            return cand
    raise FileNotFoundError("no piglit list %s (looked in %s)" % (spec, LIST_DIR))


def run_lists(list_path, renderers, jobs=2, timeout=60, capture=None, profile="quick",
              platform="surfaceless_egl", filters=(), sample=None, work_dir=None, cache_dir=None,
              verbose=False, replay_timeout=300, log=print, known=None, differential=False,
              host_api=None):
    """Resolves the list, runs each renderer in turn and returns (runs, meta, verdict). With
    capture and differential, every trace is also replayed on upstream virglrenderer."""
    for r in renderers:
        if r not in RENDERERS:
            raise ValueError("unknown renderer %s (one of %s)" % (r, ", ".join(RENDERERS)))
    if capture and "vgl" not in renderers:
        raise ValueError("--capture needs the vgl renderer")
    tests = select(resolve(list_path, profile, cache_dir, log), filters, sample)
    if not tests:
        raise ValueError("no tests selected")
    work_dir = os.path.abspath(work_dir) if work_dir else E.work_dir("piglit")
    os.makedirs(work_dir, exist_ok=True)
    if capture:
        capture = os.path.abspath(capture)
        os.makedirs(capture, exist_ok=True)
    first = tests[0]["argv"][0]
    piglit_dir = os.path.dirname(os.path.dirname(first))
    before = _build_stamp()
    runs = {}
    for r in renderers:
        test_cwd = os.path.join(work_dir, "cwd-" + r)
        os.makedirs(test_cwd, exist_ok=True)
        opts = {"jobs": jobs, "timeout": timeout, "platform": platform, "piglit_dir": piglit_dir,
                "capture": capture if r == "vgl" else None, "work_dir": work_dir,
                "test_cwd": test_cwd, "verbose": verbose, "replay_timeout": replay_timeout,
                "differential": differential, "host_api": host_api}
        log("[%s] %d tests%s" % (r, len(tests), " through virgl-capture into " + capture
                                 if opts["capture"] else ""))
        runs[r] = run_renderer(r, tests, opts)
        log("[%s] done in %.1f s" % (r, runs[r]["wall_s"]))
    meta = {"list": list_path, "profile": profile, "platform": platform, "jobs": jobs,
            "host_api": host_api,
            "timeout": timeout, "work_dir": work_dir, "capture": capture,
            "renderers": list(renderers),
            "build_changed": [p for p, st in _build_stamp().items() if st != before.get(p)]}
    return runs, meta, evaluate(runs, known=known)


def _build_stamp():
    """(mtime, size) of our programs, to notice a rebuild during a run."""
    out = {}
    for p in (E.SERVER, E.CAPTURE, E.REPLAY):
        try:
            st = os.stat(p)
            out[p] = (st.st_mtime_ns, st.st_size)
        except OSError:
            out[p] = None
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Run a piglit test list through native llvmpipe, the reference "
        "virgl_test_server and/or our virgl-vtest-server (each in a private mount namespace), "
        "and compare. Exit status 0 when every test that passes on the reference (else native) "
        "also passes on vgl, except version skips, our server never crashed and, with "
        "--capture, every trace replays; with one renderer: when nothing fails, crashes or "
        "times out. See docs/piglit.md.")
    ap.add_argument("list", help="test list file, or a name in tests/piglit (smoke, ci, ...)")
    ap.add_argument("-r", "--renderer", action="append", default=[],
                    help="native, reference or vgl; repeat or comma-separate for a comparison "
                    "(default: vgl)")
    ap.add_argument("--capture", metavar="DIR",
                    help="run each vgl test through virgl-capture into DIR/<test>.vgz, then "
                    "replay each trace with virgl-replay")
    ap.add_argument("-j", "--jobs", type=int, default=2, help="tests in parallel (default 2)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per test (default 60)")
    ap.add_argument("--replay-timeout", type=int, default=300,
                    help="seconds per replay (default 300)")
    ap.add_argument("--json", metavar="FILE", help="write every per-test result to FILE")
    ap.add_argument("--profile", default="quick", help="piglit profile (default quick)")
    ap.add_argument("--platform", default="surfaceless_egl",
                    help="PIGLIT_PLATFORM (default surfaceless_egl)")
    ap.add_argument("-t", "--filter", action="append", default=[], metavar="REGEX",
                    help="only tests whose name matches (repeatable)")
    ap.add_argument("--sample", type=int, metavar="N",
                    help="only N tests, spread evenly over the (filtered) list")
    ap.add_argument("--work-dir", help="server logs and test working directories "
                    "(default: a new directory under BUILD/e2e-work)")
    ap.add_argument("--cache-dir", help="where resolved lists are cached (default BUILD/"
                    "piglit-cache)")
    ap.add_argument("--print-cmds", action="store_true",
                    help="print each selected test's name and command, run nothing")
    ap.add_argument("--host-api", choices=("gl", "gles"),
                    help="the renderers' host API: our server and virgl-capture get VGL_HOST_API, "
                    "the reference gets --use-gles for gles (default: each one's own choice)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per test")
    ap.add_argument("--known", default=KNOWN_FILE, metavar="FILE",
                    help="known differences from the baseline, 'NAME :: REASON' per line "
                    "(default tests/e2e/piglit-known.txt; '' for none)")
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)

    renderers = [r for spec in (args.renderer or ["vgl"]) for r in spec.split(",") if r]
    if args.host_api:
        os.environ["VGL_HOST_API"] = args.host_api      # our server and virgl-capture inherit it
    if not piglit_available():
        print("piglit is not installed", file=sys.stderr)
        return 77
    if "reference" in renderers and not reference_available():
        print("%s is not installed (Debian package virgl-server)" % E.REFERENCE_SERVER,
              file=sys.stderr)
        return 77
    list_path = find_list(args.list)
    if args.print_cmds:
        for t in select(resolve(list_path, args.profile, args.cache_dir), args.filter,
                        args.sample):
            print("%s ::: %s" % (t["name"], " ".join(t["argv"])))
        return 0
    runs, meta, verdict = run_lists(list_path, renderers, args.jobs, args.timeout, args.capture,
                                    args.profile, args.platform, args.filter, args.sample,
                                    args.work_dir, args.cache_dir, args.verbose,
                                    args.replay_timeout, known=load_known(args.known),
                                    host_api=args.host_api)
    report(runs, meta, verdict)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "verdict": verdict, "runs": runs}, f, indent=1)
        print("per-test results: %s" % args.json)
    return 0 if verdict["ok"] else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; every server and test this run started has been stopped",
              file=sys.stderr)
        sys.exit(130)
