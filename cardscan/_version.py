"""The package version, in one place (read by hatch at build time and by the code)."""

from __future__ import annotations

__version__ = "0.1.0"
