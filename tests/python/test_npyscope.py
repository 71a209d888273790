"""The Python package against the real installed ``npyscope`` binary and its demo store.

Run in an environment where the wheel is installed (``.ci/run`` does this):
``python -m unittest discover -s tests/python -v``. numpy is optional: the test of
``show(array)`` is skipped without it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
import unittest
from pathlib import Path
from types import SimpleNamespace

import npyscope
from npyscope import _show

#: The demo's (300000, 32) float32 waveform, a multi-channel recording.
WAVEFORM_SHAPE = [300000, 32]


def wait_until(condition, seconds: float = 10.0) -> bool:
    """Polls ``condition`` until it holds or ``seconds`` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


class NpyscopeTest(unittest.TestCase):
    """One temporary home for the demo store, the cache and a project with a datajoint.json."""

    work: Path
    demo: Path
    config: Path

    @classmethod
    def setUpClass(cls) -> None:
        cls.work = Path(tempfile.mkdtemp(prefix="npyscope-py-"))
        cls._saved_env = dict(os.environ)
        os.environ["NPYSCOPE_DEMO_DIR"] = str(cls.work / "demo")
        os.environ["NPYSCOPE_CACHE_DIR"] = str(cls.work / "cache")
        # The window's settings go here, not into the user's own folders.
        os.environ["XDG_DATA_HOME"] = str(cls.work / "data")
        os.environ["XDG_CONFIG_HOME"] = str(cls.work / "config")
        done = subprocess.run(
            [npyscope.executable(), "demo"], capture_output=True, text=True, check=True
        )
        first = done.stdout.splitlines()[0]
        assert first.startswith("Demo store: "), first
        cls.demo = Path(first[len("Demo store: ") :])
        project = cls.work / "project"
        (project / ".git").mkdir(parents=True)
        cls.config = project / "datajoint.json"
        stores = {"default": "lab", "lab": {"protocol": "file", "location": str(cls.demo)}}
        cls.config.write_text(json.dumps({"stores": stores}), encoding="utf-8")

    @classmethod
    def tearDownClass(cls) -> None:
        os.environ.clear()
        os.environ.update(cls._saved_env)
        shutil.rmtree(cls.work, ignore_errors=True)

    def waveform(self) -> dict:
        """The demo waveform's ``ls --json`` row."""
        rows = npyscope.ls(str(self.demo), recursive=True)
        found = [r for r in rows if r["shape"] == WAVEFORM_SHAPE]
        self.assertTrue(found, f"a {WAVEFORM_SHAPE} array among {len(rows)} rows")
        return found[0]

    def test_the_executable_is_the_one_installed_beside_python(self) -> None:
        scripts = Path(sysconfig.get_path("scripts")).resolve()
        self.assertEqual(Path(npyscope.executable()).resolve().parent, scripts)

    def test_version_is_the_binarys(self) -> None:
        out = subprocess.run(
            [npyscope.executable(), "--version"], capture_output=True, text=True, check=True
        ).stdout.split()
        self.assertEqual(out[0], "npyscope")
        self.assertEqual(npyscope.__version__, out[1])

    def test_import_loads_neither_numpy_nor_datajoint(self) -> None:
        code = "import sys, npyscope; print(sorted(m for m in ('numpy', 'datajoint') if m in sys.modules))"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        self.assertEqual(out.stdout.strip(), "[]")

    def test_ls_lists_the_demo_store_with_shapes_and_dtypes(self) -> None:
        rows = npyscope.ls(str(self.demo), recursive=True)
        self.assertGreater(len(rows), 3)
        row = self.waveform()
        self.assertEqual(row["dtype"], "<f4")
        self.assertEqual(row["nbytes"], 300000 * 32 * 4)
        self.assertEqual(row["datajoint"]["schema"], "demo_ephys")
        top = npyscope.ls(str(self.demo))
        self.assertLess(len(top), len(rows), "one level lists fewer objects than the tree")

    def test_info_of_a_local_file_is_its_ls_row(self) -> None:
        row = self.waveform()
        info = npyscope.info(Path(self.demo, row["path"]))
        self.assertEqual(info["shape"], WAVEFORM_SHAPE)
        self.assertEqual(info["path"], row["path"])
        self.assertEqual(info["dtype"], row["dtype"])

    def test_a_store_path_and_an_npy_ref_resolve_through_datajoint_json(self) -> None:
        row = self.waveform()
        by_name = npyscope.info(f"lab:{row['path']}", config=self.config)
        self.assertEqual(by_name["shape"], WAVEFORM_SHAPE)
        self.assertEqual(by_name["store"], "lab")
        ref = SimpleNamespace(store=None, path=row["path"])  # DataJoint's NpyRef: default store
        self.assertEqual(npyscope.info(ref, config=self.config)["shape"], WAVEFORM_SHAPE)
        named = SimpleNamespace(store="lab", path=row["path"])
        self.assertEqual(len(npyscope.ls(named, config=self.config)), 1)

    def test_errors_carry_the_commands_message(self) -> None:
        with self.assertRaises(npyscope.NpyscopeError) as caught:
            npyscope.ls("nosuchstore:x", config=self.config)
        self.assertIn("nosuchstore", str(caught.exception))
        with self.assertRaises(TypeError):
            npyscope.info(42)

    def test_show_argv_passes_the_found_config_and_the_target_after_a_separator(self) -> None:
        exe = npyscope.executable()
        self.assertEqual(
            npyscope.show_argv("lab:a/b.npy", config=self.config),
            [exe, "--config", str(self.config), "--", "lab:a/b.npy"],
        )
        here = os.getcwd()
        try:
            os.chdir(self.config.parent)
            self.assertEqual(
                npyscope.show_argv("ls")[1:], ["--config", str(self.config.resolve()), "--", "ls"]
            )
            os.chdir(self.work)  # no datajoint.json here or above (up to a .git or /)
            if _show.config_path(None) is None:
                self.assertEqual(npyscope.show_argv("x.npy"), [exe, "--", "x.npy"])
        finally:
            os.chdir(here)

    def test_show_starts_the_window_process_and_it_can_be_killed(self) -> None:
        row = self.waveform()
        ref = SimpleNamespace(store="lab", path=row["path"])
        process = npyscope.show(ref, config=self.config)
        self.assertEqual(
            process.args,
            [npyscope.executable(), "--config", str(self.config), "--", f"lab:{row['path']}"],
        )
        self.assertIsNone(process.returncode, "show returns at once")
        if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
            time.sleep(2.0)
            self.assertIsNone(process.poll(), "the window is still open after 2 s")
        process.kill()
        code = process.wait(timeout=10)
        if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
            self.assertEqual(code, -signal.SIGKILL)

    def test_show_of_an_array_saves_it_and_removes_it_when_the_window_exits(self) -> None:
        try:
            import numpy
        except ImportError:
            self.skipTest("numpy is not installed")
        array = numpy.arange(12.0).reshape(3, 4)
        saved = _show._save_array(array, "ramp")
        self.assertEqual(saved.name, "ramp.npy")
        self.assertTrue(numpy.array_equal(numpy.load(saved), array), "numpy reads it back")
        shutil.rmtree(saved.parent)
        process = npyscope.show(array, name="ramp")
        path = Path(process.args[-1])
        self.assertEqual(path.name, "ramp.npy")
        self.assertEqual(path.parent.parent, self.work / "cache" / "shown")
        process.kill()
        process.wait(timeout=10)
        self.assertTrue(wait_until(lambda: not path.parent.exists()), "removed after the window")

    def test_a_later_show_removes_arrays_whose_window_is_gone(self) -> None:
        shown = self.work / "cache" / "shown"
        orphan = shown / "show-orphan"
        orphan.mkdir(parents=True, exist_ok=True)
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        (orphan / _show.PID_FILE).write_text(str(gone.pid), encoding="ascii")
        (orphan / "array.npy").write_bytes(b"")
        alive = shown / "show-alive"
        alive.mkdir()
        (alive / _show.PID_FILE).write_text(str(os.getpid()), encoding="ascii")
        _show._sweep(shown)
        self.assertFalse(orphan.exists(), "a dead window's array is removed")
        self.assertTrue(alive.exists(), "a live window's array stays")
        shutil.rmtree(alive)


if __name__ == "__main__":
    unittest.main()
