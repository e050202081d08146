#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""usage: session_seeds.py OUTDIR TRACE.vgz...

Writes one fuzz-decode-gl seed per trace (tests/fuzz/fuzz_decode_gl.c): a header declaring the
trace's first resources (at most 8, handles below 256), then every command buffer the trace
submitted, concatenated into one buffer of at most 64 KiB. Such a seed builds its own state the
way a guest session does, so draws and transfers reach the renderer's real code."""

import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "shader"))
from extract_tgsi import records  # noqa: E402

REC_RESOURCE_CREATE = 5
REC_SUBMIT = 12
MAX_BYTES = 64 * 1024


def descriptor(args):
    handle, target, fmt, bind, width, height, _, _, last_level = args[:9]
    if target == 0:
        w = min(width // 16, 0xFFFF)
    else:
        w = max(min(width, 256), 1) - 1
    return struct.pack("<BBBBHBB", handle, target, fmt & 0xFF, bind & 0xFF, w, min(height, 255),
                       last_level & 0xFF)


def seed(path):
    descs, cmds = [], bytearray()
    for rtype, payload in records(path):
        if rtype == REC_RESOURCE_CREATE and len(payload) >= 8 + 44:
            args = struct.unpack_from("<11I", payload, 8)
            if len(descs) < 8 and 0 < args[0] < 256:
                descs.append(descriptor(args))
        elif rtype == REC_SUBMIT and len(payload) >= 12:
            ndw = struct.unpack_from("<I", payload, 8)[0]
            body = payload[12:12 + 4 * ndw]
            if len(cmds) + len(body) > MAX_BYTES:
                break
            cmds += body
    head = bytes([len(descs)]) + b"".join(descs)
    head += b"\0" * (-len(head) % 4)
    return head + bytes(cmds)


def main():
    out = sys.argv[1]
    for path in sys.argv[2:]:
        name = "session-" + os.path.basename(path).replace(".vgz", "")
        with open(os.path.join(out, name), "wb") as f:
            f.write(seed(path))


if __name__ == "__main__":
    main()
