#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Extracts the TGSI texts of CREATE_OBJECT/SHADER commands from .vgz traces (docs/trace-format.md,
# protocol-facts §3.2). Read-only on the traces; decompresses chunks with the `zstd` command.
"""usage: extract_tgsi.py [-o OUTDIR] [--prefix NAME] TRACE.vgz...

Without -o, prints every shader found. With -o, writes OUTDIR/<prefix>_<handle>_<stage>.tgsi
(text without its trailing NUL). Identical texts are written once."""

import argparse
import os
import struct
import subprocess
import sys

FILE_MAGIC = b"\x89VGZ\r\n\x1a\n"
CHUNK_MAGIC = 0x435A4756
REC_SUBMIT = 12
CCMD_CREATE_OBJECT = 1
OBJ_SHADER = 4
STAGES = {0: "vs", 1: "fs", 2: "gs", 3: "tcs", 4: "tes", 5: "cs"}


def records(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != FILE_MAGIC or len(data) < 24:
        raise ValueError(f"{path}: not a vgz trace")
    off = 24
    while off + 28 <= len(data):
        magic, ctype, csize, usize, count, _, _ = struct.unpack_from("<7I", data, off)
        if magic != CHUNK_MAGIC:
            raise ValueError(f"{path}: bad chunk magic at {off}")
        payload = data[off + 28:off + 28 + csize]
        off += 28 + csize
        if ctype != 1:
            continue
        raw = subprocess.run(["zstd", "-d", "-c", "-q"], input=payload, stdout=subprocess.PIPE,
                             check=True).stdout
        if len(raw) != usize:
            raise ValueError(f"{path}: chunk size mismatch")
        pos = 0
        for _ in range(count):
            rtype, rsize = struct.unpack_from("<2I", raw, pos)
            yield rtype, raw[pos + 8:pos + 8 + rsize]
            pos += 8 + rsize


def shaders(path):
    """Yields (handle, stage, text bytes without NUL) for each complete shader."""
    pending = {}  # (ctx, handle) -> [stage, total, bytearray, received]
    for rtype, payload in records(path):
        if rtype != REC_SUBMIT or len(payload) < 12:
            continue
        ctx, _, ndw = struct.unpack_from("<IiI", payload, 0)
        dw = struct.unpack_from(f"<{ndw}I", payload, 12)
        i = 0
        while i < len(dw):
            hdr = dw[i]
            cmd, obj, length = hdr & 0xFF, (hdr >> 8) & 0xFF, hdr >> 16
            p = dw[i + 1:i + 1 + length]
            i += 1 + length
            if cmd != CCMD_CREATE_OBJECT or obj != OBJ_SHADER or len(p) < 5:
                continue
            handle, stage, offlen, _, nso = p[:5]
            key = (ctx, handle)
            if offlen & 0x80000000:
                if key not in pending:
                    continue
                offset = offlen & 0x7FFFFFFF
                body = struct.pack(f"<{len(p) - 5}I", *p[5:])
            else:
                total = offlen
                pending[key] = [stage, total, bytearray(total), 0]
                offset = 0
                hdr_dw = 5 + (4 + 2 * nso if nso and stage != 5 else 0)
                body = struct.pack(f"<{len(p) - hdr_dw}I", *p[hdr_dw:])
            ent = pending[key]
            n = min(len(body), ent[1] - offset)
            ent[2][offset:offset + n] = body[:n]
            ent[3] += n
            if ent[3] >= ent[1]:
                text = bytes(ent[2])
                nul = text.find(b"\0")
                yield handle, ent[0], text if nul < 0 else text[:nul]
                del pending[key]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("-o", "--outdir")
    ap.add_argument("--prefix", default=None)
    ap.add_argument("traces", nargs="+")
    args = ap.parse_args()
    seen = set()
    for path in args.traces:
        prefix = args.prefix or os.path.splitext(os.path.basename(path))[0]
        for handle, stage, text in shaders(path):
            if text in seen:
                continue
            seen.add(text)
            name = f"{prefix}_{handle}_{STAGES.get(stage, str(stage))}.tgsi"
            if args.outdir:
                with open(os.path.join(args.outdir, name), "wb") as f:
                    f.write(text)
                print(name)
            else:
                sys.stdout.write(f"--- {path}: {name}\n")
                sys.stdout.write(text.decode("latin-1"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
