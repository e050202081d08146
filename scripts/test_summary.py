# SPDX-License-Identifier: MIT
"""Sum the test cases of every meson test (our C runner's and pytest's closing lines) into one
'N passed, N failed, N skipped' line. Exits 1 if any case failed or any meson test failed."""
import json
import re
import sys

C_LINE = re.compile(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", re.M)
PYTEST_WORD = re.compile(r"(\d+) (passed|failed|skipped|error|errors)\b")

passed = failed = skipped = 0
bad_tests = []
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = t.get("stdout") or ""
        m = C_LINE.findall(out)
        if m:
            p, fl, s = map(int, m[-1])
        else:
            last = [l for l in out.splitlines() if PYTEST_WORD.search(l)]
            p = fl = s = 0
            if last:
                for n, word in PYTEST_WORD.findall(last[-1]):
                    if word == "passed":
                        p = int(n)
                    elif word == "skipped":
                        s = int(n)
                    else:
                        fl += int(n)
            elif t["result"] == "OK":
                p = 1
            elif t["result"] == "SKIP":
                s = 1
        if t["result"] not in ("OK", "SKIP", "EXPECTEDFAIL"):
            bad_tests.append(t["name"])
            fl = max(fl, 1)
        passed, failed, skipped = passed + p, failed + fl, skipped + s
if bad_tests:
    print("failed meson tests: " + ", ".join(bad_tests))
print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
sys.exit(1 if failed else 0)
