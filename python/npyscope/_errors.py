"""The package's error type (a module of its own so that ``import npyscope`` stays light)."""


class NpyscopeError(RuntimeError):
    """The ``npyscope`` command failed; the message is its error output."""
