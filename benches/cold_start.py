"""Cold start of the inspector window: from launching the release binary to its first frame.

Runs `target/release/npyscope` under Xvfb (a virtual X display; software OpenGL) with
NPYSCOPE_LOG=info and times how long the `first frame` log line takes, RUNS times; the first run
also makes the demo store when it is missing (reported apart). Prints
`cold_start: ours X ms (median of N), budget 1000 ms`.

    python3 benches/cold_start.py --bin target/release/npyscope [--runs 10]

Needs `Xvfb` (Debian: apt-get install xvfb).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def start_display():
    if shutil.which("Xvfb") is None:
        sys.exit("cold_start: Xvfb is not installed (apt-get install xvfb)")
    display = ":97"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2.0)
    return display, server


def one_run(binary, env, cwd):
    started = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, cwd=cwd, stderr=subprocess.PIPE, text=True)
    elapsed = None
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if "first frame" in line:
                elapsed = time.perf_counter() - started
                break
            if time.perf_counter() - started > 30:
                break
    finally:
        proc.kill()
        proc.wait()
    if elapsed is None:
        sys.exit("cold_start: the window never logged its first frame:\n" + "".join(seen[-10:]))
    return elapsed * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    args.bin = os.path.abspath(args.bin)
    display, server = start_display()
    try:
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, DISPLAY=display, NPYSCOPE_LOG="npyscope=info",
                       NPYSCOPE_DEMO_DIR=os.path.join(home, "demo"), HOME=home,
                       XDG_CONFIG_HOME=os.path.join(home, "config"),
                       XDG_DATA_HOME=os.path.join(home, "data"))
            env.pop("WAYLAND_DISPLAY", None)
            first = one_run(args.bin, env, home)
            times = [one_run(args.bin, env, home) for _ in range(args.runs)]
    finally:
        server.kill()
    print(f"cold_start_first_run: ours {first:.0f} ms (demo store made in the background)")
    print(f"cold_start: ours {statistics.median(times):.0f} ms (median of {len(times)}, "
          f"max {max(times):.0f} ms), budget 1000 ms")


if __name__ == "__main__":
    main()
