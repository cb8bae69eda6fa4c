"""Shared fixtures: sample paths, settings, a fake OCR, and the Tesseract marker."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pgserver
import pytest
import sqlalchemy

from cardscan.book.store import Store
from cardscan.config import Settings
from cardscan.errors import MissingDependencyError
from cardscan.models import Box, CardResult, OcrResult, Word
from cardscan.reading.ocr import TesseractInfo, check_tesseract, rapid

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RECORDED = Path(__file__).resolve().parent / "ocr_recorded"


def tesseract_available() -> bool:
    try:
        check_tesseract()
    except MissingDependencyError:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skips = []
    if not tesseract_available():
        skips.append(("tesseract", "Tesseract not found (see `cardscan doctor`)"))
    if not rapid.available():
        skips.append(("rapidocr", "RapidOCR not installed (see `cardscan doctor`)"))
    for marker, reason in skips:
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


def load_script(name: str) -> ModuleType:
    """Import scripts/NAME.py as a module (scripts/ is not a package)."""
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"cardscan_scripts_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def private_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test its own contact store (CARDSCAN_DB): none writes to the user's real one."""
    path = tmp_path_factory.mktemp("store") / "contacts.db"
    monkeypatch.setenv("CARDSCAN_DB", str(path))
    return path


@pytest.fixture
def settings() -> Settings:
    return Settings(jobs=1, region="US")


@pytest.fixture
def fake_info() -> TesseractInfo:
    return TesseractInfo("/nonexistent/tesseract", "5.5.0", "setting", None, ("eng",))


def words_result(lines: list[str], conf: float = 0.95) -> OcrResult:
    """An OcrResult with one Tesseract line per string, words laid out left to right."""
    words = []
    for n, line in enumerate(lines):
        x = 40
        for text in line.split():
            width = 18 * len(text)
            words.append(Word(text, conf, Box(x, 40 + 60 * n, width, 30), 1, n + 1, 1))
            x += width + 14
    return OcrResult(tuple(words), 1200, 700)


def card_result(
    *lines: str | tuple[str, int], conf: float = 0.95, low: tuple[str, ...] = ()
) -> OcrResult:
    """An OCR result of a card with one Tesseract line per entry, stacked top to bottom.

    An entry is a text or (text, height in px): height stands for the font size. Words in
    ``low`` get confidence 0.3 instead of ``conf``.
    """
    words = []
    y = 40
    for n, line in enumerate(lines):
        text, height = (line, 30) if isinstance(line, str) else line
        x = 40
        for token in text.split():
            width = int(height * 0.55 * len(token))
            c = 0.3 if token in low else conf
            words.append(Word(token, c, Box(x, y, width, height), 1, n + 1, 1))
            x += width + int(height * 0.35)
        y += int(height * 1.6)
    return OcrResult(tuple(words), 1200, y + 40)


# -- the store on both databases -------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.Schemas | str]:
    """The PostgreSQL server of this test session (see tests/pgserver.py), or why none."""
    url, cluster, reason = pgserver.server_url()
    if url is None:
        yield reason
        return
    schemas = pgserver.Schemas(url)
    try:
        yield schemas
    finally:
        schemas.engine.dispose()
        if cluster is not None:
            cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a test's store lives: an SQLite file, then a fresh PostgreSQL schema.

    Every test taking ``db_url`` (or a ``store`` made from it) runs on both databases;
    the PostgreSQL half skips, naming what to install, when there is no server.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "data" / "contacts.db")
        return
    server = request.getfixturevalue("pg_server")
    if isinstance(server, str):
        pytest.skip(server)
    name, url = server.make()
    try:
        yield url
    finally:
        server.drop(name)


def dump(store: Store) -> dict[str, list[tuple]]:
    """Every row of every table of a store (either database), sorted, for comparisons."""
    conn = store._conn
    tables = sorted(t for t in sqlalchemy.inspect(conn).get_table_names() if t != "alembic_version")
    return {
        t: sorted((tuple(r) for r in conn.execute(sqlalchemy.text(f"SELECT * FROM {t}"))), key=repr)
        for t in tables
    }


def sql(store: Store, statement: str, **params: object) -> list[tuple]:
    """Run SQL on a store's connection (a test reaching past the API on purpose)."""
    result = store._conn.execute(sqlalchemy.text(statement), params)
    return [tuple(r) for r in result] if result.returns_rows else []


# -- a stand-in for the OCR pipeline (tests of the CLI, the store and the app) ---------------
#
# The store's, the CLI's and the app's behaviour is under test, not Tesseract's: a test says
# what each photo "reads" as, and `cardscan scan` gets exactly that.

#: What a stand-in reader gives for one photo: one card, or each card of the photo.
StandInRead = Callable[[Path], "CardResult | Sequence[CardResult]"]


def stand_in_scanner(read: StandInRead) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Stand-ins for ``pipeline.scan_photos`` and ``run.read_photos`` built on ``read``."""

    def scan_photos(
        paths: Sequence[Path], settings: Settings, on_result: Any = None, **_: object
    ) -> Iterator[list[CardResult]]:
        for path in paths:
            found = read(Path(path))
            results = [found] if isinstance(found, CardResult) else list(found)
            for result in results:
                if on_result:
                    on_result(result)
            yield results

    def read_photos(
        paths: Sequence[Path], settings: Settings, on_result: Any = None, **_: object
    ) -> Iterator[tuple[int, list[CardResult]]]:
        """Photos in input order, each with its index (as ``run.read_photos`` gives them)."""
        return enumerate(scan_photos(paths, settings, on_result))

    return scan_photos, read_photos


@pytest.fixture
def stand_in_reader(monkeypatch: pytest.MonkeyPatch) -> Callable[[StandInRead], None]:
    """Call it with ``read(path)``: every scan of the test then reads photos with it."""
    from cardscan import cli, run

    def install(read: StandInRead) -> None:
        scan_photos, read_photos = stand_in_scanner(read)
        monkeypatch.setattr(run, "read_photos", read_photos)
        monkeypatch.setattr(cli, "scan_photos", scan_photos)

    return install
