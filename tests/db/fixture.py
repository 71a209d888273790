#!/usr/bin/env python3
"""Real DataJoint databases for npyscope's tests.

`fixture.py serve --dir D --parent PID` starts a PostgreSQL and a MariaDB server on loopback
(as an unprivileged user when run as root: PostgreSQL refuses root), declares and fills the
same DataJoint schema in both with DataJoint itself, writes `D/fixture.json` (how to connect,
and what DataJoint's own fetch returns for each table), then waits until process PID ends and
stops both servers. Packages it needs that are missing (the servers from Debian's packages,
datajoint/numpy/psycopg2/pymysql from PyPI) are installed first.

`fixture.py fill --backend B --store S --out F` (run by `serve`, with DJ_* set) declares the
schema in one server and writes what DataJoint fetches back to F.

MariaDB note: DataJoint 2.3.5 cannot insert codec values (`<npy@>`, `<blob@>`) into MariaDB,
whose JSON columns read back as `longtext`. The fill marks those attributes as JSON the way
DataJoint itself recovers `:json:` columns on MariaDB, so DataJoint's own encoder and insert
write exactly the JSON it writes on MySQL 8 and PostgreSQL.
"""

import argparse
import datetime
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

SCHEMA = "npyscope_test"
PG_PASSWORD = "pg-secret-Xq7"
MY_PASSWORD = "my-secret-Zk9"
READER_PASSWORD = "reader-secret-W2"
BIG_ROWS = 100_000


def log(msg):
    print(f"[db fixture] {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_packages():
    have_pg = bool(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    have_my = shutil.which("mariadbd") or os.path.exists("/usr/sbin/mariadbd")
    if not (have_pg and have_my):
        if os.geteuid() != 0:
            sys.exit("PostgreSQL and MariaDB servers are missing: apt-get install postgresql mariadb-server")
        log("installing postgresql and mariadb-server from Debian's packages")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql", "mariadb-server"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    try:
        import datajoint  # noqa: F401
        import numpy  # noqa: F401
        import psycopg2  # noqa: F401
        import pymysql  # noqa: F401
    except ImportError:
        log("installing datajoint, numpy, psycopg2-binary, pymysql from PyPI")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "datajoint==2.3.5", "numpy", "psycopg2-binary", "pymysql"],
            check=True,
        )


def service_user():
    """(uid, gid) to run the servers as: the current user, or an unprivileged one for root."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    name = "npyscope-db"
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True)
        pw = pwd.getpwnam(name)
    return pw.pw_uid, pw.pw_gid


def wait_port(port, proc, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{what} exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{what} did not listen on {port} within {timeout} s")


def start_postgres(root, uid, gid):
    bindir = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    data = os.path.join(root, "pg")
    sock = os.path.join(root, "pgsock")
    for d in (data, sock):
        os.makedirs(d)
        os.chown(d, uid, gid)
    pwfile = os.path.join(root, "pgpw")
    with open(pwfile, "w") as f:
        f.write(PG_PASSWORD + "\n")
    os.chown(pwfile, uid, gid)
    os.chmod(pwfile, 0o600)
    subprocess.run(
        [f"{bindir}/initdb", "-D", data, "-U", "postgres", f"--pwfile={pwfile}", "--auth-host=scram-sha-256",
         "--auth-local=trust", "-E", "UTF8", "--no-locale"],
        check=True, user=uid, group=gid, extra_groups=[], stdout=subprocess.DEVNULL,
    )
    os.remove(pwfile)
    port = free_port()
    logfile = open(os.path.join(root, "pg.log"), "w")
    os.chown(logfile.name, uid, gid)
    proc = subprocess.Popen(
        [f"{bindir}/postgres", "-D", data, "-p", str(port), "-k", sock, "-c", "listen_addresses=127.0.0.1",
         "-c", "log_statement=mod", "-c", "log_line_prefix=%a|", "-c", "fsync=off"],
        user=uid, group=gid, extra_groups=[], stdout=logfile, stderr=subprocess.STDOUT,
    )
    wait_port(port, proc, "postgres")
    import psycopg2

    for _ in range(100):
        try:
            conn = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", password=PG_PASSWORD, dbname="postgres")
            break
        except psycopg2.OperationalError:
            time.sleep(0.2)
    else:
        sys.exit("postgres did not accept connections")
    conn.autocommit = True
    conn.cursor().execute(f"CREATE ROLE reader LOGIN PASSWORD '{READER_PASSWORD}'")
    conn.close()
    return proc, port, os.path.join(root, "pg.log")


def start_mariadb(root, uid, gid):
    data = os.path.join(root, "my")
    os.makedirs(data)
    os.chown(data, uid, gid)
    user = pwd.getpwuid(uid).pw_name
    install = shutil.which("mariadb-install-db") or "/usr/bin/mariadb-install-db"
    subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", f"--user={user}", "--auth-root-authentication-method=normal",
         "--skip-test-db"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    port = free_port()
    sock = os.path.join(root, "my.sock")
    server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
    proc = subprocess.Popen(
        [server, "--no-defaults", f"--datadir={data}", f"--port={port}", "--bind-address=127.0.0.1",
         f"--socket={sock}", f"--pid-file={root}/my.pid", f"--log-error={root}/my.err", "--skip-log-bin",
         "--innodb-flush-log-at-trx-commit=0"],
        user=uid, group=gid, extra_groups=[], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_port(port, proc, "mariadbd")
    import pymysql

    for _ in range(100):
        try:
            conn = pymysql.connect(unix_socket=sock, user="root")
            break
        except pymysql.err.OperationalError:
            time.sleep(0.2)
    else:
        sys.exit("mariadbd did not accept connections")
    cur = conn.cursor()
    for host in ("%", "localhost", "127.0.0.1"):
        cur.execute(f"CREATE USER 'dj'@'{host}' IDENTIFIED BY '{MY_PASSWORD}'")
        cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO 'dj'@'{host}' WITH GRANT OPTION")
        cur.execute(f"CREATE USER 'reader'@'{host}' IDENTIFIED BY '{READER_PASSWORD}'")
    conn.commit()
    conn.close()
    return proc, port


def run_fill(root, backend, port, user, password, store):
    work = os.path.join(root, f"fill-{backend}")
    os.makedirs(work)
    os.makedirs(store, exist_ok=True)
    with open(os.path.join(work, "datajoint.json"), "w") as f:
        json.dump({"stores": {"default": "main", "main": {"protocol": "file", "location": store}}}, f)
    out = os.path.join(root, f"expected-{backend}.json")
    env = dict(os.environ, DJ_HOST="127.0.0.1", DJ_PORT=str(port), DJ_USER=user, DJ_PASS=password,
               DJ_BACKEND=backend)
    env.pop("DJ_STORES", None)
    subprocess.run([sys.executable, os.path.abspath(__file__), "fill", "--backend", backend, "--store", store,
                    "--out", out], check=True, cwd=work, env=env)
    with open(out) as f:
        return json.load(f)


def serve(args):
    ensure_packages()
    root = os.path.abspath(args.dir)
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    uid, gid = service_user()
    # The servers write their logs, sockets and pid files here.
    os.chown(root, uid, gid)
    procs = []

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(root, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        t0 = time.time()
        pg, pg_port, pg_log = start_postgres(root, uid, gid)
        procs.append(pg)
        my, my_port = start_mariadb(root, uid, gid)
        procs.append(my)
        log(f"servers up in {time.time() - t0:.1f} s (postgres {pg_port}, mariadb {my_port})")
        stores = {b: os.path.join(root, f"store-{b}") for b in ("postgresql", "mysql")}
        expected = {
            "postgresql": run_fill(root, "postgresql", pg_port, "postgres", PG_PASSWORD, stores["postgresql"]),
            "mysql": run_fill(root, "mysql", my_port, "dj", MY_PASSWORD, stores["mysql"]),
        }
        log(f"filled in {time.time() - t0:.1f} s")
        fixture = {
            "schema": SCHEMA,
            "big_rows": BIG_ROWS,
            "postgresql": {"port": pg_port, "user": "postgres", "password": PG_PASSWORD, "store": stores["postgresql"],
                           "log": pg_log, "reader_password": READER_PASSWORD, "expected": expected["postgresql"]},
            "mysql": {"port": my_port, "user": "dj", "password": MY_PASSWORD, "store": stores["mysql"],
                      "reader_password": READER_PASSWORD, "expected": expected["mysql"]},
        }
        tmp = os.path.join(root, "fixture.json.tmp")
        with open(tmp, "w") as f:
            json.dump(fixture, f)
        os.rename(tmp, os.path.join(root, "fixture.json"))
    except BaseException as err:  # noqa: BLE001 - report, stop the servers, fail
        log(f"failed: {err}")
        with open(os.path.join(root, "fixture.error"), "w") as f:
            f.write(str(err))
        for p in procs:
            p.kill()
        raise
    # Serve until the test process is gone.
    while True:
        try:
            os.kill(args.parent, 0)
        except ProcessLookupError:
            stop()
        if any(p.poll() is not None for p in procs):
            log("a server stopped on its own")
        time.sleep(0.5)


def jsonable(value):
    import numpy as np

    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (datetime.datetime,)):
        return value.isoformat()
    if isinstance(value, (datetime.date,)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "store") and hasattr(value, "path") and hasattr(value, "shape"):  # NpyRef
        return {"codec": "npy", "store": value.store, "path": value.path, "shape": list(value.shape),
                "dtype": str(value.dtype)}
    if isinstance(value, np.ndarray):
        return {"array": True, "shape": list(value.shape), "dtype": str(value.dtype)}
    return repr(value)


def fill(args):
    import numpy as np

    import datajoint as dj

    backend = args.backend
    schema = dj.Schema(SCHEMA)
    rng = np.random.default_rng(7)

    @schema
    class Animal(dj.Lookup):
        definition = """
        # lab animals
        animal : varchar(16)   # name of animal
        ---
        sex : enum('M', 'F')
        weight : float32       # grams
        born : date
        note = null : varchar(255)
        """
        contents = [("mouse01", "M", 21.5, "2024-01-02", None), ("mouse/02", "F", 19.25, "2024-02-03", "likes cheese")]

    @schema
    class Session(dj.Manual):
        definition = """
        # a recording session
        -> Animal
        session : int16
        ---
        session_date : date
        started : datetime
        sampling_rate : float64   # Hz
        meta = null : json
        """

    @schema
    class Recording(dj.Manual):
        definition = """
        # raw recordings
        -> Session
        recording_id : int32
        ---
        waveform : <npy@main>   # raw voltage
        spikes : <npy@main>
        small : <blob>          # in-table blob
        """

    @schema
    class RecordingStats(dj.Computed):
        definition = """
        # per-recording statistics
        -> Recording
        ---
        mean_amp : float64
        """

        class Channel(dj.Part):
            definition = """
            -> master
            channel : int16
            ---
            rms : float32
            """

        def make(self, key):
            wave = (Recording & key).fetch1("waveform").load()
            self.insert1(dict(key, mean_amp=float(np.abs(wave).mean())))
            self.Channel.insert(
                [dict(key, channel=c, rms=float(np.sqrt((wave[:, c] ** 2).mean()))) for c in range(wave.shape[1])]
            )

    @schema
    class Big(dj.Manual):
        definition = """
        # many rows, for paging
        item : int32
        ---
        value : float64
        label : varchar(32)
        """

    @schema
    class Trace(dj.Manual):
        definition = """
        # analysis results kept as DataJoint blobs
        -> Session
        trace_id : int16
        ---
        signal : <blob@main>    # in-store blob (_hash)
        summary : <blob>        # in-table blob
        fs = null : float32     # sampling rate, Hz
        """

    if backend == "mysql":
        # DataJoint's own recovery of :json: on MariaDB, extended to codecs stored as JSON.
        for table in (Recording,):
            heading = table().heading
            for name, attr in list(heading.attributes.items()):
                if attr.codec is not None and attr.type.lower() in ("longtext", "json"):
                    heading.attributes[name] = attr._replace(json=True)

    Session.insert(
        [
            dict(animal="mouse01", session=1, session_date="2024-03-01", started="2024-03-01 10:15:00",
                 sampling_rate=30000.0, meta={"rig": "A", "probes": [1, 2]}),
            dict(animal="mouse01", session=2, session_date="2024-03-02", started="2024-03-02 09:00:30",
                 sampling_rate=20000.0, meta=None),
            dict(animal="mouse/02", session=1, session_date="2024-04-10", started="2024-04-10 14:00:00",
                 sampling_rate=30000.0, meta={"rig": "B"}),
        ]
    )
    recordings = []
    for (animal, session), n in zip([("mouse01", 1), ("mouse01", 2), ("mouse/02", 1)], [3000, 1500, 2000]):
        for rid in (1, 2):
            recordings.append(dict(
                animal=animal, session=session, recording_id=rid,
                waveform=rng.standard_normal((n, 4)).astype(np.float32),
                spikes=np.sort(rng.integers(0, n, size=17)).astype(np.int64),
                small=np.arange(6, dtype=np.int16).reshape(2, 3) * rid,
            ))
    Recording.insert(recordings)
    RecordingStats.populate()
    # Blobs as DataJoint packs them: compressed (zlib, > 1000 bytes) and not, mYm and dj0 (0-d), complex, a dict.
    trace_rows = ([
        dict(animal="mouse01", session=1, trace_id=1,
             signal=np.cumsum(rng.standard_normal((600, 3)), axis=0),
             summary=np.arange(6, dtype=np.int16).reshape(2, 3), fs=1000.0),
        dict(animal="mouse01", session=1, trace_id=2,
             signal=rng.integers(0, 100, size=(40, 5)).astype(np.int32),
             summary=np.array(3.25), fs=None),
        dict(animal="mouse/02", session=1, trace_id=1,
             signal=(rng.standard_normal((20, 15)) + 1j * rng.standard_normal((20, 15))).astype(np.complex64),
             summary={"rate": 30000.0, "units": "mV"}, fs=250.0),
        dict(animal="mouse01", session=2, trace_id=1,
             signal=np.zeros(5000, dtype=np.float32),
             summary=np.linspace(0, 1, 400).reshape(20, 20, order="F"), fs=500.0),
    ])
    if backend == "postgresql":
        Trace.insert(trace_rows)
    else:
        # DataJoint 2.3.5 cannot insert a JSON-typed codec value into MariaDB (its heading reads the column as
        # longtext). Mirror its insert with SQL, using DataJoint's own encoding: `blob.pack(v, compress=True)`
        # (BlobCodec.encode) for both attributes, the <blob@> bytes written to `_hash/{schema}/{hash}` with
        # hash = base32(md5) as HashCodec does, and its `{hash, path, schema, store, size}` JSON in the column.
        import base64
        import hashlib

        import datajoint.blob as djb

        for row in trace_rows:
            signal = djb.pack(row["signal"], compress=True)
            digest = base64.b32encode(hashlib.md5(signal).digest()).decode().rstrip("=").lower()
            path = f"_hash/{SCHEMA}/{digest}"
            os.makedirs(os.path.join(args.store, "_hash", SCHEMA), exist_ok=True)
            with open(os.path.join(args.store, path), "wb") as f:
                f.write(signal)
            cell = json.dumps({"hash": digest, "path": path, "schema": SCHEMA, "store": "main", "size": len(signal)})
            dj.conn().query(
                f"INSERT INTO `{SCHEMA}`.`trace` (animal, session, trace_id, `signal`, summary, fs) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                args=(row["animal"], row["session"], row["trace_id"], cell,
                      djb.pack(row["summary"], compress=True), row["fs"]))
    items = np.arange(BIG_ROWS)
    Big.insert(
        [dict(item=int(i), value=float(i) * 0.5, label=f"item {i}") for i in items]
    )

    expected = {}
    conn = dj.conn()
    # What DataJoint fetches from the blob table, as .npy files numpy writes (arrays) for the tests to compare.
    npy_dir = os.path.join(os.path.dirname(os.path.abspath(args.out)), f"npy-{backend}")
    os.makedirs(npy_dir, exist_ok=True)
    traces = []
    if backend == "postgresql":
        fetched = Trace.to_dicts()
    else:
        # What DataJoint's fetch decodes from those bytes (BlobCodec.decode: unpack(squeeze=False)).
        import datajoint.blob as djb

        fetched = [dict(r, signal=djb.unpack(djb.pack(r["signal"], compress=True), squeeze=False),
                        summary=djb.unpack(djb.pack(r["summary"], compress=True), squeeze=False))
                   for r in trace_rows]
    for row in fetched:
        files = {}
        for attr in ("signal", "summary"):
            value = row[attr]
            if isinstance(value, np.ndarray):
                name = f"{row['animal'].replace('/', '_')}-{row['session']}-{row['trace_id']}-{attr}.npy"
                np.save(os.path.join(npy_dir, name), value)
                files[attr] = {"npy": os.path.join(npy_dir, name), "shape": list(value.shape),
                               "dtype": value.dtype.str}
            else:
                files[attr] = {"npy": None, "value": jsonable(value)}
        traces.append({"key": {"animal": row["animal"], "session": int(row["session"]),
                               "trace_id": int(row["trace_id"])}, **files})
    expected["Trace"] = {"sql_name": Trace.table_name, "rows": traces, "primary_key": list(Trace.primary_key)}
    # The JSON DataJoint keeps for each <blob@> cell (its _hash path).
    q = 'SELECT CAST(signal AS text) FROM "{s}"."trace"' if backend == "postgresql" \
        else "SELECT `signal` FROM `{s}`.`trace`"
    expected["trace_signal_json"] = [json.loads(r[0]) for r in conn.query(q.format(s=SCHEMA)).fetchall()]
    for table in (Animal, Session, Recording, RecordingStats, RecordingStats.Channel):
        rows = [jsonable(r) for r in table.to_dicts()]
        expected[table.__name__ if table is not RecordingStats.Channel else "RecordingStats.Channel"] = {
            "sql_name": table.table_name,
            "rows": rows,
            "primary_key": list(table.primary_key),
        }
    # In-table blob sizes as the database keeps them.
    q = 'SELECT recording_id, octet_length(small) FROM "{s}"."recording" ORDER BY 1' if backend == "postgresql" \
        else "SELECT recording_id, LENGTH(small) FROM `{s}`.`recording` ORDER BY 1"
    expected["small_bytes"] = [int(r[1]) for r in conn.query(q.format(s=SCHEMA)).fetchall()]
    expected["Big"] = {"sql_name": Big.table_name, "count": len(Big()), "primary_key": ["item"]}
    with open(args.out, "w") as f:
        json.dump(expected, f)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--dir", required=True)
    s.add_argument("--parent", type=int, required=True)
    f = sub.add_parser("fill")
    f.add_argument("--backend", required=True)
    f.add_argument("--store", required=True)
    f.add_argument("--out", required=True)
    a = parser.parse_args()
    if a.cmd == "serve":
        serve(a)
    else:
        fill(a)


if __name__ == "__main__":
    main()
