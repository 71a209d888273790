"""What ``show``, ``ls`` and ``info`` accept, turned into the command line's target argument,
and ``datajoint.json`` found the way DataJoint finds it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional, Union

#: An explicit ``datajoint.json`` (``config=``), or ``None`` to search like DataJoint.
Config = Optional[Union[str, "os.PathLike[str]"]]

#: DataJoint's config file name.
CONFIG_FILENAME = "datajoint.json"


def find_config(start: Path | None = None) -> Path | None:
    """``datajoint.json`` in ``start`` (default: the current folder) or a parent, with
    DataJoint's rules: each folder is checked before the boundary test, and the search stops
    after a folder holding ``.git`` or ``.hg`` or at the filesystem root."""
    current = (start or Path.cwd()).resolve()
    while True:
        candidate = current / CONFIG_FILENAME
        if candidate.is_file():
            return candidate
        if (current / ".git").exists() or (current / ".hg").exists():
            return None
        if current == current.parent:
            return None
        current = current.parent


def config_path(config: Config) -> Path | None:
    """The config file a command uses: ``config`` when given, else the one DataJoint finds."""
    return Path(os.fspath(config)) if config is not None else find_config()


def default_store(config: Path | None) -> str:
    """The ``stores.default`` of a config file (where an ``NpyRef`` without a store lives)."""
    if config is None:
        raise ValueError(
            f"this NpyRef names no store (the default store) and no {CONFIG_FILENAME} was found"
        )
    with open(config, encoding="utf-8") as f:
        stores = json.load(f).get("stores") or {}
    name = stores.get("default") if isinstance(stores, dict) else None
    if not isinstance(name, str) or not name:
        raise ValueError(f"this NpyRef names no store and {config} sets no stores.default")
    return name


def is_npy_ref(target: Any) -> bool:
    """A DataJoint ``NpyRef`` or anything like it: ``.store`` and ``.path`` attributes."""
    return (
        not isinstance(target, (str, bytes, os.PathLike))
        and hasattr(target, "store")
        and hasattr(target, "path")
    )


def target_argument(target: Any, config: Config) -> str:
    """The command line's target for ``target``: ``STORE:PATH`` for an ``NpyRef`` (its store,
    else the config's default store), a local path made absolute, a string as it is."""
    if is_npy_ref(target):
        store = str(target.store or default_store(config_path(config)))
        return f"{store}:{str(target.path).lstrip('/')}"
    if isinstance(target, os.PathLike):
        return os.path.abspath(os.fsdecode(target))
    if isinstance(target, str):
        return target
    raise TypeError(
        "npyscope: expected an NpyRef, a 'store:path' string, a local path or (show only) a "
        f"numpy array, not {type(target).__name__}"
    )
