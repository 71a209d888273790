"""Open NumPy arrays, DataJoint ``NpyRef`` objects and ``.npy`` stores in the npyscope window.

``show`` opens the inspector window (its own process) and returns at once; ``ls`` and ``info``
return the command line's JSON rows. The ``npyscope`` executable comes with this package (it
is installed into the environment's ``bin/``). numpy and DataJoint are optional and never
imported here: ``show`` imports numpy only when given an array. The functions import their
modules when first called, so ``import npyscope`` costs almost nothing.
"""

from __future__ import annotations

from ._errors import NpyscopeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import Any

    from ._target import Config

__all__ = ["NpyscopeError", "__version__", "executable", "info", "ls", "show", "show_argv"]


def show(target: Any, *, config: Config = None, name: str | None = None) -> subprocess.Popen[bytes]:
    """Opens the npyscope window on ``target`` (an ``NpyRef``, ``"store:path"``, a local path
    or a numpy array, saved as ``name``) and returns its process at once; see
    :func:`npyscope._show.show`."""
    from ._show import show as run

    return run(target, config=config, name=name)


def show_argv(target: str, config: Config = None) -> list[str]:
    """The command line :func:`show` runs for a ``STORE:PATH`` or local path ``target``."""
    from ._show import show_argv as argv

    return argv(target, config)


def ls(target: Any, *, recursive: bool = False, config: Config = None) -> list[dict[str, Any]]:
    """The ``.npy`` objects at ``target`` (``STORE``, ``STORE:PREFIX``, a local folder, an
    ``NpyRef``), one dict per object as ``npyscope ls --json`` prints it."""
    from ._run import ls as run

    return run(target, recursive=recursive, config=config)


def info(target: Any, *, config: Config = None) -> dict[str, Any]:
    """One object's metadata (``STORE:PATH``, a local ``.npy`` file, an ``NpyRef``) as
    ``npyscope info --json`` prints it; only the header is read."""
    from ._run import info as run

    return run(target, config=config)


def executable() -> str:
    """The ``npyscope`` executable: the one beside this Python first, then ``PATH``."""
    from ._run import executable as find

    return find()


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed distribution only when asked for."""
    if name == "__version__":
        from importlib.metadata import version

        return version("npyscope")
    raise AttributeError(f"module 'npyscope' has no attribute {name!r}")
