# SPDX-License-Identifier: MIT
"""virgl-replay's CI comparison on traces/clear-blit.vgz: --checksums, --compare against a PNG
directory and a checksum file, --tolerance, --report (its difference image and a headless
Chromium load) and --update."""
import base64
import html.parser
import io
import math
import os
import re
import shutil
import subprocess

import pytest
from PIL import Image

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

TRACE = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../traces/clear-blit.vgz"))
MAGENTA = (255, 0, 255, 255)
# The changed pixel: frame 4 (the blitted pattern), somewhere inside the pattern.
FRAME, X, Y, DELTA = 4, 13, 9, 40


def manifest_frames(trace="clear-blit.vgz"):
    return E.manifest()[trace]


def replay(*args):
    return subprocess.run([E.REPLAY, *args, TRACE], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def snapshot():
    """The trace's frames as PNGs, written once for the module; tests copy it before changing."""
    d = os.path.join(E.work_dir("compare"), "snap")
    r = replay("--snapshot", d)
    assert r.returncode == 0, r.stdout + r.stderr
    return d


def copy_of(snapshot, name):
    d = os.path.join(E.work_dir(name), "ref")
    shutil.copytree(snapshot, d)
    return d


def change_pixel(ref_dir):
    path = os.path.join(ref_dir, "frame-%04d.png" % FRAME)
    img = Image.open(path).convert("RGBA")
    px = list(img.getpixel((X, Y)))
    channel = 0 if px[0] < 128 else 1 if px[1] < 128 else 2 if px[2] < 128 else 0
    px[channel] = px[channel] + DELTA if px[channel] < 128 else px[channel] - DELTA
    img.putpixel((X, Y), tuple(px))
    img.save(path)


class ReportImages(html.parser.HTMLParser):
    """Collects (section id, alt) -> data URI of every <img> in the report, and every URL."""

    def __init__(self):
        super().__init__()
        self.section, self.images, self.urls = None, {}, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self.section = a.get("id")
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag == "img":
            self.images[(self.section, a.get("alt"))] = a["src"]


def report_images(path):
    p = ReportImages()
    p.feed(open(path, encoding="utf-8").read())
    return p


def decode_data_uri(uri):
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):], validate=True)))


def test_checksums_file_equals_manifest():
    out = os.path.join(E.work_dir("sums"), "sums.txt")
    r = replay("--checksums", out)
    assert r.returncode == 0, r.stdout + r.stderr
    lines = open(out).read().splitlines()
    assert lines[0].startswith("#")
    got = {}
    for line in lines[1:]:
        m = re.fullmatch(r"(\d+) ([0-9a-f]{8}) (\d+)x(\d+) (\d+)", line)
        assert m, line
        got[int(m[1])] = (int(m[3]), int(m[4]), int(m[5]), m[2])
    assert got == manifest_frames()


def test_compare_with_own_snapshot_matches(snapshot):
    r = replay("--compare", snapshot)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "DIFFERS" not in r.stdout


def test_one_changed_pixel_is_found_and_marked(snapshot):
    ref = copy_of(snapshot, "one-pixel")
    change_pixel(ref)
    report = os.path.join(os.path.dirname(ref), "report")
    r = replay("--compare", ref, "--report", report)
    assert r.returncode == 1, r.stdout + r.stderr
    line = ("frame %d: DIFFERS: largest channel difference %d at (%d,%d), 1 pixel over tolerance 0"
            % (FRAME, DELTA, X, Y))
    assert line in r.stdout, r.stdout
    assert len(re.findall(r"DIFFERS", r.stdout)) == 1, r.stdout
    m = re.search(r"frame %d: DIFFERS: .* PSNR ([0-9.]+) dB" % FRAME, r.stdout)
    w, h = manifest_frames()[FRAME][:2]
    psnr = 10 * math.log10(255**2 * w * h * 4 / DELTA**2)
    assert m and abs(float(m[1]) - psnr) < 0.01

    page = os.path.join(report, "index.html")
    text = open(page, encoding="utf-8").read()
    assert "(%d,%d)" % (X, Y) in text
    parsed = report_images(page)
    assert all(u.startswith("data:") or u.startswith("#") for u in parsed.urls), parsed.urls
    section = "frame-%d" % FRAME
    assert {k[0] for k in parsed.images} == {section}
    diff = decode_data_uri(parsed.images[(section, "difference")]).convert("RGBA")
    assert diff.size == (w, h)
    marked = [(x, y) for y in range(h) for x in range(w) if diff.getpixel((x, y)) == MAGENTA]
    assert marked == [(X, Y)]
    reference = decode_data_uri(parsed.images[(section, "reference")]).convert("RGBA")
    assert reference.tobytes() == Image.open(os.path.join(ref, "frame-0004.png")).convert(
        "RGBA").tobytes()
    result = decode_data_uri(parsed.images[(section, "result")]).convert("RGBA")
    assert result.tobytes() == Image.open(os.path.join(snapshot, "frame-0004.png")).convert(
        "RGBA").tobytes()


def test_tolerance_covers_the_changed_pixel(snapshot):
    ref = copy_of(snapshot, "tolerance")
    change_pixel(ref)
    r = replay("--compare", ref, "--tolerance", str(DELTA))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "frame %d: matches within tolerance %d" % (FRAME, DELTA) in r.stdout
    r = replay("--compare", ref, "--tolerance", str(DELTA - 1))
    assert r.returncode == 1, r.stdout + r.stderr


def test_update_rewrites_png_directory(snapshot):
    ref = copy_of(snapshot, "update")
    change_pixel(ref)
    os.remove(os.path.join(ref, "frame-0002.png"))
    extra = os.path.join(ref, "notes.txt")
    open(extra, "w").write("kept")
    r = replay("--compare", ref, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "frame 2: NEW" in r.stdout
    assert os.path.exists(extra)
    r = replay("--compare", ref)
    assert r.returncode == 0, r.stdout + r.stderr
    for name in sorted(os.listdir(snapshot)):
        a = Image.open(os.path.join(snapshot, name)).convert("RGBA").tobytes()
        assert a == Image.open(os.path.join(ref, name)).convert("RGBA").tobytes(), name


def test_checksum_file_reference():
    work = E.work_dir("sum-ref")
    sums = os.path.join(work, "sums.txt")
    assert replay("--checksums", sums).returncode == 0
    r = replay("--compare", sums)
    assert r.returncode == 0, r.stdout + r.stderr

    lines = open(sums).read().splitlines()
    changed = [re.sub(r"^(1 )([0-9a-f]{8})", lambda m: m[1] + "%08x" % (int(m[2], 16) ^ 1), l)
               for l in lines]
    assert changed != lines
    open(sums, "w").write("\n".join(changed) + "\n")
    r = replay("--compare", sums)
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"frame 1: DIFFERS: crc32 [0-9a-f]{8}, reference [0-9a-f]{8} "
                     r"\(checksum reference: no pixel metrics\)", r.stdout), r.stdout

    open(sums, "w").write("\n".join(lines + ["99 00000000 64x48 67"]) + "\n")
    r = replay("--compare", sums)
    assert r.returncode == 1 and "frame 99: MISSING" in r.stdout, r.stdout

    open(sums, "w").write("\n".join(l for l in lines if not l.startswith("6 ")) + "\n")
    r = replay("--compare", sums)
    assert r.returncode == 1 and "frame 6: NEW" in r.stdout, r.stdout
    r = replay("--compare", sums, "--update")
    assert r.returncode == 0, r.stdout + r.stderr
    assert open(sums).read().splitlines() == lines
    assert replay("--compare", sums).returncode == 0


def test_bad_reference_is_refused():
    work = E.work_dir("bad-ref")
    sums = os.path.join(work, "sums.txt")
    open(sums, "w").write("0 zz 64x48 67\n")
    r = replay("--compare", sums)
    assert r.returncode not in (0, 1), r.stdout + r.stderr
    assert "sums.txt:1" in r.stdout + r.stderr


def test_report_escapes_paths(snapshot):
    work = E.work_dir("escape")
    ref = os.path.join(work, "ref&<'x'>")
    shutil.copytree(snapshot, ref)
    change_pixel(ref)
    report = os.path.join(work, "report")
    assert replay("--compare", ref, "--report", report).returncode == 1
    text = open(os.path.join(report, "index.html"), encoding="utf-8").read()
    assert "ref&amp;&lt;&#39;x&#39;&gt;" in text
    assert "ref&<" not in text


def test_report_loads_in_headless_chromium(snapshot):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (Debian package: chromium)")
    ref = copy_of(snapshot, "chromium")
    change_pixel(ref)
    report = os.path.join(os.path.dirname(ref), "report")
    assert replay("--compare", ref, "--report", report).returncode == 1
    shot = os.path.join(os.path.dirname(ref), "report.png")
    profile = os.path.join(os.path.dirname(ref), "chromium-profile")
    r = subprocess.run([chromium, "--headless=new", "--disable-gpu", "--no-sandbox",
                        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                        "--screenshot=" + shot, "--window-size=1200,900",
                        "file://" + os.path.join(report, "index.html")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l or "Uncaught" in l]
    assert console == [], console
    img = Image.open(shot).convert("RGB")
    assert img.size == (1200, 900)
    # The marked pixel, shown 4x, is on screen in the difference image.
    magenta = sum(1 for p in img.getdata() if p[0] > 200 and p[1] < 60 and p[2] > 200)
    assert magenta >= 4, magenta
