"""``show``: the inspector window on a target, in its own process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from ._run import config_args, executable
from ._target import Config, config_path, target_argument

#: Arrays given to ``show`` are written below ``<cache folder>/SHOWN_DIR/<one folder each>/``.
SHOWN_DIR = "shown"
#: The file beside each shown array naming the window's process id (removed with it).
PID_FILE = "window.pid"
#: A shown array's folder without a live window is removed after this long (seconds).
ORPHAN_AGE = 3600.0


def show_argv(target: str, config: Config = None) -> list[str]:
    """The command line ``show`` runs for an already converted target (``STORE:PATH`` or a
    local path): the executable, ``--config FILE`` when one is given or found, then the target
    after ``--`` (so a path named like a subcommand or starting with ``-`` stays a path)."""
    found = config_path(config)
    return [executable(), *config_args(found), "--", target]


def show(target: Any, *, config: Config = None, name: str | None = None) -> subprocess.Popen[bytes]:
    """Opens the npyscope window on ``target`` and returns its process at once.

    ``target`` is a DataJoint ``NpyRef`` (anything with ``.store`` and ``.path``), a
    ``"store:path"`` string, a local path (``str`` or ``os.PathLike``) or a numpy array. An
    array is saved (``numpy.save``) as ``name`` (default ``array.npy``) in a folder of its own
    under the npyscope cache folder; a watcher thread removes that folder when the window
    exits, and a later ``show`` removes folders whose window is gone (e.g. after Python exited
    first). ``config`` is the ``datajoint.json`` to use; by default it is found the way
    DataJoint finds it from the current folder.
    """
    folder: Path | None = None
    if _is_ndarray(target):
        saved = _save_array(target, name or "array.npy")
        folder, argument = saved.parent, os.fspath(saved)
    else:
        argument = target_argument(target, config)
    try:
        process = subprocess.Popen(
            show_argv(argument, config),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except BaseException:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if folder is not None:
        (folder / PID_FILE).write_text(str(process.pid), encoding="ascii")
        threading.Thread(
            target=_remove_when_done, args=(process, folder), name="npyscope-show", daemon=True
        ).start()
    return process


def cache_dir() -> Path:
    """npyscope's cache folder, as the binary finds it: ``$NPYSCOPE_CACHE_DIR``, else the
    platform's cache folder for npyscope."""
    explicit = os.environ.get("NPYSCOPE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "org.npyscope.npyscope"
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(local) / "npyscope" / "npyscope" / "cache"
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else home / ".cache"
    return base / "npyscope"


def _is_ndarray(target: Any) -> bool:
    """A numpy array, known without importing numpy (an array means numpy is imported)."""
    numpy = sys.modules.get("numpy")
    return numpy is not None and isinstance(target, numpy.ndarray)


def _npy_name(name: str) -> str:
    """``name`` as a file name ending in ``.npy`` (no folders)."""
    base = os.path.basename(name) or "array"
    return base if base.endswith(".npy") else base + ".npy"


def _save_array(array: Any, name: str) -> Path:
    """Writes ``array`` with ``numpy.save`` into a new folder below the cache's shown-arrays
    folder (after removing folders of windows that are gone); returns the file."""
    import numpy  # type: ignore[import-not-found,unused-ignore]

    shown = cache_dir() / SHOWN_DIR
    shown.mkdir(parents=True, exist_ok=True, mode=0o700)
    _sweep(shown)
    folder = Path(tempfile.mkdtemp(prefix="show-", dir=shown))
    path = folder / _npy_name(name)
    try:
        numpy.save(path, array, allow_pickle=False)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return path


def _remove_when_done(process: subprocess.Popen[bytes], folder: Path) -> None:
    """Waits for the window to exit, then removes the shown array's folder."""
    process.wait()
    shutil.rmtree(folder, ignore_errors=True)


def _sweep(shown: Path) -> None:
    """Removes shown arrays whose window is gone (their Python exited before the window)."""
    now = time.time()
    for folder in shown.iterdir():
        try:
            pid = int((folder / PID_FILE).read_text(encoding="ascii"))
        except (OSError, ValueError):
            pid = None
        try:
            gone = not _alive(pid) if pid is not None else now - folder.stat().st_mtime > ORPHAN_AGE
        except OSError:
            continue
        if gone:
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (POSIX); elsewhere assumed alive."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
