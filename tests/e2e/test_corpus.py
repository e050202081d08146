# SPDX-License-Identifier: MIT
"""virgl-replay --manifest over a corpus: the bundled traces plus piglit captures, one expectation
deliberately wrong. JUnit XML (checked with xmllint and by structure), sharding, --jobs, the HTML
summary in headless Chromium, --update in place, labels, overrides, tolerance with reference
images, fetched traces from a loopback HTTP server, the exit status rules, and the very commands
of docs/ci.md's CI jobs."""
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import threading
import time
import xml.etree.ElementTree as ET

import pytest
import yaml
from PIL import Image

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
TRACES = os.path.join(ROOT, "traces")
PIGLIT_BIN = "/usr/lib/x86_64-linux-gnu/piglit/bin"
# Small piglit tests that read back what they draw (each probe is a frame).
PIGLIT_TESTS = ["fbo-blit", "draw-elements", "fbo-copypix"]
VERDICT = re.compile(r"^\[\d+/\d+\] (\S+): (.*?)(?: \(\d+\.\d s\))?(?:; report .*)?$", re.M)


def replay(*args, cwd=None, env=None):
    return subprocess.run([E.REPLAY, *args], capture_output=True, text=True, timeout=600,
                          cwd=cwd, env=env)


def verdicts(stdout):
    return {name: text for name, text in VERDICT.findall(stdout)}


def junit(path):
    assert subprocess.run(["xmllint", "--noout", path]).returncode == 0
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    cases = suites[0].findall("testcase")
    assert int(root.get("tests")) == int(suites[0].get("tests")) == len(cases)
    for kind in ("failure", "error", "skipped"):
        n = sum(1 for c in cases if c.find(kind) is not None)
        assert int(suites[0].get(kind + "s" if kind != "skipped" else "skipped")) == n
    return cases


@pytest.fixture(scope="module")
def corpus():
    """A directory holding the bundled traces, three piglit captures and a manifest of them all,
    the piglit entries' frames filled in by --update."""
    work = E.work_dir("corpus")
    for name in os.listdir(TRACES):
        if name.endswith(".vgz"):
            shutil.copy(os.path.join(TRACES, name), work)
    text = open(os.path.join(TRACES, "manifest.yml")).read()
    captured = []
    for test in PIGLIT_TESTS:
        exe = os.path.join(PIGLIT_BIN, test)
        if not os.path.exists(exe):
            continue
        out = os.path.join(work, "piglit-%s.vgz" % test)
        env = dict(os.environ, PIGLIT_PLATFORM="surfaceless_egl")
        r = subprocess.run([E.CAPTURE, "-o", out, "--", exe, "-auto", "-fbo"], env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0 and '"pass"' in r.stdout, r.stdout + r.stderr
        captured.append(os.path.basename(out))
        text += "  # piglit %s, captured by the test\n  - file: %s\n    source: piglit\n" % (
            test, os.path.basename(out))
    manifest = os.path.join(work, "manifest.yml")
    open(manifest, "w").write(text)
    r = replay("--manifest", manifest, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    updated = open(manifest).read()
    # The bundled part is untouched, comments included; each piglit entry got its frames.
    assert updated.startswith(open(os.path.join(TRACES, "manifest.yml")).read())
    for name in captured:
        assert re.search(r"- file: %s\n    source: piglit\n    frames:\n      0: \{size: " %
                         re.escape(name), updated), updated
    r = replay("--manifest", manifest)
    assert r.returncode == 0, r.stdout + r.stderr
    return {"dir": work, "manifest": manifest, "names": sorted(verdicts(r.stdout)),
            "piglit": captured}


def with_wrong_crc(corpus, trace="draw.vgz", frame=1, name="wrong.yml"):
    """A copy of the manifest with one crc32 of trace's frame changed."""
    text = open(corpus["manifest"]).read()
    start = text.index("- file: %s\n" % trace)
    m = re.compile(r"(\n\s+%d: \{size: \d+x\d+, format: \d+, crc32: )([0-9a-f]{8})" % frame)
    hit = m.search(text, start)
    assert hit
    wrong = "%08x" % (int(hit[2], 16) ^ 0x5a5a5a5a)
    text = text[:hit.start(2)] + wrong + text[hit.end(2):]
    path = os.path.join(corpus["dir"], name)
    open(path, "w").write(text)
    return path, wrong


def test_the_corpus_has_bundled_and_piglit_traces(corpus):
    bundled = sorted(f for f in os.listdir(TRACES) if f.endswith(".vgz"))
    assert set(bundled) <= set(corpus["names"])
    if not corpus["piglit"]:
        pytest.skip("piglit is not installed: the corpus holds only the bundled traces")
    assert set(corpus["piglit"]) <= set(corpus["names"])


def test_junit_reports_exactly_the_wrong_trace(corpus):
    manifest, wrong = with_wrong_crc(corpus)
    out = os.path.join(corpus["dir"], "wrong.xml")
    report = os.path.join(corpus["dir"], "wrong-report")
    r = replay("--manifest", manifest, "--junit", out, "--report", report)
    assert r.returncode == 1, r.stdout + r.stderr
    cases = junit(out)
    assert sorted(c.get("name") for c in cases) == corpus["names"]
    failed = [c for c in cases if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == ["draw.vgz"]
    assert all(c.find("error") is None and c.find("skipped") is None for c in cases)
    failure = failed[0].find("failure")
    assert failure.get("message").startswith("frame 1: differs: crc32 ")
    assert wrong in failure.get("message")
    assert "report: %s/" % report in failure.text
    assert "reproduce: virgl-replay --manifest %s draw.vgz" % manifest in failure.text
    page = re.search(r"report: (\S+)", failure.text)[1]
    assert os.path.isfile(page) and "differs" in open(page).read()
    assert float(failed[0].get("time")) > 0


def test_shards_cover_the_corpus_once(corpus):
    manifest, _ = with_wrong_crc(corpus, name="shards.yml")
    seen, sizes = [], []
    for i in (1, 2, 3):
        out = os.path.join(corpus["dir"], "shard-%d.xml" % i)
        r = replay("--manifest", manifest, "--shard", "%d/3" % i, "--junit", out)
        names = [c.get("name") for c in junit(out)]
        assert r.returncode == (1 if "draw.vgz" in names else 0), r.stdout + r.stderr
        seen += names
        sizes.append(len(names))
    assert sorted(seen) == corpus["names"]
    assert max(sizes) - min(sizes) <= 1, sizes
    print("shard sizes:", sizes)


def test_jobs_give_the_same_verdicts(corpus):
    manifest, _ = with_wrong_crc(corpus, name="jobs.yml")
    runs = {}
    for jobs in (1, 2):
        start = time.monotonic()
        r = replay("--manifest", manifest, "--jobs", str(jobs))
        runs[jobs] = (r.returncode, verdicts(r.stdout), time.monotonic() - start)
    assert runs[1][0] == runs[2][0] == 1
    assert runs[1][1] == runs[2][1]
    assert sorted(runs[1][1]) == corpus["names"]
    print("corpus wall time: --jobs 1 %.1f s, --jobs 2 %.1f s" % (runs[1][2], runs[2][2]))


def test_summary_page_loads_in_headless_chromium(corpus):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (Debian package: chromium)")
    manifest, _ = with_wrong_crc(corpus, name="page.yml")
    report = os.path.join(corpus["dir"], "page-report")
    assert replay("--manifest", manifest, "--report", report).returncode == 1
    index = os.path.join(report, "index.html")
    text = open(index).read()
    assert 'href="001-draw.vgz/index.html"' in text and "FAIL" in text
    for name in corpus["names"]:
        assert ">%s<" % name in text
    profile = os.path.join(corpus["dir"], "chromium-profile")
    shot = os.path.join(corpus["dir"], "page.png")
    r = subprocess.run([chromium, "--headless=new", "--disable-gpu", "--no-sandbox",
                        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                        "--screenshot=" + shot, "--window-size=1000,800", "file://" + index],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]
    assert console == [], console
    assert Image.open(shot).size == (1000, 800)


def test_update_keeps_comments_and_is_refused_with_shard(corpus):
    manifest, wrong = with_wrong_crc(corpus, name="update.yml")
    before = open(manifest).read()
    r = replay("--manifest", manifest, "--update", "--shard", "1/2")
    assert r.returncode == 2 and "--shard" in r.stderr
    assert open(manifest).read() == before
    r = replay("--manifest", manifest, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "update: 1 frame expectation in 1 trace rewritten" in r.stdout
    assert open(manifest).read() == open(corpus["manifest"]).read()


def write_manifest(corpus, name, entries):
    path = os.path.join(corpus["dir"], name)
    open(path, "w").write("# made by the test\ntraces:\n" + entries)
    return path


def frames_of(trace):
    """The bundled manifest's frames lines of a trace, indented for an entry."""
    text = open(os.path.join(TRACES, "manifest.yml")).read()
    start = text.index("- file: %s\n" % trace)
    block = text[text.index("    frames:\n", start):]
    lines = ["    frames:"]
    for line in block.splitlines()[1:]:
        if not re.match(r"\s+\d+: \{", line):
            break
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_exit_status_rules(corpus):
    d = corpus["dir"]
    damaged = os.path.join(d, "damaged.vgz")
    data = open(os.path.join(TRACES, "draw.vgz"), "rb").read()
    open(damaged, "wb").write(data[:len(data) // 2])
    ok = "  - file: clear-blit.vgz\n" + frames_of("clear-blit.vgz")
    bad_draw = "  - file: draw.vgz\n" + frames_of("draw.vgz").replace("crc32: fb5ee38e",
                                                                       "crc32: 00c0ffee")
    # damaged beats failed
    m = write_manifest(corpus, "damaged.yml", ok + bad_draw + "  - file: damaged.vgz\n")
    out = os.path.join(d, "damaged.xml")
    r = replay("--manifest", m, "--junit", out)
    assert r.returncode == 2, r.stdout + r.stderr
    kinds = {c.get("name"): [e.tag for e in c] for c in junit(out)}
    assert kinds == {"clear-blit.vgz": [], "draw.vgz": ["failure"], "damaged.vgz": ["error"]}
    # a missing file is damaged too
    m = write_manifest(corpus, "missing.yml", ok + "  - file: no-such.vgz\n")
    r = replay("--manifest", m)
    assert r.returncode == 2 and "no such trace file" in r.stdout
    # failed
    m = write_manifest(corpus, "failed.yml", ok + bad_draw)
    assert replay("--manifest", m).returncode == 1
    # a flaky trace that fails is reported and the run passes
    flaky = bad_draw.replace("    frames:", "    labels: [flaky]\n    frames:")
    m = write_manifest(corpus, "flaky.yml", ok + flaky)
    out = os.path.join(d, "flaky.xml")
    r = replay("--manifest", m, "--junit", out)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "draw.vgz: flaky FAIL: frame 0: differs" in r.stdout
    skipped = {c.get("name"): c.find("skipped") for c in junit(out)}
    assert skipped["draw.vgz"].get("message").startswith("flaky, failed: frame 0")
    # nothing testable: every trace skipped, or no such renderer
    m = write_manifest(corpus, "skip.yml", ok.replace("    frames:", "    labels: [skip]\n    frames:"))
    r = replay("--manifest", m)
    assert r.returncode == 125 and "clear-blit.vgz: SKIP: labelled skip" in r.stdout
    m = write_manifest(corpus, "untestable.yml", ok)
    r = replay("--manifest", m, "--renderer", "virglrenderer", "--renderer-lib",
               "/nonexistent/libvirglrenderer.so.1")
    assert r.returncode == 125 and "UNTESTABLE" in r.stdout, r.stdout + r.stderr


def test_renderer_and_host_overrides(corpus):
    entry = ("  - file: draw.vgz\n" + frames_of("draw.vgz") +
             "    expect:\n"
             "      virglrenderer:\n"
             "        labels: [skip]\n"
             "      slowbox:  # a host whose driver rounds differently\n"
             "        frames:\n"
             "          3: {crc32: 12345abc}\n")
    m = write_manifest(corpus, "overrides.yml", entry)
    assert replay("--manifest", m).returncode == 0
    r = replay("--manifest", m, "--host", "slowbox")
    assert r.returncode == 1 and "frame 3: differs: crc32 e4076797, reference 12345abc" in r.stdout
    r = replay("--manifest", m, "--renderer", "virglrenderer")
    assert r.returncode == 125 and "SKIP" in r.stdout
    # --update writes the host's value where it came from: the override
    r = replay("--manifest", m, "--host", "slowbox", "--update")
    assert r.returncode == 0
    text = open(m).read()
    assert "          3: {crc32: e4076797}\n" in text and text.count("e4076797") == 2


def test_tolerance_with_reference_images(corpus):
    d = corpus["dir"]
    refs = os.path.join(d, "refs-draw")
    r = replay("--snapshot", refs, os.path.join(TRACES, "draw.vgz"))
    assert r.returncode == 0
    png = os.path.join(refs, "frame-0002.png")
    img = Image.open(png).convert("RGBA")
    px = list(img.getpixel((10, 10)))
    px[0] = px[0] + 2 if px[0] < 250 else px[0] - 2
    img.putpixel((10, 10), tuple(px))
    img.save(png)
    frames = frames_of("draw.vgz").replace("crc32: 0112a84a", "crc32: 0112a84b")
    for tol, status in ((3, 0), (1, 1)):
        m = write_manifest(corpus, "tol.yml", "  - file: draw.vgz\n    images: refs-draw/\n"
                           "    tolerance: %d\n" % tol + frames)
        r = replay("--manifest", m)
        assert r.returncode == status, r.stdout + r.stderr
        if status:
            assert "frame 2: differs: largest channel difference 2 at (10,10)" in r.stdout


def test_manifest_errors_name_the_line(corpus):
    cases = {
        "  - file: draw.vgz\n    frame: {}\n": ":4:5: unknown key 'frame'",
        "  - file: draw.vgz\n    frames:\n      0: {size: 9x9, format: 1, crc32: xyz}\n":
            ":5:40: frame 0: crc32 must be 8 hex digits",
        "  - file: a.vgz\n  - file: a.vgz\n": "two traces are named 'a.vgz'",
        "  - url: http://127.0.0.1:9/x.vgz\n": "url: needs sha256",
        "  - file: draw.vgz\n    frames: [1, 2\n": "did not find expected",
    }
    for text, message in cases.items():
        m = write_manifest(corpus, "bad.yml", text)
        r = replay("--manifest", m)
        assert r.returncode == 2 and message in r.stderr, (text, r.stderr)
    m = write_manifest(corpus, "one.yml", "  - file: draw.vgz\n")
    r = replay("--manifest", m, "nosuch")
    assert r.returncode == 2 and "no trace named 'nosuch'" in r.stderr


class TraceServer(http.server.ThreadingHTTPServer):
    """Serves files from a directory on 127.0.0.1; /flaky/NAME answers 503 the first time."""

    def __init__(self, root):
        self.root, self.requests, self.failed_once = root, [], set()
        super().__init__(("127.0.0.1", 0), TraceHandler)


class TraceHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        path = self.path
        if path.startswith("/flaky/"):
            if path not in self.server.failed_once:
                self.server.failed_once.add(path)
                self.send_error(503)
                return
            path = path[len("/flaky"):]
        file = os.path.join(self.server.root, os.path.basename(path))
        if not os.path.isfile(file):
            self.send_error(404)
            return
        data = open(file, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    srv = TraceServer(TRACES)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_fetched_traces(corpus, server):
    d = corpus["dir"]
    cache = os.path.join(d, "cache-%d" % server.server_address[1])
    base = "http://127.0.0.1:%d" % server.server_address[1]
    good = sha256(os.path.join(TRACES, "draw.vgz"))
    entry = ("  - name: remote-draw\n    url: %s/draw.vgz\n    sha256: %s\n" % (base, good) +
             frames_of("draw.vgz"))
    m = write_manifest(corpus, "fetch.yml", entry)
    env = dict(os.environ, VGL_FETCH_RETRY_MS="10")
    r = replay("--manifest", m, "--cache", cache, "--jobs", "2", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert sorted(os.listdir(cache)) == [good + ".vgz"]  # whole, named by hash, no leftovers
    assert server.requests == ["/draw.vgz"]
    # the cached copy is used (and checked) without the network
    r = replay("--manifest", m, "--cache", cache, env=env)
    assert r.returncode == 0 and server.requests == ["/draw.vgz"]
    # a damaged cache entry is fetched again
    open(os.path.join(cache, good + ".vgz"), "r+b").write(b"XX")
    r = replay("--manifest", m, "--cache", cache, env=env)
    assert r.returncode == 0 and server.requests == ["/draw.vgz"] * 2
    assert sha256(os.path.join(cache, good + ".vgz")) == good
    # a 503 is retried
    m = write_manifest(corpus, "retry.yml", entry.replace("/draw.vgz", "/flaky/draw.vgz"))
    shutil.rmtree(cache)
    r = replay("--manifest", m, "--cache", cache, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert server.requests[-2:] == ["/flaky/draw.vgz"] * 2


def test_a_fetched_trace_with_the_wrong_hash_is_refused(corpus, server):
    d = corpus["dir"]
    cache = os.path.join(d, "cache-wrong-%d" % server.server_address[1])
    base = "http://127.0.0.1:%d" % server.server_address[1]
    wrong = sha256(os.path.join(TRACES, "clear-blit.vgz"))  # another file's hash
    entries = ("  - name: remote\n    url: %s/draw.vgz\n    sha256: %s\n" % (base, wrong) +
               frames_of("draw.vgz") +
               "  - name: gone\n    url: %s/no-such.vgz\n    sha256: %s\n" % (base, wrong) +
               "  - file: clear-blit.vgz\n" + frames_of("clear-blit.vgz"))
    m = write_manifest(corpus, "wronghash.yml", entries)
    out = os.path.join(d, "wronghash.xml")
    r = replay("--manifest", m, "--cache", cache, "--junit", out,
               env=dict(os.environ, VGL_FETCH_RETRY_MS="10"))
    assert r.returncode == 2, r.stdout + r.stderr
    cases = {c.get("name"): c for c in junit(out)}
    err = cases["remote"].find("error")
    assert err is not None and "sha256 %s, the manifest says %s: refused" % (
        sha256(os.path.join(TRACES, "draw.vgz")), wrong) in err.get("message")
    assert cases["gone"].find("error") is not None and "404" in cases["gone"].find("error").get("message")
    assert server.requests.count("/no-such.vgz") == 1  # a 404 is not retried
    assert cases["clear-blit.vgz"].find("error") is None
    assert os.listdir(cache) == []  # nothing unverified is kept
    # a local file with a sha256 is checked as well
    m = write_manifest(corpus, "localhash.yml",
                       "  - file: draw.vgz\n    sha256: %s\n" % wrong + frames_of("draw.vgz"))
    r = replay("--manifest", m)
    assert r.returncode == 2 and "refused" in r.stdout


def ci_doc_jobs():
    """The commands of docs/ci.md's GitLab job and GitHub workflow."""
    text = open(os.path.join(ROOT, "docs/ci.md")).read()
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    gitlab = next(b["trace-ci"] for b in blocks if "trace-ci" in b)
    github = next(b for b in blocks if "jobs" in b)["jobs"]["replay"]
    return gitlab, github


def test_ci_doc_jobs_run_as_written(tmp_path):
    gitlab, github = ci_doc_jobs()
    os.symlink(TRACES, tmp_path / "traces")
    os.symlink(E.BUILD_DIR, tmp_path / "build")
    manifest_names = sorted(E.manifest())
    env = dict(os.environ, PATH=os.path.join(E.BUILD_DIR, "replay") + ":" + os.environ["PATH"])
    # GitLab: parallel N with CI_NODE_INDEX 1..N
    total = gitlab["parallel"]
    seen = []
    for index in range(1, total + 1):
        job = tmp_path / ("gitlab-%d" % index)
        job.mkdir()
        for link in ("traces", "build"):
            os.symlink(tmp_path / link, job / link)
        for line in gitlab["script"]:
            r = subprocess.run(["bash", "-ec", line], cwd=job, capture_output=True, text=True,
                               env=dict(env, CI_NODE_INDEX=str(index), CI_NODE_TOTAL=str(total)),
                               timeout=600)
            assert r.returncode == 0, r.stdout + r.stderr
        seen += [c.get("name") for c in junit(str(job / gitlab["artifacts"]["reports"]["junit"]))]
        for path in gitlab["artifacts"]["paths"]:
            assert (job / path).exists(), path
        assert (job / "report" / "index.html").exists()
    assert sorted(seen) == manifest_names
    # GitHub: a matrix over the shard number
    step = next(s for s in github["steps"] if "virgl-replay" in s.get("run", ""))
    seen = []
    for shard in github["strategy"]["matrix"]["shard"]:
        line = step["run"].replace("${{ matrix.shard }}", str(shard))
        assert "${{" not in line, line
        r = subprocess.run(["bash", "-ec", line], cwd=tmp_path, capture_output=True, text=True,
                           env=env, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
        seen += [c.get("name") for c in junit(str(tmp_path / ("junit-%d.xml" % shard)))]
        assert (tmp_path / ("report-%d" % shard) / "index.html").exists()
    assert sorted(seen) == manifest_names


def test_update_in_unusual_layouts(corpus):
    d = corpus["dir"]
    draw = frames_of("draw.vgz")
    wrong = draw.replace("crc32: 5000f529}", "crc32: 00000001}")
    # Characters beyond ASCII and a byte order mark: libyaml counts characters, spans are bytes.
    text = ("\ufefftraces:\n  # café — naïve, 日本語\n  - file: draw.vgz\n"
            "    description: \"überprüft ✓\"\n" + wrong)
    m = os.path.join(d, "utf8.yml")
    open(m, "w", encoding="utf-8").write(text)
    r = replay("--manifest", m, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert open(m, encoding="utf-8").read() == text.replace("crc32: 00000001}", "crc32: 5000f529}")
    assert replay("--manifest", m).returncode == 0
    # An entry whose last value is a block scalar, then another entry: frames: goes in the first.
    text = ("traces:\n  - file: draw.vgz\n    description: |\n      two lines\n      of text\n\n"
            "  - file: clear-blit.vgz\n" + frames_of("clear-blit.vgz"))
    m = os.path.join(d, "block-scalar.yml")
    open(m, "w").write(text)
    r = replay("--manifest", m, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert replay("--manifest", m).returncode == 0
    updated = open(m).read()
    assert updated.index("      of text\n    frames:\n      0: {size: 96x64") > 0, updated
    # Layouts --update cannot add to or remove from: said, the file left valid, exit 1.
    cases = {
        "flow-entry.yml": "traces:\n  - {file: draw.vgz}\n",
        "null-frames.yml": "traces:\n  - file: draw.vgz\n    frames: ~\n",
        "two-layers.yml": "traces:\n  - file: draw.vgz\n" + draw.replace(
            "      7: {size: 96x64, format: 67, crc32: 5000f529}\n", "") +
            "      9: {size: 96x64, format: 67, crc32: 5000f529}\n"
            "    expect:\n      vgl:\n        frames:\n          9: {crc32: 12345678}\n",
    }
    for name, text in cases.items():
        m = os.path.join(d, name)
        open(m, "w").write(text)
        r = replay("--manifest", m, "--update")
        assert r.returncode == 1 and "by hand" in r.stdout, (name, r.stdout + r.stderr)
        # still valid YAML; the flow entry lists no frames, so the capture's checksums decide
        assert replay("--manifest", m).returncode == (0 if name == "flow-entry.yml" else 1), name
    # An empty frames: is an expectation too: every produced frame is new.
    m = write_manifest(corpus, "empty.yml", "  - file: draw.vgz\n    frames: {}\n")
    r = replay("--manifest", m)
    assert r.returncode == 1 and "frame 0: new" in r.stdout


def test_aliases_are_refused(corpus):
    m = write_manifest(corpus, "alias.yml",
                       "  - file: draw.vgz\n    frames: &f\n"
                       "      0: {size: 96x64, format: 67, crc32: fb5ee38e}\n"
                       "  - file: draw-33.vgz\n    frames: *f\n")
    r = replay("--manifest", m)
    assert r.returncode == 2 and "aliases (*name) are not accepted" in r.stderr, r.stderr


def test_reproduce_line_is_quoted(corpus):
    d = os.path.join(corpus["dir"], "a dir with 'quotes'")
    os.makedirs(d, exist_ok=True)
    shutil.copy(os.path.join(TRACES, "draw.vgz"), d)
    m = os.path.join(d, "m.yml")
    open(m, "w").write("traces:\n  - file: draw.vgz\n" +
                       frames_of("draw.vgz").replace("crc32: fb5ee38e", "crc32: 00c0ffee"))
    out = os.path.join(d, "j.xml")
    assert replay("--manifest", m, "--junit", out, "--cache", d).returncode == 1
    text = junit(out)[0].find("failure").text
    line = re.search(r"^reproduce: (.*)$", text, re.M)[1]
    argv = subprocess.run(["bash", "-c", 'printf "%s\\n" ' + line.split(" ", 1)[1]],
                          capture_output=True, text=True).stdout.splitlines()
    assert argv == ["--manifest", m, "--cache", d, "draw.vgz"], argv
