# SPDX-License-Identifier: MIT
"""Broken trace files: every tool that reads traces, on a deterministic corpus of cut,
bit-flipped, spliced and forged copies of the bundled traces (broken_traces.py) and the small
files checked in under tests/data/broken-traces/.

The rules (docs/trace-format.md, the EXIT STATUS of the man pages): a file cut inside its header
or a chunk, or damaged anywhere, makes every tool exit 2 with a message naming the byte offset of
the damage (0 for the file header, else the chunk's offset), after doing whatever it can with the
chunks before it; a file that ends between two chunks is a valid but interrupted trace, read
whole, with a warning from virgl-replay. No tool may die of a signal, report a sanitizer error,
hang, or need more memory than it needs for a good trace plus a margin below one maximal chunk."""
import concurrent.futures
import glob
import os
import re
import signal
import subprocess
import time

import pytest

import broken_traces as B
import vgl_env as E

DATA_DIR = os.path.join(os.path.dirname(__file__), "../data/broken-traces")
TIMEOUT = 60
# One chunk may decompress to 64 MiB: a tool that allocated and touched that for a forged header
# would be over this margin above its peak on a good trace.
RSS_MARGIN_KB = 16 * 1024
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:")


def commands(path, good, work, i):
    """The tool invocations for case number i. Each case runs plain replay and every
    virgl-trace command; the rarer variants alternate between cases."""
    sums = os.path.join(work, "out-%d.sums" % i)
    cmds = {
        "replay": [E.REPLAY, path],
        "info": [E.TRACE_TOOL, "info", "--json" if i % 2 else "", path],
        "dump": [E.TRACE_TOOL, "dump", "--json" if i % 2 == 0 else "", path],
        "diff": [E.TRACE_TOOL, "diff"] + ([path, good] if i % 2 else [good, path]),
        "trim": [E.TRACE_TOOL, "trim", path, "--frames", "0-0", "-o",
                 os.path.join(work, "trim-%d.vgz" % i)],
    }
    if B.version_of(open(good, "rb").read(24)) >= 2:
        # times are untrusted: pacing by them must neither hang nor wrap
        cmds["replay --pace recorded"] = [E.REPLAY, "--pace", "recorded", path]
    if i % 2:
        cmds["replay --checksums"] = [E.REPLAY, "--checksums", sums, path]
    else:
        cmds["replay --compare"] = [E.REPLAY, "--compare", good + ".sums", path]
    return {k: [a for a in v if a] for k, v in cmds.items()}


TIME = "/usr/bin/time"


def run_measured(args, rss_file):
    """Run args, killed after TIMEOUT s: (exit status or -signal, stdout, stderr, peak RSS in
    KiB, timed out). GNU time measures the tool alone: a child forked from this Python process
    would count the interpreter's pages as its own."""
    timed = os.path.exists(TIME)
    if timed:
        args = [TIME, "-f", "%M", "-o", rss_file] + args
    # glibc fills every new allocation: memory set aside for a forged size becomes resident,
    # so the RSS bound sees it (meson test sets this too, with a random value)
    env = dict(os.environ, VGL_EXIT_UNTESTABLE="77", MALLOC_PERTURB_="165")
    # In the sanitizer build, ASan reports come back on stderr (the stage sends them to files), so
    # that each tool run is checked on its own
    if "ASAN_OPTIONS" in env:
        env["ASAN_OPTIONS"] += ":log_path=stderr"
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        timed_out = True
    rc, rss = proc.returncode, 0
    if timed and not timed_out:
        text = open(rss_file).read()
        m = re.search(r"terminated by signal (\d+)", text)
        if m:
            rc = -int(m[1])
        rss = int(text.split()[-1])
    return rc, out.decode(errors="replace"), err.decode(errors="replace"), rss, timed_out


MUTATE = os.path.join(E.BUILD_DIR, "tools/vgl-trace-mutate")
GOOD = ("draw", "clear-blit", "draw-v2")


def all_cases(work):
    cases = []
    # the bundled traces are version 1; draw-v2 is a version 2 copy of draw, a record a ms
    v2 = os.path.join(work, "draw-v2.vgz")
    subprocess.run([MUTATE, "--retime", os.path.join(E.TRACES_DIR, "draw.vgz"), v2, "1000000"],
                   check=True, timeout=TIMEOUT)
    for name in GOOD:
        src = os.path.join(E.TRACES_DIR, name + ".vgz") if name != "draw-v2" else v2
        good = open(src, "rb").read()
        copy = os.path.join(work, name + ".vgz")
        if copy != src:
            open(copy, "wb").write(good)
        for case in B.corpus(name, good) + B.forged(good):
            cases.append((copy,) + case)
    for path in sorted(glob.glob(os.path.join(DATA_DIR, "*.vgz"))):
        data = open(path, "rb").read()
        kind, off = B.verdict(data)
        m = re.search(r"-at-(\d+)-(truncated|corrupt)\.vgz$", path)
        if m:  # forged files state their verdict in their name
            kind, off = m[2], int(m[1])
        name = "data-" + os.path.basename(path)[:-4]
        cases.append((os.path.join(work, "clear-blit.vgz"), name, data, kind, off))
    return cases


def check(case, i, work, baseline):
    good, name, data, kind, off = case
    path = os.path.join(work, name + ".vgz")
    open(path, "wb").write(data)
    failures, results = [], []
    for tool, args in commands(path, good, work, i).items():
        rc, out, err, rss, timed_out = run_measured(args, path + ".rss")
        results.append((tool, rc, rss))
        where = "%s (%s at byte %d), %s: exit %s\n%s%s" % (name, kind, off, tool, rc, out[-1500:],
                                                           err[-1500:])
        if timed_out:
            failures.append("timed out: " + where)
            continue
        if rc < 0 or SANITIZER.search(err):
            failures.append("crashed: " + where)
            continue
        if rss > baseline[tool.split()[0]] + RSS_MARGIN_KB:
            failures.append("max RSS %d KiB: %s" % (rss, where))
        if kind != "clean":
            if rc != 2 or not re.search(r"\bbyte %d\b" % off, err):
                failures.append("expected exit 2 naming byte %d: %s" % (off, where))
            continue
        # a clean prefix: read whole, interrupted
        if tool == "replay":
            ok = rc == 0 and "warning: the trace has no END record" in err
        elif tool == "replay --compare":
            ok = rc == 0 or (rc == 1 and "MISSING" in out)
        elif tool == "diff":
            ok = rc == 1  # the good trace has more (at least its END record)
        elif tool == "trim":
            ok = rc == 0 or (rc == 2 and "has no frame" in err)
        else:
            ok = rc == 0
        if not ok:
            failures.append("clean prefix: " + where)
    return failures, results


def test_every_tool_refuses_broken_traces_with_the_offset():
    if not E.host_has_gl():
        pytest.skip("no EGL/GL device on this host")
    work = E.work_dir("broken")
    cases = all_cases(work)
    baseline = {}
    for name in GOOD:
        good = os.path.join(work, name + ".vgz")
        r = subprocess.run([E.REPLAY, "--checksums", good + ".sums", good], capture_output=True,
                           text=True, timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        for tool, args in commands(good, good, work, 0).items():
            rc, _o, err, rss, _t = run_measured(args, good + ".rss")
            assert rc == 0, (tool, err)
            baseline[tool.split()[0]] = max(baseline.get(tool.split()[0], 0), rss)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda a: check(a[1], a[0], work, baseline), enumerate(cases)))
    failures = [f for fs, _r in outcomes for f in fs]
    per_tool = {}
    for (case, (_f, results)) in zip(cases, outcomes):
        for tool, rc, rss in results:
            t = per_tool.setdefault(tool, {"runs": 0, "exit": {}, "max_rss_kb": 0})
            t["runs"] += 1
            t["exit"][rc] = t["exit"].get(rc, 0) + 1
            t["max_rss_kb"] = max(t["max_rss_kb"], rss)
    kinds = {}
    for case in cases:
        kinds[case[3]] = kinds.get(case[3], 0) + 1
    print("\nbroken corpus: %d files %s; baseline max RSS %s KiB" % (len(cases), kinds, baseline))
    for tool, t in sorted(per_tool.items()):
        print("  %-20s %4d runs, exits %s, max RSS %d KiB" % (tool, t["runs"], t["exit"],
                                                              t["max_rss_kb"]))
    assert not failures, "%d failures, first ones:\n%s" % (len(failures),
                                                          "\n\n".join(failures[:5]))
    assert kinds.get("truncated") and kinds.get("corrupt") and kinds.get("clean")
