"""Load another script of this folder as a module: scripts/ is not a package.

``calibrate.py``, ``findbench.py`` and ``ocr_coverage.py`` reuse ``bench.py``'s truth
loading and scoring, ``bench.py`` reuses ``calibrate.py``'s recorded OCR and runs
``matchbench.py``. A script that imports this puts its own folder on ``sys.path`` first,
so that it works when run and when a test loads it by path.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def load_sibling(name: str, module_name: str) -> ModuleType:
    """scripts/NAME.py, executed afresh as module ``module_name``.

    The module is registered in ``sys.modules`` before it runs: dataclasses look their
    module up there.

    Raises:
        SystemExit: the script is not there, naming it.
    """
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None or not path.is_file():
        raise SystemExit(f"cannot load {path}: it is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
