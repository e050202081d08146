# SPDX-License-Identifier: MIT
"""Replay every bundled trace and check each frame's CRC-32 against traces/manifest.yml."""
import os
import re
import subprocess
import tempfile

import pytest
from PIL import Image

import vgl_env as E

pytestmark = pytest.mark.skipif(not E.host_has_gl(), reason="no EGL/GL device on this host")

TRACES = os.path.join(os.path.dirname(__file__), "../../traces")


MANIFEST = E.manifest()


def test_manifest_covers_every_trace():
    files = sorted(f for f in os.listdir(TRACES) if f.endswith(".vgz"))
    assert files and files == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_trace_replays_with_expected_checksums(name):
    snap = E.work_dir("trace")
    r = subprocess.run([E.REPLAY, "-v", "--snapshot", snap, os.path.join(TRACES, name)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    frames = {int(i): (int(w), int(h), int(f), c) for i, w, h, f, c in re.findall(
        r"^frame (\d+): (\d+)x(\d+) format (\d+) crc32 ([0-9a-f]{8}) ok$", r.stdout, re.M)}
    assert frames == MANIFEST[name]
    for index, (w, h, _f, _c) in MANIFEST[name].items():
        assert Image.open(os.path.join(snap, "frame-%04d.png" % index)).size == (w, h)


def test_damaged_copies_never_crash():
    """Cut and bit-flip a real trace: replay exits 0 or 2, never crashes, never mismatches."""
    data = open(os.path.join(TRACES, "clear-blit.vgz"), "rb").read()
    work = E.work_dir("damaged")
    cases = [data[:n] for n in range(0, len(data), max(1, len(data) // 40))]
    for pos in range(30, len(data), max(1, len(data) // 25)):
        flipped = bytearray(data)
        flipped[pos] ^= 0x10
        cases.append(bytes(flipped))
    for i, blob in enumerate(cases):
        path = os.path.join(work, "case-%03d.vgz" % i)
        open(path, "wb").write(blob)
        r = subprocess.run([E.REPLAY, path], capture_output=True, text=True, timeout=120)
        assert r.returncode in (0, 2), (i, r.returncode, r.stderr)
        assert "mismatched" not in r.stdout or " 0 mismatched" in r.stdout, r.stdout
        if r.returncode == 2:
            assert "byte" in r.stderr or "header" in r.stderr.lower(), r.stderr
