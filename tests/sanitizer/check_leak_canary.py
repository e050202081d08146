#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the leak canary (leak_canary.c) under the sanitizer options it inherits and passes only
when LeakSanitizer reports the canary's own leak: 4099 bytes in one object allocated from
leak_on_purpose. Exit 0: reported; 77: no GL device (the canary skipped); 1: anything else."""
import os
import subprocess
import sys
import tempfile

BYTES = 4099


def main():
    exe = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="leak-canary-") as logs:
        env = dict(os.environ)
        # Later options win: the report goes to our directory, whatever the stage set.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":log_path=%s/report" % logs
        r = subprocess.run([exe], env=env, capture_output=True, text=True, timeout=300)
        reports = {f: open(os.path.join(logs, f), errors="replace").read()
                   for f in sorted(os.listdir(logs))}
    if r.returncode == 77:
        print("leak canary: skipped (no EGL/GL device)")
        return 77
    text = "\n".join(reports.values())
    lines = text.splitlines()
    heading = "Direct leak of %d byte(s) in 1 object(s) allocated from:" % BYTES
    ok = r.returncode != 0 and "ERROR: LeakSanitizer: detected memory leaks" in text and \
        "fatal error" not in text and heading in lines
    frame = ""
    if ok:
        stack = lines[lines.index(heading) + 1:]
        frame = next((s.strip() for s in stack[:8] if "leak_on_purpose" in s), "")
        ok = bool(frame)
    if not ok:
        print("leak canary: NOT reported (exit %d); the sanitizer stage no longer detects leaks"
              % r.returncode)
        print(r.stdout + r.stderr)
        for name, report in reports.items():
            print("--- %s\n%s" % (name, report))
        return 1
    print("leak canary: reported: %s %s (process exit %d, %d report file)"
          % (heading.rstrip(":"), frame, r.returncode, len(reports)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
