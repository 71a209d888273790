"""``npyscope`` on an ``NpyRef`` fetched by a real DataJoint from a real PostgreSQL server.

The server is the test suite's fixture (``tests/db/fixture.py serve``: PostgreSQL and MariaDB on
loopback, filled by DataJoint); it needs ``python3`` with datajoint, psycopg2 and pymysql, as
``.ci/run`` installs them. This process needs datajoint and psycopg2 too (``.ci/wheel`` puts
them in the wheel's venv).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import npyscope

FIXTURE = Path(__file__).resolve().parent.parent / "db" / "fixture.py"
SCHEMA = "npyscope_test"


class DataJointRefTest(unittest.TestCase):
    """An NpyRef from ``Recording.fetch1`` opens in npyscope: ``info`` and the window's command."""

    server: subprocess.Popen[bytes]
    work: tempfile.TemporaryDirectory[str]
    fixture: dict

    @classmethod
    def setUpClass(cls) -> None:
        cls.work = tempfile.TemporaryDirectory()
        # Not inside the private temporary folder: the servers run as an unprivileged user.
        root = Path(tempfile.gettempdir()) / f"npyscope-db-py-{os.getpid()}"
        log = open(Path(cls.work.name) / "fixture.log", "wb")
        env = {k: v for k, v in os.environ.items() if k != "DJ_STORES"}
        cls.server = subprocess.Popen(
            ["python3", str(FIXTURE), "serve", "--dir", str(root), "--parent", str(os.getpid())],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL, env=env,
        )
        ready = root / "fixture.json"
        deadline = time.monotonic() + 900
        while not ready.exists():
            if cls.server.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError(
                    "the database fixture did not start:\n"
                    + (Path(cls.work.name) / "fixture.log").read_text()[-3000:]
                )
            time.sleep(0.2)
        cls.fixture = json.loads(ready.read_text())

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.terminate()
        cls.server.wait(timeout=60)
        cls.work.cleanup()
        shutil.rmtree(Path(tempfile.gettempdir()) / f"npyscope-db-py-{os.getpid()}", ignore_errors=True)

    def test_an_npy_ref_from_datajoint_opens_in_npyscope(self) -> None:
        pg = self.fixture["postgresql"]
        project = Path(self.work.name) / "project"
        project.mkdir()
        config = project / "datajoint.json"
        config.write_text(json.dumps({
            "database": {"backend": "postgresql", "host": "127.0.0.1", "port": pg["port"],
                         "user": pg["user"]},
            "stores": {"default": "main", "main": {"protocol": "file", "location": pg["store"]}},
        }))
        os.environ.update(DJ_HOST="127.0.0.1", DJ_PORT=str(pg["port"]), DJ_USER=pg["user"],
                          DJ_PASS=pg["password"], DJ_BACKEND="postgresql")
        cwd = os.getcwd()
        os.chdir(project)
        try:
            import datajoint as dj

            dj.config.load(str(config))
            recordings = dj.VirtualModule("recordings", SCHEMA)
            key = {"animal": "mouse01", "session": 1, "recording_id": 1}
            ref = (recordings.Recording & key).fetch1("waveform")
        finally:
            os.chdir(cwd)
        self.assertTrue(hasattr(ref, "store") and hasattr(ref, "path"), type(ref))

        # The CLI reads the array's header where DataJoint put it: the shape DataJoint reports.
        info = npyscope.info(ref, config=config)
        self.assertEqual(list(info["shape"]), list(ref.shape))
        self.assertEqual(info["path"], str(ref.path).lstrip("/"))

        # The window opens on that store and path; with a display, it starts and is stopped.
        argv = npyscope.show_argv(npyscope._target.target_argument(ref, config), config)
        self.assertEqual(argv[-1], f"main:{str(ref.path).lstrip('/')}")
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            return
        window = npyscope.show(ref, config=config)
        try:
            time.sleep(1.0)
            self.assertIsNone(window.poll(), "the window process ended at once")
        finally:
            window.kill()
            window.wait(timeout=30)


if __name__ == "__main__":
    unittest.main()
