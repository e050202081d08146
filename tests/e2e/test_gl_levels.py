# SPDX-License-Identifier: MIT
"""What GL a real guest gets through our server: GL 3.3 core and compatibility and GLES 3.0 on a
host that honours them, and each lower level when the server hides a host feature
(VGL_HIDE_FEATURES), as wflinfo (waffle-utils) reports it through Mesa's virgl driver."""
import os
import re
import shutil
import subprocess

import pytest

import vgl_env as E

pytestmark = [
    pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host"),
    pytest.mark.skipif(not shutil.which("wflinfo"), reason="wflinfo (waffle-utils) missing"),
]

# Plain "-a gl" gets the compatibility (or pre-3.2 legacy) context; waffle asks for a core profile
# only from GL 3.2 on.
REQUESTS = {
    "compat": ["-a", "gl"],
    "core": ["-a", "gl", "--profile", "core"],
    "gles3": ["-a", "gles3"],
}


def probe(work, hide):
    """{request: version string or None} through a server started with VGL_HIDE_FEATURES=hide."""
    log = os.path.join(work, "server-%s.log" % (hide or "none"))
    env = dict(os.environ)
    env["VGL_HIDE_FEATURES"] = hide
    old = os.environ.get("VGL_HIDE_FEATURES")
    os.environ["VGL_HIDE_FEATURES"] = hide
    try:
        server = E.start_server(log)
    finally:
        if old is None:
            del os.environ["VGL_HIDE_FEATURES"]
        else:
            os.environ["VGL_HIDE_FEATURES"] = old
    got = {}
    try:
        for name, args in REQUESTS.items():
            r = subprocess.run(["wflinfo", "-p", "surfaceless_egl"] + args, env=E.guest_env(),
                               capture_output=True, text=True, timeout=120)
            m = re.search(r"OpenGL version string: (.*)", r.stdout)
            got[name] = m[1].strip() if m else None
    finally:
        E.stop_server(server)
    return got, open(log).read()


# (hidden features, compat, core, GLES): protocol-facts §5.4. Below GL 3.2 there is no core
# profile; GLES 3.0 needs uniform buffers.
CASES = [
    ("", "3.3 (Compatibility Profile)", "3.3 (Core Profile)", "OpenGL ES 3.0"),
    ("dual_src", "3.2 (Compatibility Profile)", "3.2 (Core Profile)", "OpenGL ES 3.0"),
    ("gs", "3.1 Mesa", None, "OpenGL ES 3.0"),
    ("ubo", "3.0 Mesa", None, None),
    ("cond_render", "2.1 Mesa", None, None),
]


def session(work):
    return [(case, probe(work, case[0])) for case in CASES]


def test_guest_gl_levels():
    work = E.work_dir("gl-levels")
    results = E.run_in_private_tmp(session, work)
    for (hide, compat, core, gles), (got, log) in results:
        where = "VGL_HIDE_FEATURES=%r: got %r\n%s" % (hide, got, log[-1500:])
        assert got["compat"] and got["compat"].startswith(compat), where
        if core:
            assert got["core"] and got["core"].startswith(core), where
        else:
            assert got["core"] is None, where
        if gles:
            assert got["gles3"] and got["gles3"].startswith(gles), where
        else:
            assert got["gles3"] is None, where
        # the server names what keeps the next level out
        if hide:
            assert re.search(r"caps: the guest gets GL [\d.]+, not [\d.]+: %s is hidden"
                             % hide.split(",")[0], log), where


GUEST_GL33 = os.path.join(E.BUILD_DIR, "tests/guest/vgl-guest-gl33")


def gl33_session(work, reference):
    log = os.path.join(work, "server-%s.log" % ("reference" if reference else "vgl"))
    server = E.start_reference_server(log) if reference else E.start_server(log)
    try:
        r = subprocess.run([GUEST_GL33], env=E.guest_env(), capture_output=True, text=True,
                           timeout=300)
    finally:
        E.stop_server(server)
    return r.returncode, r.stdout, r.stderr, open(log).read()


def test_gl33_guest_program_through_both_renderers():
    """Our GL 3.3 core program checks its own results through our server; where the reference
    server is installed, its read-backs are byte for byte the reference's."""
    work = E.work_dir("gl33-guest")
    rc, out, err, log = E.run_in_private_tmp(gl33_session, work, False)
    assert rc == 0 and "all steps correct" in out, out + err + log[-2000:]
    assert "GL_VERSION: 3.3 (Core Profile)" in err, err
    ours = [l for l in out.splitlines() if "crc32=" in l]
    assert len(ours) == 9, out
    if not shutil.which("virgl_test_server"):
        pytest.skip("virgl_test_server (Debian's virgl-server) not installed: ours checked alone")
    rc, out, err, log = E.run_in_private_tmp(gl33_session, work, True)
    assert rc == 0, out + err + log[-2000:]
    assert [l for l in out.splitlines() if "crc32=" in l] == ours
