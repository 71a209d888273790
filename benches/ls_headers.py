"""Benchmark: header-only listing of 10,000 small .npy files, npyscope vs numpy (local) and vs
curl's parallel ranged GETs against the same S3 test server (remote).

usage: python3 ls_headers.py --npyscope BIN --server BIN --work DIR [--n 10000] [--only ls_local|ls_s3|ls_local_scaling]
Prints detail lines, then `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1: npyscope is better).
ls_local_scaling runs the local scan pinned (taskset) to 1, 2, ... nproc cores over 10,000 and 100,000 files.
"""
import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import numpy.lib.format as fmt

REPEAT = 5


def timed(cmd, env=None):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - start, out


def numpy_scan(root):
    """The same work with numpy: find every .npy file, read its magic and header."""
    count = 0
    for folder, _, files in os.walk(root):
        for name in files:
            if not name.endswith(".npy"):
                continue
            with open(os.path.join(folder, name), "rb") as f:
                version = fmt.read_magic(f)
                if version == (1, 0):
                    fmt.read_array_header_1_0(f)
                else:
                    fmt.read_array_header_2_0(f)
            count += 1
    return count


def bench_local(args, store):
    cmd = [args.npyscope, "ls", "--recursive", "--json", store]
    timed(cmd)  # warm the page cache
    ours = []
    for _ in range(REPEAT):
        elapsed, out = timed(cmd)
        lines = out.stdout.count(b"\n")
        assert lines == args.n, f"npyscope listed {lines} objects, expected {args.n}"
        assert b'"error":null' in out.stdout
        ours.append(elapsed)
    peer = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        count = numpy_scan(store)
        peer.append(time.perf_counter() - start)
        assert count == args.n
    ours_rate = args.n / statistics.median(ours)
    peer_rate = args.n / statistics.median(peer)
    print(f"ls_local detail: {args.n} files, median of {REPEAT}: npyscope {statistics.median(ours):.3f} s "
          f"(whole process, JSON to a pipe), numpy {statistics.median(peer):.3f} s (in-process, headers only)")
    print(f"ls_local: ours {ours_rate:,.0f} headers/s, peer {peer_rate:,.0f} headers/s, ratio {ours_rate / peer_rate:.2f}")


def make_store(work, n):
    store = os.path.join(work, f"store-{n}")
    if not os.path.exists(os.path.join(store, ".complete")):
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "make_store.py"), str(n), store], check=True)
        open(os.path.join(store, ".complete"), "w").close()
    return store


def bench_local_scaling(args):
    """The local scan pinned to the first 1, 2, ... nproc cores (taskset), 10,000 and 100,000 files;
    numpy (one thread whatever the cores) in the same run as the peer."""
    cores = len(os.sched_getaffinity(0))
    for n in (10_000, 100_000):
        store = make_store(args.work, n)
        cmd = [args.npyscope, "ls", "--recursive", "--json", store]
        timed(cmd)  # warm the page cache
        rates = {}
        for k in range(1, cores + 1):
            pinned = ["taskset", "-c", f"0-{k - 1}"] + cmd
            runs = []
            for _ in range(REPEAT):
                elapsed, out = timed(pinned)
                assert out.stdout.count(b"\n") == n
                runs.append(elapsed)
            rates[k] = n / statistics.median(runs)
            print(f"ls_local_scaling detail: {n} files, {k} core{'s' if k > 1 else ''}: "
                  f"{rates[k]:,.0f} headers/s, speedup {rates[k] / rates[1]:.2f}x vs 1 core")
        peer = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            assert numpy_scan(store) == n
            peer.append(time.perf_counter() - start)
        peer_rate = n / statistics.median(peer)
        print(f"ls_local_scaling_{n}: ours {rates[cores]:,.0f} headers/s on {cores} cores, "
              f"peer {peer_rate:,.0f} headers/s, ratio {rates[cores] / peer_rate:.2f}")


def bench_s3(args, store):
    root = tempfile.mkdtemp(prefix="npyscope-s3-", dir=args.work)
    server = subprocess.Popen(
        [args.server, root, "--upload", store, "--bucket", "bench", "--prefix", "store"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = {}
        for _ in range(3):
            key, value = server.stdout.readline().split()
            info[key] = value
        endpoint = info["endpoint"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=info["access_key"], AWS_SECRET_ACCESS_KEY=info["secret_key"],
                   AWS_ENDPOINT_URL=endpoint, AWS_ALLOW_HTTP="true", AWS_REGION="us-east-1")
        cmd = [args.npyscope, "ls", "--recursive", "--json", "--stats", "s3://bench/store"]
        timed(cmd, env)
        ours, stats = [], ""
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for _ in range(REPEAT):
            elapsed, out = timed(cmd, env)
            assert out.stdout.count(b"\n") == args.n
            ours.append(elapsed)
            stats = out.stderr.decode().strip().splitlines()[-1]
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) / REPEAT
        records = [json.loads(line) for line in out.stdout.splitlines()]
        # Peer: curl fetching the same first 4 KiB of every object (clamped to the object, as
        # s3s-fs refuses ranges past the end), 64 transfers at once, each signed.
        auth = f"aws-sigv4 = \"aws:amz:us-east-1:s3\"\nheader = \"x-amz-content-sha256: UNSIGNED-PAYLOAD\"\nuser = \"{info['access_key']}:{info['secret_key']}\"\n"
        with tempfile.NamedTemporaryFile("w", suffix=".curl", dir=args.work, delete=False) as cfg:
            for i, record in enumerate(records):
                # Percent-encode each segment as S3's canonical request does (`=` → %3D).
                key = "/".join(urllib.parse.quote(part, safe="-_.~") for part in record["path"].split("/"))
                end = min(4096, record["object_size"]) - 1
                if i:
                    cfg.write("next\n")
                cfg.write(f'url = "{endpoint}/bench/store/{key}"\noutput = "/dev/null"\nrange = "0-{end}"\n{auth}')
        curl = ["curl", "--silent", "--show-error", "--fail", "--parallel", "--parallel-max", "64", "--config", cfg.name]
        signed = ["curl", "--silent", "--show-error", "--fail", "--aws-sigv4", "aws:amz:us-east-1:s3",
                  "--header", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                  "--user", f"{info['access_key']}:{info['secret_key']}"]

        def curl_list():
            """The listing, page by page (ListObjectsV2, 1,000 keys a page), as any client must."""
            token, keys = None, 0
            while True:
                # Parameters in sorted order: curl signs the query string as written.
                query = "list-type=2&max-keys=1000&prefix=store%2F"
                if token:
                    query = "continuation-token=" + urllib.parse.quote(token, safe="") + "&" + query
                page = subprocess.run(signed + [f"{endpoint}/bench?{query}"], check=True,
                                      stdout=subprocess.PIPE).stdout.decode()
                keys += page.count("<Key>")
                found = re.search(r"<NextContinuationToken>([^<]+)</NextContinuationToken>", page)
                if not found:
                    return keys
                token = found.group(1)

        listing, gets = [], []
        for _ in range(REPEAT):
            start = time.perf_counter()
            assert curl_list() >= args.n
            listing.append(time.perf_counter() - start)
            gets.append(timed(curl)[0])
        os.unlink(cfg.name)
        peer = [a + b for a, b in zip(listing, gets)]
        ours_rate = args.n / statistics.median(ours)
        peer_rate = args.n / statistics.median(peer)
        print(f"ls_s3 detail: {args.n} objects on the loopback s3s-fs server; npyscope --stats: {stats}; "
              f"npyscope's own CPU time {client_cpu:.2f} s per run (the rest is waiting for the server)")
        print(f"ls_s3 detail: peer = curl: the listing page by page ({statistics.median(listing):.2f} s), then one "
              f"signed 4 KiB ranged GET per object, 64 at once ({statistics.median(gets):.2f} s); no parsing")
        print(f"ls_s3 detail: npyscope overlaps the two: header reads start with the first listing page")
        print(f"ls_s3: ours {ours_rate:,.0f} headers/s, peer {peer_rate:,.0f} headers/s, ratio {ours_rate / peer_rate:.2f}")
    finally:
        server.stdin.close()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--npyscope", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--only")
    args = parser.parse_args()
    if args.only == "ls_local_scaling":
        bench_local_scaling(args)
        return
    store = make_store(args.work, args.n)
    if args.only in (None, "ls_local"):
        bench_local(args, store)
    if args.only in (None, "ls_s3"):
        bench_s3(args, store)


if __name__ == "__main__":
    main()
