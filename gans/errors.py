"""Exceptions a user can cause. Each message says what to do; the CLI prints it as one line."""


class GansError(Exception):
    """Base class of every user-facing error in the library."""


class ConfigError(GansError, ValueError):
    """An invalid hyper-parameter or option (batch size 0, negative learning rate, unsupported image size...)."""


class UnknownNameError(GansError, KeyError):
    """A model or dataset name that is not registered."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DatasetError(GansError, ValueError):
    """A dataset that cannot be found, downloaded or read."""


class CheckpointError(GansError, ValueError):
    """A run directory or checkpoint that is missing, corrupt or incompatible."""


class TrainingError(GansError, RuntimeError):
    """Training stopped because something went wrong (for example a NaN loss)."""


class ImageError(GansError, ValueError):
    """An image file that cannot be used: empty, not an image, truncated, corrupt or too large."""
