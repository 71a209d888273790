"""Finding the ``npyscope`` executable and running its JSON commands (``ls``, ``info``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

from ._errors import NpyscopeError
from ._target import Config, target_argument

#: The executable's name (``npyscope.exe`` on Windows is found by ``shutil.which`` too).
EXECUTABLE = "npyscope"


def executable() -> str:
    """The ``npyscope`` executable: the one installed beside this Python (the environment's
    scripts folder) first, then the first on ``PATH``."""
    import sysconfig

    scripts = sysconfig.get_path("scripts")
    if scripts:
        found = shutil.which(EXECUTABLE, path=scripts)
        if found:
            return found
    found = shutil.which(EXECUTABLE)
    if found:
        return found
    raise NpyscopeError(
        f"the npyscope executable is neither in {scripts} nor on PATH; "
        "reinstall with `pip install npyscope` (or `cargo install --path .` from a clone)"
    )


def config_args(config: Config) -> list[str]:
    """``--config FILE`` for an explicit config, else nothing (the command searches itself)."""
    return [] if config is None else ["--config", os.fspath(config)]


def _run_json(args: list[str]) -> list[Any]:
    """Runs ``npyscope ARGS`` and parses one JSON value per output line."""
    done = subprocess.run([executable(), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = done.stderr.strip() or f"exit status {done.returncode}"
        raise NpyscopeError(f"npyscope {' '.join(args)}: {message}")
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def ls(target: Any, *, recursive: bool = False, config: Config = None) -> list[dict[str, Any]]:
    """The ``.npy`` objects at ``target`` (``STORE``, ``STORE:PREFIX``, a local folder, an
    ``NpyRef``…), one dict per object as ``npyscope ls --json`` prints it."""
    argument = target_argument(target, config)
    flags = ["--recursive"] if recursive else []
    return _run_json(["ls", argument, "--json", *flags, *config_args(config)])


def info(target: Any, *, config: Config = None) -> dict[str, Any]:
    """One object's metadata (``STORE:PATH``, a local ``.npy`` file, an ``NpyRef``…) as
    ``npyscope info --json`` prints it; only the header is read."""
    argument = target_argument(target, config)
    rows = _run_json(["info", argument, "--json", *config_args(config)])
    if len(rows) != 1:
        raise NpyscopeError(f"npyscope info {argument}: expected one JSON object, got {len(rows)}")
    row: dict[str, Any] = rows[0]
    return row
