#!/usr/bin/env python3
"""Run a command; print one JSON line with its wall time (s), peak RSS (MB, the largest of the
process and its children) and exit code. Its stdout goes to OUT (or /dev/null).

Usage: measure.py OUT -- CMD [ARGS...]
"""
import json
import resource
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit(__doc__)
    out_path, cmd = sys.argv[1], sys.argv[3:]
    start = time.monotonic()
    with open(out_path, "wb") as out:
        code = subprocess.call(cmd, stdout=out)
    wall = time.monotonic() - start
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"wall_s": round(wall, 3), "peak_rss_mb": round(rss_kb / 1024, 1), "exit": code}))


if __name__ == "__main__":
    main()
