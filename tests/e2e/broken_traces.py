# SPDX-License-Identifier: MIT
"""A deterministic corpus of broken traces made from good ones: cut, bit-flipped, spliced, and
forged (chunks with valid checksums around records that lie about their sizes), each with the
verdict docs/trace-format.md gives it: where the reader must stop and why.

A case is (name, bytes, verdict, offset): verdict "clean" means the file ends between two chunks
(a valid prefix: tools warn, exit as for a whole trace); "truncated" and "corrupt" mean every tool
exits 2 naming byte `offset`, the file header (0) or the chunk at fault.

Format versions 1 (8-byte record headers) and 2 (16-byte record headers with a u64 time) are both
covered: forged records take the version of the good trace they are appended to."""
import random
import struct
import zlib

MAGIC = b"\x89VGZ\r\n\x1a\n"
HEADER = 24
CHUNK_MAGIC = 0x435A4756
CHUNK_HEADER = 28
MAX_CHUNK = 64 << 20
MAX_CSIZE = 67371008
MAX_RECORD = 16 << 20
REC_END = 16
REC_CONTEXT_DESTROY = 4


def file_header(version=1):
    head = MAGIC + struct.pack("<III", version, HEADER, 0)
    return head + struct.pack("<I", zlib.crc32(head))


def version_of(data):
    return struct.unpack_from("<I", data, 8)[0]


def chunks(data):
    """[(offset, type, csize, usize, count, payload)] of a well-formed trace."""
    out, pos = [], HEADER
    while pos < len(data):
        ctype, csize, usize, count = struct.unpack_from("<IIII", data, pos + 4)
        out.append((pos, ctype, csize, usize, count,
                    data[pos + CHUNK_HEADER:pos + CHUNK_HEADER + csize]))
        pos += CHUNK_HEADER + csize
    assert pos == len(data)
    return out


def verdict(data):
    """What the container rules say about `data`, without decompressing: ("clean", end) or
    ("truncated" | "corrupt", offset). Payload contents are trusted (flips and splices are
    caught by the CRCs before them; forged cases state their own verdict)."""
    if len(data) < HEADER:
        return ("truncated", 0) if MAGIC.startswith(data[:8]) else ("corrupt", 0)
    if (data[:8] != MAGIC or struct.unpack_from("<I", data, 20)[0] != zlib.crc32(data[:20])
            or data[8:20] not in (file_header(1)[8:20], file_header(2)[8:20])):
        return "corrupt", 0
    pos = HEADER
    while pos < len(data):
        if len(data) - pos < CHUNK_HEADER:
            return "truncated", pos
        magic, _t, csize, usize, _c, pcrc, hcrc = struct.unpack_from("<IIIIIII", data, pos)
        if magic != CHUNK_MAGIC or hcrc != zlib.crc32(data[pos:pos + 24]):
            return "corrupt", pos
        if usize > MAX_CHUNK or csize > MAX_CSIZE:
            return "corrupt", pos
        if len(data) - pos - CHUNK_HEADER < csize:
            return "truncated", pos
        if pcrc != zlib.crc32(data[pos + CHUNK_HEADER:pos + CHUNK_HEADER + csize]):
            return "corrupt", pos
        pos += CHUNK_HEADER + csize
    return "clean", pos


def zstd_raw_frame(content):
    """One zstd frame (RFC 8878) holding `content` in raw blocks, with its content size and no
    checksum: what the reader must accept or refuse on the records alone."""
    out = struct.pack("<IB", 0xFD2FB528, 0xE0) + struct.pack("<Q", len(content))
    blocks = [content[i:i + 65536] for i in range(0, len(content), 65536)] or [b""]
    for i, block in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        out += struct.pack("<I", last | (len(block) << 3))[:3] + block
    return out


def chunk(payload, usize, count, ctype=1, csize=None):
    csize = len(payload) if csize is None else csize
    head = struct.pack("<IIIIII", CHUNK_MAGIC, ctype, csize, usize, count, zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def record(rtype, payload, size=None, version=1, time=0):
    head = struct.pack("<II", rtype, len(payload) if size is None else size)
    if version >= 2:
        head += struct.pack("<Q", time)
    return head + payload


def forged(good):
    """Chunks with valid CRCs whose header or records lie, appended after the good trace's
    chunks except its last (END) one, so that tools have done real work before they meet it."""
    body = good[:chunks(good)[-1][0]]
    at = len(body)
    version = version_of(good)

    def record(rtype, payload, size=None, time=0):
        return globals()["record"](rtype, payload, size, version, time)

    end = record(REC_END, b"")
    cases = []

    def add(name, tail, kind="corrupt"):
        cases.append(("forged-" + name, body + tail, kind, at))

    # a record that claims 4 GiB, 16 MiB + 1, or just more than the chunk holds
    for name, size in (("record-4gib", 0xFFFFFFF0), ("record-over-limit", MAX_RECORD + 1),
                       ("record-past-chunk", 64)):
        content = record(1, b"key\0value\0", size)
        add(name, chunk(zstd_raw_frame(content), len(content), 1))
    # record count larger and smaller than the records there
    content = end + end
    add("count-high", chunk(zstd_raw_frame(content), len(content), 3))
    add("count-low", chunk(zstd_raw_frame(content), len(content), 1))
    # the header's sizes disagree with the frame: bigger (up to the 64 MiB limit), smaller
    add("usize-64mib", chunk(zstd_raw_frame(end), MAX_CHUNK, 1))
    add("usize-short", chunk(zstd_raw_frame(end + end), len(end), 1))
    # sizes over the limits, with a valid header CRC
    add("usize-over-limit", chunk(zstd_raw_frame(end), MAX_CHUNK + 1, 1))
    add("csize-over-limit", chunk(zstd_raw_frame(end), len(end), 1, csize=MAX_CSIZE + 1))
    # a chunk that claims 64 MiB of compressed payload in a small file: cut, not a reason to
    # allocate
    add("csize-64mib", chunk(zstd_raw_frame(end), len(end), 1, csize=MAX_CSIZE), "truncated")
    # not exactly one frame: bytes after it, two frames, no frame at all
    add("frame-trailing", chunk(zstd_raw_frame(end) + b"\0", len(end), 1))
    add("frame-twice", chunk(zstd_raw_frame(end) * 2, len(end), 1))
    add("frame-garbage", chunk(b"\x28\xb5\x2f\xfd" + bytes(16), len(end), 1))
    if version >= 2:
        # a record header cut inside its time: 8 or 15 of its 16 bytes at the end of the chunk
        for keep in (8, 15):
            content = end + end[:keep]
            add("time-cut-%d" % keep, chunk(zstd_raw_frame(content), len(content), 2))
        # well-framed records whose times jump to the end of time and back, around calls:
        # valid (a clean prefix without END), and no tool may hang or wrap on them
        destroy = struct.pack("<I", 0x7FFFFFF0)
        content = b"".join(record(REC_CONTEXT_DESTROY, destroy, time=t)
                           for t in (2**64 - 1, 0, 2**63, 1, 2**64 - 1))
        add("time-jumps", chunk(zstd_raw_frame(content), len(content), 5), "clean")
    return cases


def corpus(name, good, seed=5):
    """Every case made from the good trace `good` (bytes) called `name`."""
    rng = random.Random("%s-%d" % (name, seed))
    layout = chunks(good)
    bounds = {c[0] for c in layout} | {len(good)}
    cases = []

    def add(kind, data):
        v, off = verdict(data)
        cases.append(("%s-%s" % (name, kind), data, v, off))

    # cuts: inside the file header, at every chunk boundary, inside chunk headers and payloads
    for n in (0, 1, 7, 8, 23):
        add("cut-%d" % n, good[:n])
    picked = layout[:2] + rng.sample(layout[2:-2], min(4, max(0, len(layout) - 4))) + layout[-2:]
    for off, _t, csize, _u, _n, _p in picked:
        for k in (0, 1, 27, 28, 28 + csize // 2, 27 + csize):
            if off + k < len(good):
                add("cut-%d" % (off + k), good[:off + k])
    for n in sorted(rng.sample(range(HEADER, len(good)), 8)):
        add("cut-%d" % n, good[:n])
    # single bit flips, anywhere
    for pos in sorted(rng.sample(range(len(good)), 24)):
        flipped = bytearray(good)
        flipped[pos] ^= 1 << rng.randrange(8)
        add("flip-%d" % pos, bytes(flipped))
    # splices: the head of this trace cut off at a byte that is no chunk boundary, followed by a
    # tail of itself from another such byte (a damaged copy, a bad concatenation)
    inner = [i for i in range(HEADER + 1, len(good)) if i not in bounds]
    for _ in range(8):
        a, b = rng.choice(inner), rng.choice(inner)
        add("splice-%d-%d" % (a, b), good[:a] + good[b:])
    # a good trace with another one appended (its file header reads as a bad chunk)
    add("appended-twice", good + good)
    # the file header alone: a valid (empty) prefix
    add("header-only", good[:HEADER])
    return [c for c in cases if not c[0].endswith("cut-%d" % len(good))]
