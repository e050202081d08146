# SPDX-License-Identifier: MIT
"""virgl-replay's selection, speed, profiling and leak options, progress on a terminal, and
virgl-trace trim, on the bundled traces (traces/manifest.yml holds their frame checksums)."""
import json
import os
import re
import subprocess

import pytest

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

MANIFEST = E.manifest()
FRAME_LINE = re.compile(r"^frame (\d+): (\d+)x(\d+) format (\d+) crc32 ([0-9a-f]{8}) ok$", re.M)


def trace(name):
    return os.path.join(E.TRACES_DIR, name)


def replay(*args, timeout=300):
    return subprocess.run([E.REPLAY, *args], capture_output=True, text=True, timeout=timeout)


def frames_of(stdout):
    return {int(i): (int(w), int(h), int(f), c) for i, w, h, f, c in FRAME_LINE.findall(stdout)}


def expected(name, first, last):
    return {i: v for i, v in MANIFEST[name].items() if first <= i <= last}


@pytest.mark.parametrize("name,rng,first,last", [
    ("draw.vgz", "2-4", 2, 4), ("draw.vgz", "6", 6, 6), ("draw.vgz", "5-", 5, 7),
    ("clear-blit.vgz", "0-1", 0, 1)])
def test_frames_range_checks_only_those_frames(name, rng, first, last):
    r = replay("-v", "--frames", rng, trace(name))
    assert r.returncode == 0, r.stderr
    assert frames_of(r.stdout) == expected(name, first, last)
    assert f"frames: {last - first + 1} ({last - first + 1} matched, 0 mismatched)" in r.stdout
    # replay stops after the last selected frame: no warning about a missing END record
    assert "no END record" not in r.stderr


def test_calls_range_selects_frames_by_their_read_back_call():
    # numbering: virgl-trace dump prints each call's index and frame; pick the read-back calls
    dump = subprocess.run([E.TRACE_TOOL, "dump", "--json", trace("draw.vgz")],
                          capture_output=True, text=True, timeout=300)
    assert dump.returncode == 0, dump.stderr
    reads = [json.loads(l) for l in dump.stdout.splitlines() if '"TRANSFER_READ"' in l]
    reads = [o for o in reads if o.get("call") is not None]
    assert len(reads) == 8
    a, b = reads[2]["call"], reads[4]["call"]
    r = replay("-v", "--calls", f"{a}-{b}", trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    assert frames_of(r.stdout) == expected("draw.vgz", 2, 4)


@pytest.mark.parametrize("bad", ["x", "3-1", "-2", "1-x", ""])
def test_bad_ranges_are_usage_errors(bad):
    r = replay("--frames", bad, trace("draw.vgz"))
    assert r.returncode == 2 and "bad frame range" in r.stderr


def test_benchmark_reports_frame_times_and_takes_no_snapshots():
    snap = os.path.join(E.work_dir("bench"), "snap")
    r = replay("--benchmark", "--loop", "3", "--snapshot", snap, trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    assert "benchmark: 24 frames" in r.stdout
    m = re.search(r"frames/s: min ([\d.]+) median ([\d.]+) max ([\d.]+)", r.stdout)
    assert m and 0 < float(m[1]) <= float(m[2]) <= float(m[3])
    m = re.search(r"frame cpu ms: min ([\d.]+) median ([\d.]+) max ([\d.]+)", r.stdout)
    assert m and float(m[1]) <= float(m[2]) <= float(m[3])
    assert not os.path.exists(snap) or not os.listdir(snap)


def test_benchmark_without_read_backs_reports_run_rates():
    # calls 0-16 hold the first submit (call 14) but not its read-back (call 17)
    r = replay("--benchmark", "--calls", "0-16", trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    assert "frames: 0" in r.stdout and "benchmark: no frames" in r.stdout
    m = re.search(r"run: ([\d.]+) ms wall, ([\d.]+) ms CPU \(([\d.]+) cores\); ([\d.]+) "
                  r"submits/s, ([\d.]+) M command dwords/s", r.stdout)
    assert m, r.stdout
    assert float(m[1]) > 0 and float(m[2]) > 0 and float(m[4]) > 0 and float(m[5]) > 0
    assert "calls: 17 (1 submits, 1573 dwords)" in r.stdout


def test_loop_replays_in_one_process_with_identical_checksums():
    r = replay("-v", "--loop", "4", trace("clear-blit.vgz"))
    assert r.returncode == 0, r.stderr
    assert "loop: 4 iterations, frame checksums identical" in r.stdout
    assert len(FRAME_LINE.findall(r.stdout)) == 4 * len(MANIFEST["clear-blit.vgz"])


def test_profile_is_valid_trace_event_json():
    out = os.path.join(E.work_dir("profile"), "p.json")
    r = replay("--profile", out, trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    assert "commands by wall time" in r.stdout and "DRAW_VBO" in r.stdout
    events = json.load(open(out))["traceEvents"]
    cats = {}
    for e in events:
        for key in ("name", "ph", "pid", "tid"):
            assert key in e, e
        assert e["ph"] in ("X", "C", "M"), e
        if e["ph"] != "M":
            assert isinstance(e["ts"], (int, float)) and e["ts"] >= 0, e
        if e["ph"] == "X":
            assert isinstance(e["dur"], (int, float)) and e["dur"] >= 0, e
            cats[e["cat"]] = cats.get(e["cat"], 0) + 1
        if e["ph"] == "C":
            assert all(isinstance(v, (int, float)) for v in e["args"].values())
    assert cats["call"] == 64  # one slice per call of the trace
    assert cats["frame"] == 8
    assert cats["command"] >= cats["call"] and cats["gpu"] > 0
    draws = [e for e in events if e.get("cat") == "command" and e["name"] == "DRAW_VBO"]
    assert len(draws) == 16 and all(e["args"]["gpu_us"] >= 0 for e in draws)
    uploads = [e["args"]["bytes"] for e in events if e["ph"] == "C"]
    assert uploads == sorted(uploads) and uploads[-1] == 2124


def test_leaks_lists_what_the_guest_left_and_checks_the_renderer():
    r = replay("--leaks", "--loop", "2", trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    # Mesa leaves one sampler view for context teardown, in each iteration
    assert r.stdout.count("leak: context 1: sub-context 1: SAMPLER_VIEW 6 created by call 14") == 2
    assert "renderer clean after teardown" in r.stdout


def test_leaks_of_a_gl33_trace():
    """The GL 3.3 program frees what it made: no guest leak, and the renderer is clean after its
    teardown (uniform buffers, a geometry shader, queries, stream-output targets, buffer views)."""
    r = replay("--leaks", "--loop", "2", trace("gl33.vgz"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert ("leaks: 0 guest resources/objects left for context teardown; "
            "renderer clean after teardown") in r.stdout, r.stdout
    assert "leak:" not in r.stdout and "loop: 2 iterations, frame checksums identical" in r.stdout


def test_progress_only_on_a_terminal():
    quiet = replay(trace("draw.vgz"))
    assert "\r" not in quiet.stderr and "ETA" not in quiet.stderr
    try:
        master, slave = os.openpty()
    except OSError as e:  # no /dev/pts (e.g. a bare chroot)
        pytest.skip("no pseudo-terminal: %s" % e)
    proc = subprocess.Popen([E.REPLAY, trace("draw.vgz")], stdout=subprocess.DEVNULL,
                            stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO once the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=300) == 0
    shown = b"".join(chunks).decode(errors="replace")
    assert "frame 8/8 (100%)" in shown and "ETA" in shown


@pytest.mark.parametrize("name,rng,first,last", [
    ("draw.vgz", "3-5", 3, 5), ("draw.vgz", "6", 6, 6), ("draw.vgz", "4-", 4, 7),
    ("draw.vgz", "0-1", 0, 1), ("clear-blit.vgz", "5-6", 5, 6), ("clear-blit.vgz", "3", 3, 3),
    # GL 3.3: the prologue re-creates uniform buffers, a geometry shader bound to its stage,
    # integer and array textures, multisampled surfaces and a render condition's query
    ("gl33.vgz", "0", 0, 0), ("gl33.vgz", "2", 2, 2), ("gl33.vgz", "3-4", 3, 4),
    ("gl33.vgz", "5", 5, 5), ("gl33.vgz", "7", 7, 7)])
def test_trimmed_trace_replays_standalone(name, rng, first, last):
    out = os.path.join(E.work_dir("trim"), "t.vgz")
    t = subprocess.run([E.TRACE_TOOL, "trim", trace(name), "--frames", rng, "-o", out],
                       capture_output=True, text=True, timeout=300)
    assert t.returncode == 0, t.stderr
    r = replay("-v", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert frames_of(r.stdout) == expected(name, first, last)
    assert "differ" not in r.stderr and "returned" not in r.stderr
    info = subprocess.run([E.TRACE_TOOL, "info", out], capture_output=True, text=True)
    assert info.returncode == 0 and f"trimmed_from" in info.stdout


@pytest.mark.parametrize("rng,first", [("9-10", 9), ("8-8", 8), ("8", 8)])
def test_trim_refuses_frames_the_trace_lacks(rng, first):
    """draw.vgz has frames 0-7: a range from 8 on, one past the last, is refused too."""
    out = os.path.join(E.work_dir("trim"), "t.vgz")
    t = subprocess.run([E.TRACE_TOOL, "trim", trace("draw.vgz"), "--frames", rng, "-o", out],
                       capture_output=True, text=True, timeout=300)
    assert t.returncode == 2 and "no frame %d" % first in t.stderr, t.stderr


@pytest.mark.parametrize("prog", ["replay", "trace"])
def test_help_and_version(prog):
    exe = E.REPLAY if prog == "replay" else E.TRACE_TOOL
    h = subprocess.run([exe, "--help"], capture_output=True, text=True)
    assert h.returncode == 0 and "Usage:" in h.stdout
    v = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert v.returncode == 0 and re.search(r"\d+\.\d+\.\d+", v.stdout)
    name = "virgl-replay" if prog == "replay" else "virgl-trace"
    assert os.path.exists(os.path.join(E.TRACES_DIR, "../docs/man", name + ".1.md"))


def test_unreadable_trace_is_bad_input():
    missing = os.path.join(E.work_dir("missing"), "none.vgz")
    assert replay(missing).returncode == 2
    assert replay("--no-such-option", trace("draw.vgz")).returncode == 2


# ---- record times (format version 2), --pace, frame marks ----

MUTATE = os.path.join(E.BUILD_DIR, "tools/vgl-trace-mutate")
STEP_NS = 5_000_000  # the retimed copy: record i at i * 5 ms


def retimed(work, name="draw.vgz"):
    """A version 2 copy of a bundled trace whose record i has the time i * STEP_NS."""
    out = os.path.join(work, "timed-" + name)
    r = subprocess.run([MUTATE, "--retime", trace(name), out, str(STEP_NS)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return out


def frame_log(path):
    return [json.loads(l) for l in open(path)]


def test_pace_hz_starts_frames_at_least_a_period_apart():
    work = E.work_dir("pace-hz")
    log = os.path.join(work, "frames.jsonl")
    r = replay("--pace", "30", "--frame-log", log, trace("draw.vgz"))
    assert r.returncode == 0, r.stderr
    frames = frame_log(log)
    assert [f["frame"] for f in frames] == sorted(MANIFEST["draw.vgz"])
    assert all(f["checked"] and f["match"] for f in frames)
    starts = [f["start_ms"] for f in frames]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # start_ms is printed to 1 us: allow the rounding of two values
    assert min(gaps) >= 1000 / 30 - 0.002, gaps
    assert starts[-1] >= 7 * 1000 / 30 - 0.002


def test_pace_recorded_follows_the_record_times():
    work = E.work_dir("pace-rec")
    timed = retimed(work)
    log = os.path.join(work, "frames.jsonl")
    r = replay("--pace", "recorded", "--frame-log", log, timed)
    assert r.returncode == 0, r.stderr
    frames = frame_log(log)
    assert len(frames) == 8 and all(f["match"] for f in frames)
    # the first record is at 0 and the replay's start: a frame's first call comes after the
    # previous frame's record, so the frame cannot start before that record's time
    for prev, cur in zip(frames, frames[1:]):
        assert cur["start_ms"] >= prev["recorded_ms"] - 0.002, (prev, cur)
    recorded = [f["recorded_ms"] for f in frames]
    assert recorded == sorted(recorded) and recorded[0] > 0
    # unpaced, the same trace runs as fast as it can: the frame log still has the times
    r = replay("--frame-log", log, timed)
    assert r.returncode == 0
    assert [f["recorded_ms"] for f in frame_log(log)] == recorded


def test_pace_recorded_needs_record_times_and_pace_excludes_benchmark():
    r = replay("--pace", "recorded", trace("draw.vgz"))
    assert r.returncode == 2 and "version 1 trace" in r.stderr and "no record times" in r.stderr
    r = replay("--pace", "30", "--benchmark", trace("draw.vgz"))
    assert r.returncode == 2 and "--pace and --benchmark" in r.stderr
    for bad in ("0", "-5", "abc", "nan", "inf", "1e9", ""):
        r = replay("--pace", bad, trace("draw.vgz"))
        assert r.returncode == 2 and "bad pace" in r.stderr, bad


def test_trace_tool_shows_record_times_and_frame_timing():
    work = E.work_dir("times-info")
    timed = retimed(work)
    r = subprocess.run([E.TRACE_TOOL, "info", timed], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "format version: 2" in r.stdout
    # frames end at records 24, 30, 36, 42, 50, 56, 62, 68 of the copy (5 ms apart)
    assert "frame timing: 31.82 frames/s captured over 220.000 ms" in r.stdout, r.stdout
    assert "frame time ms: p50 30.000 p90 40.000 p99 40.000 max 40.000" in r.stdout
    info = json.loads(subprocess.run([E.TRACE_TOOL, "info", "--json", timed],
                                     capture_output=True, text=True, timeout=120).stdout)
    assert info["has_times"] and info["frame_records"] == "FRAME"
    assert info["frame_timing"]["frame_time_ms"]["p50"] == 30.0
    v1 = subprocess.run([E.TRACE_TOOL, "info", trace("draw.vgz")], capture_output=True,
                        text=True, timeout=120)
    assert "frame timing: none (a version 1 trace: its records have no times)" in v1.stdout
    assert json.loads(subprocess.run([E.TRACE_TOOL, "info", "--json", trace("draw.vgz")],
                                     capture_output=True, text=True,
                                     timeout=120).stdout)["frame_timing"] is None
    dump = subprocess.run([E.TRACE_TOOL, "dump", timed], capture_output=True, text=True,
                          timeout=120).stdout.splitlines()
    assert " +0.000ms INFO" in dump[0] and " +5.000ms CONTEXT_CREATE" in dump[1], dump[:2]
    lines = [json.loads(l) for l in subprocess.run(
        [E.TRACE_TOOL, "dump", "--json", timed], capture_output=True, text=True,
        timeout=120).stdout.splitlines()]
    times = [o["time_ns"] for o in lines if o.get("record")]
    assert times[:3] == [0, STEP_NS, 2 * STEP_NS]


def test_trim_keeps_record_times():
    work = E.work_dir("times-trim")
    timed = retimed(work)
    out = os.path.join(work, "trim.vgz")
    r = subprocess.run([E.TRACE_TOOL, "trim", timed, "--frames", "3-4", "-o", out],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr

    def frame_times(path):
        lines = subprocess.run([E.TRACE_TOOL, "dump", "--json", path], capture_output=True,
                               text=True, timeout=120).stdout.splitlines()
        return {o["frame"]: o["time_ns"] for o in map(json.loads, lines)
                if o.get("record") == "FRAME"}

    whole, trimmed = frame_times(timed), frame_times(out)
    assert trimmed == {3: whole[3], 4: whole[4]}
    info = subprocess.run([E.TRACE_TOOL, "info", out], capture_output=True, text=True,
                          timeout=120).stdout
    assert "frame time ms: p50 %.3f" % ((whole[4] - whole[3]) / 1e6) in info, info


def test_profile_has_the_captured_timeline():
    work = E.work_dir("times-profile")
    timed = retimed(work)
    out = os.path.join(work, "profile.json")
    r = replay("--profile", out, timed)
    assert r.returncode == 0, r.stderr
    events = json.load(open(out))["traceEvents"]
    names = {(e["pid"], e["args"]["name"]) for e in events if e["ph"] == "M" and e["tid"] == 0}
    assert names == {(1, "virgl-replay"), (2, "captured")}
    calls = [e for e in events if e["pid"] == 2 and e.get("cat") == "captured" and e["ph"] == "i"]
    frames = [e for e in events if e["pid"] == 2 and e.get("cat") == "captured" and e["ph"] == "X"]
    assert len(calls) == 64 and len(frames) == 8
    # calls at their recorded times, the first record at the replay's start
    ts = [e["ts"] for e in calls]
    assert ts == sorted(ts)
    # frame i spans from frame i-1's recorded time to its own (frame 0 from the first record)
    assert [round(b["ts"] - a["ts"]) for a, b in zip(frames, frames[1:])] == \
        [round(a["dur"]) for a in frames[:-1]]
    assert round(frames[0]["dur"] / 1000) == 120
    assert sorted(round(f["dur"] / 1000) for f in frames[1:]) == [30] * 6 + [40]


def test_frame_marks_are_frames_without_a_check():
    """A trace whose frames are FRAME_MARK records (no read-backs): counted and paced as frames,
    never compared; a CTX_ATTACH warns once on our renderer."""
    work = E.work_dir("marks")
    timed = retimed(work)
    marks = os.path.join(work, "marks.vgz")
    r = subprocess.run([MUTATE, "--marks", timed, marks], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    sums = os.path.join(work, "marks.sums")
    log = os.path.join(work, "frames.jsonl")
    r = replay("-v", "--pace", "30", "--checksums", sums, "--frame-log", log, marks)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "frames: 8 (0 matched, 0 mismatched, 8 frame marks not checked" in r.stdout
    assert "frame 3: flush mark, resource 1: no read-back, not checked" in r.stdout
    assert r.stderr.count("resource shared between contexts: not supported") == 1
    assert [l for l in open(sums) if not l.startswith("#")] == []
    frames = frame_log(log)
    assert [f["frame"] for f in frames] == list(range(8))
    assert not any(f["checked"] for f in frames) and all(f["match"] is None for f in frames)
    starts = [f["start_ms"] for f in frames]
    assert min(b - a for a, b in zip(starts, starts[1:])) >= 1000 / 30 - 0.002
    # against the real checksums: every frame "not compared", none missing, exit 0
    ref = os.path.join(work, "draw.sums")
    assert replay("--checksums", ref, trace("draw.vgz")).returncode == 0
    r = replay("--compare", ref, marks)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 match, 0 within tolerance, 0 differ, 0 missing, 0 new, 8 not compared" in r.stdout
    info = subprocess.run([E.TRACE_TOOL, "info", marks], capture_output=True, text=True,
                          timeout=120).stdout
    assert "frames: 8 (FRAME_MARK records: no read-backs)" in info
    assert "frame timing: 31.82 frames/s" in info
    dump = subprocess.run([E.TRACE_TOOL, "dump", "--frames", "2", marks], capture_output=True,
                          text=True, timeout=120).stdout
    assert "FRAME_MARK ctx=1 res=1 frame=2 source=flush" in dump
    # bisect has no checksums to compare: it says so (untestable) rather than "all agree"
    b = subprocess.run([E.TRACE_TOOL, "bisect", "-o", os.path.join(work, "bisect"), marks],
                       capture_output=True, text=True, timeout=300)
    assert b.returncode == 125 and "marks without read-backs" in b.stderr, b.stdout + b.stderr
