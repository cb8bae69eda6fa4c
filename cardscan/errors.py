"""Exit codes and the exception hierarchy: each failure carries its exit code and a fix-it hint."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; 1 and 2 keep Click's meaning, 3 follows OCRmyPDF."""

    OK = 0
    ERROR = 1
    USAGE = 2
    MISSING_DEPENDENCY = 3
    INPUT = 4
    STORE = 5
    SOME_CARDS_FAILED = 6
    CTRL_C = 130


class CardscanError(Exception):
    """Base of every error cardscan raises on purpose.

    ``message`` says what went wrong; ``hint`` says what the user can do about it.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class MissingDependencyError(CardscanError):
    """A required program or language pack (Tesseract, traineddata) is not installed."""

    exit_code = ExitCode.MISSING_DEPENDENCY


class InputImageError(CardscanError):
    """A photo cannot be read: missing, empty, not an image, corrupt or too large."""

    exit_code = ExitCode.INPUT


class OcrError(CardscanError):
    """Tesseract ran but failed on an image."""

    exit_code = ExitCode.ERROR


class OcrTimeoutError(OcrError):
    """Tesseract took longer than the configured timeout on an image."""


class ConfigError(CardscanError):
    """A setting or option value is not usable."""

    exit_code = ExitCode.USAGE


class OutputError(CardscanError):
    """An output file or directory cannot be written."""

    exit_code = ExitCode.ERROR


class ClusterError(CardscanError):
    """The Dask cluster a batch was sent to (``--cluster``) cannot be reached or was lost."""

    exit_code = ExitCode.ERROR


class StoreError(CardscanError):
    """The contact store cannot be opened, read or written, or refused a change (undo)."""

    exit_code = ExitCode.STORE
