# SPDX-License-Identifier: MIT
"""virgl-trace info, dump and diff: output of the bundled trace against checked-in expectations
(tests/e2e/expected/, see its README), ranges, JSON, exit statuses, damaged traces, and diff of
fresh captures. Set VGL_UPDATE_EXPECTED=1 to rewrite the expectations from the tool."""
import json
import os
import re
import subprocess

import pytest

import vgl_env as E

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
EXPECTED = os.path.join(os.path.dirname(__file__), "expected")
TRACE = "traces/clear-blit.vgz"  # relative to ROOT, so the path printed is the same everywhere
MUTATE = os.path.join(E.BUILD_DIR, "tools/vgl-trace-mutate")
DAMAGED = re.compile(r"damaged at byte (\d+)")


def tool(*args):
    return subprocess.run([E.TRACE_TOOL, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


CASES = [
    ("info.txt", ["info", TRACE]),
    ("info.json", ["info", "--json", TRACE]),
    ("dump.txt", ["dump", TRACE]),
    ("dump.jsonl", ["dump", "--json", TRACE]),
    ("dump-calls-8-10.txt", ["dump", "--calls", "8-10", TRACE]),
    ("dump-calls-45-.txt", ["dump", "--calls", "45-", TRACE]),
    ("dump-frames-4.txt", ["dump", "--frames", "4", TRACE]),
    ("dump-frames-5-6.jsonl", ["dump", "--frames", "5-6", "--json", TRACE]),
]


@pytest.mark.parametrize("name,args", CASES, ids=[c[0] for c in CASES])
def test_output_matches_expected(name, args):
    r = tool(*args)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    path = os.path.join(EXPECTED, name)
    if os.environ.get("VGL_UPDATE_EXPECTED"):
        with open(path, "w") as f:
            f.write(r.stdout)
    with open(path) as f:
        assert r.stdout == f.read(), "virgl-trace %s differs from %s" % (" ".join(args), path)


def test_info_json_is_one_object():
    info = json.loads(tool("info", "--json", TRACE).stdout)
    assert info["format_version"] == 1
    assert info["frames"] == 7
    assert info["contexts"] == ["vgl-guest-clear"]
    assert info["caps"]["set"] == 2 and info["caps"]["glsl_level"] > 0
    assert info["records"]["SUBMIT"] == 10
    assert info["commands"]["CLEAR"]["count"] == 6
    assert info["guest_bytes_uploaded"] == 1024
    assert len(info["largest_frames"]) == 5
    assert "error" not in info


def test_dump_json_lines_parse_and_number_calls():
    lines = [json.loads(l) for l in tool("dump", "--json", TRACE).stdout.splitlines()]
    calls = [l["call"] for l in lines if "record" in l and l["call"] is not None]
    assert calls == list(range(len(calls))) and len(calls) == 50
    cmds = [l for l in lines if "command" in l]
    assert all(isinstance(c["call"], int) and "dword_offset" in c for c in cmds)
    shaders = [c for c in cmds if c["command"] == "CREATE_OBJECT" and c["object"] == "SHADER"]
    assert shaders and all(c["text"].startswith(("VERT", "FRAG")) for c in shaders)
    frames = [l for l in lines if l.get("record") == "FRAME"]
    assert [f["frame"] for f in frames] == list(range(7))


def test_ranges_select_calls_and_frames():
    out = tool("dump", "--calls", "5", TRACE).stdout.splitlines()
    assert [l.split()[0] for l in out] == ["5"]
    # frame 1: the calls after frame 0's FRAME record, up to and including its read-back
    out = tool("dump", "--frames", "1", TRACE).stdout.splitlines()
    calls = [l.split()[0] for l in out if not l.startswith((" ", "-"))]
    assert calls == [str(i) for i in range(11, 16)]
    assert out[-1].startswith("- frame=1 FRAME ") and "crc32=5af769c3" in out[-1]
    both = tool("dump", "--frames", "1", "--calls", "13-", TRACE).stdout.splitlines()
    assert both[0].startswith("13 frame=1 SUBMIT")


@pytest.mark.parametrize("sub", ["info", "dump", "diff"])
def test_help_version_and_bad_usage(sub):
    r = tool(sub, "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: virgl-trace " + sub)
    r = tool(sub, "--version")
    assert r.returncode == 0 and re.match(r"virgl-trace %s \d+\.\d+\.\d+$" % sub, r.stdout)
    assert tool(sub).returncode == 2
    assert tool(sub, "--no-such-option", TRACE).returncode == 2


def test_top_level_usage():
    assert tool("--help").returncode == 0
    assert re.match(r"virgl-trace \d+\.\d+\.\d+$", tool("--version").stdout)
    assert tool().returncode == 2
    assert tool("no-such-command").returncode == 2
    for bad in ["x", "5-3", "-", "1-x"]:
        r = tool("dump", "--calls", bad, TRACE)
        assert r.returncode == 2 and "bad range" in r.stderr, bad
    assert tool("info", "/nonexistent.vgz").returncode == 2


def test_dump_names_the_gl33_commands():
    """dump decodes what a GL 3.3 guest sends: uniform buffers, render conditions, geometry
    shaders, stream-output targets and their queries."""
    r = subprocess.run([E.TRACE_TOOL, "dump", os.path.join(ROOT, "traces/gl33.vgz")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    for want in ("SET_UNIFORM_BUFFER stage=VERTEX index=1 offset=0 length=80",
                 "SET_RENDER_CONDITION query_handle=41 condition=0 mode=wait",
                 "BIND_SHADER handle=18 stage=GEOMETRY", "PROPERTY GS_INPUT_PRIMITIVE POINTS",
                 "CREATE_OBJECT STREAMOUT_TARGET", "SET_STREAMOUT_TARGETS", "EMIT IMM"):
        assert want in r.stdout, want


def test_diff_with_itself_is_equivalent():
    r = tool("diff", TRACE, TRACE)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout == "equivalent: 50 calls, 7 frames\n"


def test_diff_names_the_first_changed_command():
    work = E.work_dir("trace-diff")
    clear = [json.loads(l) for l in tool("dump", "--json", "--calls", "13", TRACE).stdout.splitlines()
             if '"CLEAR"' in l][0]
    assert clear["color"] == [0, 1, 0, 1]
    changed = os.path.join(work, "changed.vgz")
    # dword 1 of CLEAR is color[0]: 0.5f
    subprocess.run([MUTATE, os.path.join(ROOT, TRACE), changed, "13",
                    str(clear["dword_offset"] + 2), str(0x3F000000)], check=True)
    r = tool("diff", TRACE, changed)
    assert r.returncode == 1, r.stdout + r.stderr
    assert r.stdout.startswith("traces differ at call 13 (A) / call 13 (B)\n"), r.stdout
    assert "13.2 CLEAR buffers=0x4 color=0,1,0,1 " in r.stdout
    assert "13.2 CLEAR buffers=0x4 color=0.5,1,0,1 " in r.stdout


def test_damaged_trace_reports_byte_offset():
    work = E.work_dir("trace-damaged")
    cut = os.path.join(work, "cut.vgz")
    data = open(os.path.join(ROOT, TRACE), "rb").read()
    with open(cut, "wb") as f:
        f.write(data[: len(data) * 2 // 3])
    offsets = set()
    for args in (["info", cut], ["info", "--json", cut], ["dump", cut], ["diff", TRACE, cut],
                 ["diff", cut, TRACE]):
        r = tool(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        m = DAMAGED.search(r.stderr)
        assert m and cut in r.stderr, r.stderr
        offsets.add(int(m[1]))
        if args[0] != "diff":
            assert r.stdout, "nothing printed before the damage"
    assert len(offsets) == 1 and 24 <= offsets.pop() < len(data) * 2 // 3
    info = json.loads(tool("info", "--json", cut).stdout)
    assert info["error"]["offset"] > 0 and info["frames"] < 7
    assert tool("dump", "--calls", "0-3", cut).stdout.splitlines()[0].startswith("- frame=0 INFO")


def capture(path):
    r = subprocess.run([E.CAPTURE, "-o", path, "--", E.GUEST], capture_output=True, text=True,
                       timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not os.path.exists(E.GUEST), reason="no guest program")
def test_diff_two_captures_of_the_same_program():
    if not E.host_has_gl():
        pytest.skip("no EGL/GL device on this host")
    work = E.work_dir("trace-captures")
    a, b = os.path.join(work, "a.vgz"), os.path.join(work, "b.vgz")
    capture(a)
    capture(b)
    r = tool("diff", a, b)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.startswith("equivalent: ")
    info = json.loads(tool("info", "--json", a).stdout)
    assert info["frames"] >= 4 and info["clean_end"]
