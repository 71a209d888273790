"""The database benchmarks: `npyscope db rows` against DataJoint's own `to_dicts()`, and listing a
table's arrays from the database against the header-only scan of the same files (local and on
the loopback S3 test server).

usage: python3 db_rows.py --npyscope BIN --server S3BIN --work DIR [--ui BENCH_UI] [--rows 100000]
                          [--files 2000]

With --ui (the `bench_ui` example), the window is timed on the 100,000-row table too: from the
click on the table to its first row drawn, against DataJoint's `to_dicts(limit=1000)` of the same
first page, then the frame times while its rows scroll (pages read as they come into view).

A PostgreSQL server is started by tests/db/fixture.py (the tests' fixture). The 100,000-row
table's `<npy@>` cells are inserted with SQL as the exact JSON DataJoint writes
(`{"path", "store", "dtype", "shape"}`; fetching them reads no file, in DataJoint or npyscope);
the listing table is inserted by DataJoint itself, files and all.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPEAT = 3
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "tests", "db", "fixture.py")


def timed(cmd, env=None, cwd=None):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - start, out


def start_fixture(work):
    root = os.path.join(work, f"db-{os.getpid()}")
    log = open(os.path.join(work, "db-fixture.log"), "w")
    proc = subprocess.Popen([sys.executable, FIXTURE, "serve", "--dir", root, "--parent", str(os.getpid())],
                            stdout=log, stderr=log)
    path = os.path.join(root, "fixture.json")
    while not os.path.exists(path):
        if proc.poll() is not None:
            sys.exit(f"the database fixture failed; see {log.name}")
        time.sleep(0.2)
    with open(path) as f:
        return json.load(f)["postgresql"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--npyscope", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--ui", help="the bench_ui example: also time the window on the big table")
    args = p.parse_args()
    args.npyscope, args.server, args.work = (os.path.abspath(a) for a in (args.npyscope, args.server, args.work))
    os.makedirs(args.work, exist_ok=True)
    pg = start_fixture(args.work)
    project = tempfile.mkdtemp(prefix="npyscope-dbbench-", dir=args.work)
    store = os.path.join(project, "store")
    os.makedirs(store)
    os.makedirs(os.path.join(project, ".git"))
    config = {
        "database": {"host": "127.0.0.1", "port": pg["port"], "user": pg["user"], "password": pg["password"],
                     "backend": "postgresql", "use_tls": False},
        "stores": {"default": "main", "main": {"protocol": "file", "location": store}},
    }
    with open(os.path.join(project, "datajoint.json"), "w") as f:
        json.dump(config, f)
    os.chdir(project)
    for var in ("DJ_HOST", "DJ_PORT", "DJ_USER", "DJ_PASS", "DJ_BACKEND", "DJ_STORES"):
        os.environ.pop(var, None)
    import numpy as np
    import psycopg2
    import psycopg2.extras

    import datajoint as dj

    schema = dj.Schema("npyscope_bench")

    @schema
    class Trace(dj.Manual):
        definition = """
        # many rows, two <npy@> columns
        item : int32
        ---
        rate : float64   # Hz
        note : varchar(32)
        a : <npy@main>
        b : <npy@main>
        """

    @schema
    class Small(dj.Manual):
        definition = """
        # real files, for the listing comparison
        item : int32
        ---
        a : <npy@main>
        b : <npy@main>
        """

    conn = psycopg2.connect(host="127.0.0.1", port=pg["port"], user=pg["user"], password=pg["password"],
                            dbname="postgres")
    cur = conn.cursor()

    def cell(i, field, shape):
        return json.dumps({"path": f"_schema/npyscope_bench/trace/item={i}/{field}_{i:08d}.npy", "store": "main",
                           "dtype": "float32", "shape": list(shape)})

    rows = [(i, 30000.0, f"trace {i}", cell(i, "a", (30000, 4)), cell(i, "b", (120,))) for i in range(args.rows)]
    psycopg2.extras.execute_values(
        cur, "INSERT INTO npyscope_bench.trace (item, rate, note, a, b) VALUES %s", rows, page_size=5000)
    conn.commit()
    conn.close()
    Small.insert([dict(item=i, a=np.zeros((16, 4), np.float32), b=np.arange(10)) for i in range(args.files)])

    env = dict(os.environ)
    env.pop("NPYSCOPE_LOG", None)
    db_rows = [args.npyscope, "db", "rows", "npyscope_bench.Trace", "--json"]
    timed(db_rows, env)
    ours = []
    for _ in range(REPEAT):
        elapsed, out = timed(db_rows, env)
        assert out.stdout.count(b"\n") == args.rows
        ours.append(elapsed)
    peer = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fetched = Trace.to_dicts()
        peer.append(time.perf_counter() - start)
        assert len(fetched) == args.rows
    o, q = args.rows / statistics.median(ours), args.rows / statistics.median(peer)
    print(f"db_rows detail: {args.rows} rows, 2 <npy@> columns, local PostgreSQL; median of {REPEAT}: npyscope "
          f"{statistics.median(ours):.2f} s (whole process: start, connect, catalog, JSON to a pipe), DataJoint "
          f"to_dicts() {statistics.median(peer):.2f} s (in-process, connected)")
    print(f"db_rows: ours {o:,.0f} rows/s, peer {q:,.0f} rows/s, ratio {o / q:.2f}")

    if args.ui:
        ui = subprocess.run([os.path.abspath(args.ui), "database", project, "npyscope_bench", "Trace · manual", "trace 0"],
                            env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
        ours_ms = None
        for line in ui.splitlines():
            if line.startswith("RESULT db_first_page_ms "):
                ours_ms = float(line.split()[-1])
            else:
                print(line)
        peer = []
        for _ in range(REPEAT):
            start = time.perf_counter()
            page = Trace.to_dicts(order_by="KEY", limit=1000)
            peer.append(time.perf_counter() - start)
            assert len(page) == 1000
        peer_ms = statistics.median(peer) * 1e3
        print(f"db_first_page: ours {ours_ms:.1f} ms (click to first row drawn in the window, budget 300 ms), "
              f"peer {peer_ms:.1f} ms (DataJoint to_dicts(limit=1000), in-process, connected), "
              f"ratio {peer_ms / ours_ms:.2f}")

    # A table's arrays with shape, dtype and size: from the database, or from the store's headers.
    arrays = 2 * args.files
    from_db = [args.npyscope, "db", "rows", "npyscope_bench.Small", "--json"]
    scan = [args.npyscope, "ls", "-r", "--json", "main:_schema/npyscope_bench/small"]
    db_times = [timed(from_db, env)[0] for _ in range(REPEAT)]
    scan_times = [timed(scan, env)[0] for _ in range(REPEAT)]
    o, q = arrays / statistics.median(db_times), arrays / statistics.median(scan_times)
    print(f"db_listing_local: ours {o:,.0f} arrays/s (from the database), peer {q:,.0f} arrays/s "
          f"(header-only scan of the local store), ratio {o / q:.2f}")

    root = tempfile.mkdtemp(prefix="npyscope-s3-", dir=args.work)
    server = subprocess.Popen([args.server, root, "--upload", store, "--bucket", "bench", "--prefix", "store"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        info = {}
        for _ in range(3):
            key, value = server.stdout.readline().split()
            info[key] = value
        s3env = dict(env, AWS_ACCESS_KEY_ID=info["access_key"], AWS_SECRET_ACCESS_KEY=info["secret_key"],
                     AWS_ENDPOINT_URL=info["endpoint"], AWS_ALLOW_HTTP="true", AWS_REGION="us-east-1")
        s3scan = [args.npyscope, "ls", "-r", "--json", "s3://bench/store/_schema/npyscope_bench/small"]
        timed(s3scan, s3env)
        s3_times = []
        for _ in range(REPEAT):
            elapsed, out = timed(s3scan, s3env)
            assert out.stdout.count(b"\n") == arrays
            s3_times.append(elapsed)
        q = arrays / statistics.median(s3_times)
        print(f"db_listing_s3: ours {o:,.0f} arrays/s (from the database), peer {q:,.0f} arrays/s "
              f"(header-only scan of the same files on the loopback S3 server), ratio {o / q:.2f}")
    finally:
        server.stdin.close()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
