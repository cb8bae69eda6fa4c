"""The house rules that the code itself can be held to: one owner per external dependency."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cardscan"

# Each external dependency is imported by one module (its owner) or a short, named list.
OWNERS = {
    "sqlite3": {"book/store/connect.py"},
    # The store package owns the database layer (SQLAlchemy Core for both SQLite and
    # PostgreSQL): tables (schema), engines and errors (connect), queries (base), opening,
    # and Alembic's migrations (migrate; the revisions under migrations/versions/ freeze
    # their own tables and statements with SQLAlchemy too, and are left out here).
    "sqlalchemy": {
        "book/store/base.py",
        "book/store/connect.py",
        "book/store/migrate.py",
        "book/store/opening.py",
        "book/store/schema.py",
    },
    "psycopg": {"book/store/connect.py"},
    "rapidfuzz": {"similarity.py"},
    "pytesseract": {"reading/ocr/tesseract.py"},
    "rapidocr": {"reading/ocr/rapid.py"},
    # OpenCV is the imaging package's own (one module per concern; see its __init__).
    "cv2": {
        "reading/imaging/base.py",
        "reading/imaging/find.py",
        "reading/imaging/geometry.py",
        "reading/imaging/load.py",
        "reading/imaging/preparation.py",
        "reading/imaging/printed.py",
        "reading/imaging/qrcode.py",
        "reading/imaging/view.py",
    },
    "phonenumbers": {"reading/validate.py"},
    "email_validator": {"reading/validate.py"},
    "pillow_heif": {"reading/imaging/load.py"},
    "nicknames": {"book/match.py"},
    "vobject": {"vcard.py"},
    "icalendar": {"outputs/followup.py"},
    "click": {"cli.py"},
    "starlette": {"web/app.py"},
    "uvicorn": {"web/app.py"},
    "jinja2": {"web/app.py"},
    # Optional (pip install 'cardscan[cluster]'): imported only when --cluster is given.
    "distributed": {"reading/cluster.py"},
    "dask": {"reading/cluster.py"},
}


def _importers(module: str) -> set[str]:
    pattern = re.compile(rf"^\s*(import {module}\b|from {module}[ .])", re.M)
    return {
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    }


def test_each_external_dependency_has_one_owner() -> None:
    found = {module: _importers(module) for module in OWNERS}
    found["sqlalchemy"] = {
        m for m in found["sqlalchemy"] if not m.startswith("book/store/migrations/versions/")
    }
    assert found == OWNERS


def test_alembic_is_the_migrations_own() -> None:
    found = _importers("alembic")
    assert {m for m in found if not m.startswith("book/store/migrations/")} == {
        "book/store/migrate.py"
    }
    assert "book/store/migrations/env.py" in found


def test_the_wings_are_packages() -> None:
    wings = {"reading", "book", "outputs"}
    assert wings <= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
