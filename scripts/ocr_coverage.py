"""Which true values reach the OCR text at all, per engine: where a card's values are lost.

Usage::

    python scripts/ocr_coverage.py DIR [DIR...] [--engines tesseract,auto,rapidocr]
                                   [--limit N] [--details] [--json OUT]

Each DIR holds photos with their truth, as ``scripts/bench.py`` reads them. Every photo is
read once per engine (``--engine`` of ``cardscan``: the same finder, orientation and
line re-reading); for each true e-mail, web host, phone number (its national digits),
name and company the script says whether it appears in the text read, after the same
normalisation for every engine (case, spaces and punctuation ignored). A value missing
from the text is lost before the parser; one present but not extracted is the parser's.
``union`` counts a value found by any engine. Cost per card is CPU seconds (this process
and its Tesseract children), which varies less than wall time on a shared machine.

Nothing it prints is stored: it reads the photos it is given and reports counts; with
``--details`` it names the values missed, for the person running it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))
if str(_REPO / "scripts") not in sys.path:
    sys.path.insert(0, str(_REPO / "scripts"))  # siblings.py, when a test loads this by path

from siblings import load_sibling  # noqa: E402

from cardscan.config import ENGINES, Settings  # noqa: E402
from cardscan.errors import CardscanError  # noqa: E402
from cardscan.reading import pipeline  # noqa: E402
from cardscan.reading.ocr import check_tesseract  # noqa: E402

#: scripts/bench.py: its truth loading is the one every script uses.
bench: Any = load_sibling("bench", "cardscan_bench")

#: The kinds of value checked, in table order.
KINDS: tuple[str, ...] = ("emails", "websites", "phones", "name", "company")


def fold(text: str) -> str:
    """Lower case, NFKC, without spaces and punctuation: 'ACME Co., Ltd' → 'acmecoltd'."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def fold_ascii(text: str) -> str:
    """:func:`fold` without accents: 'Córdoba' → 'cordoba'."""
    decomposed = unicodedata.normalize("NFKD", fold(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def digits(text: str) -> str:
    """The decimal digits of a text, as ASCII."""
    return "".join(str(d) for d in (unicodedata.decimal(ch, None) for ch in text) if d is not None)


def national_digits(e164: str) -> str:
    """The national significant number of an E.164 phone ('+34951876338' → '951876338')."""
    try:
        return str(phonenumbers.parse(e164, None).national_number)
    except phonenumbers.NumberParseException:
        return digits(e164)[-9:]


def host(url: str) -> str:
    """The host of a web address, without scheme and ``www.``."""
    text = re.sub(r"^[a-z]+://", "", url.strip().lower())
    return re.split(r"[/?#\s]", text, maxsplit=1)[0].removeprefix("www.")


@dataclass(frozen=True)
class Value:
    """One true value of one card: its kind, how it is printed, the forms that count."""

    kind: str
    shown: str
    forms: tuple[str, ...]


def values_of(truth: Any) -> list[Value]:
    """The values of one card's truth (a ``bench.Truth``), as the coverage checks them."""
    out: list[Value] = []
    for email in truth.emails:
        out.append(Value("emails", email, (email,)))
    for url in truth.websites:
        out.append(Value("websites", url, (host(url),)))
    for phone in truth.phones:
        out.append(Value("phones", phone, (national_digits(phone),)))
    for kind in ("name", "company"):
        forms = tuple(getattr(truth, kind))
        if forms:
            out.append(Value(kind, forms[0], forms))
    return out


def present(value: Value, text: str) -> bool:
    """Whether a value appears in an OCR text (accents needed where the truth has them)."""
    if value.kind == "phones":
        line_digits = [digits(line) for line in text.splitlines()]
        return any(form and form in d for form in value.forms for d in line_digits)
    haystack = fold(text)
    if value.kind == "name":
        # Any word order, each word somewhere in the text.
        return any(
            all(fold(word) in haystack for word in form.split() if fold(word))
            for form in value.forms
        )
    return any(fold(form) and fold(form) in haystack for form in value.forms)


@dataclass
class Tally:
    """Values found / values checked, per kind."""

    found: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, kind: str, hit: bool) -> None:
        self.total[kind] += 1
        self.found[kind] += int(hit)

    def cell(self, kind: str) -> str:
        total = self.total.get(kind, 0)
        if not total:
            return "–"
        return f"{self.found.get(kind, 0)}/{total} ({100 * self.found.get(kind, 0) / total:.0f}%)"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract runs as a child)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(
    dirs: Sequence[Path], engines: Sequence[str], limit: int | None, details: bool
) -> dict[str, object]:
    """Read every photo with every engine and tally which true values reach the text."""
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    cost: dict[str, list[float]] = defaultdict(list)
    missed: list[str] = []
    photos: dict[Path, list[Any]] = {}
    for truth in (t for d in dirs for t in bench.load_truths(d)):
        photos.setdefault(truth.image, []).append(truth)
    items = list(photos.items())[:limit] if limit else list(photos.items())
    base = Settings(jobs=1)
    info = check_tesseract(base.tesseract_cmd, base.lang)
    for n, (photo, rows) in enumerate(items, 1):
        texts: dict[str, str] = {}
        for engine in engines:
            settings = base.with_(engine=engine)
            start, wall = cpu_seconds(), time.perf_counter()
            try:
                results = pipeline.ocr_photo(photo, settings, info)
            except CardscanError as e:
                print(f"{photo.name}: {e}", file=sys.stderr)
                results = []
            cost[engine].append(cpu_seconds() - start)
            cost[engine + " wall"].append(time.perf_counter() - wall)
            texts[engine] = "\n".join(r.text for r in results)
        texts["union"] = "\n".join(texts.values())
        for truth in rows:
            group = truth.source_label
            for value in values_of(truth):
                for engine, text in texts.items():
                    hit = present(value, text)
                    tallies[(engine, group)].add(value.kind, hit)
                    tallies[(engine, "all")].add(value.kind, hit)
                    if details and not hit and engine != "union":
                        missed.append(f"{photo.name}\t{engine}\t{value.kind}\t{value.shown}")
        print(f"[{n}/{len(items)}] {photo.name}", file=sys.stderr)
    return {"tallies": tallies, "cost": cost, "missed": missed, "photos": len(items)}


def render(result: dict[str, object], engines: Sequence[str]) -> str:
    """The tables, as Markdown."""
    tallies: dict[tuple[str, str], Tally] = result["tallies"]  # type: ignore[assignment]
    cost: dict[str, list[float]] = result["cost"]  # type: ignore[assignment]
    groups = [*sorted({g for _, g in tallies if g != "all"}), "all"]
    out = [f"# Values in the OCR text ({result['photos']} photos)", ""]
    for group in groups:
        out += [f"## {group}", "", "| engine | " + " | ".join(KINDS) + " |"]
        out.append("|---" * (len(KINDS) + 1) + "|")
        for engine in [*engines, "union"]:
            t = tallies.get((engine, group))
            if t is not None:
                out.append(f"| {engine} | " + " | ".join(t.cell(k) for k in KINDS) + " |")
        out.append("")
    out += ["## Cost per photo", "", "| engine | CPU s | wall s |", "|---|---|---|"]
    for engine in engines:
        cpu, wall = cost.get(engine, []), cost.get(engine + " wall", [])
        if cpu:
            out.append(f"| {engine} | {sum(cpu) / len(cpu):.2f} | {sum(wall) / len(wall):.2f} |")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out += ["", f"load average at the end: {load:.2f}"]
    missed: list[str] = result["missed"]  # type: ignore[assignment]
    if missed:
        out += ["", "## Missed", "", *missed]
    return "\n".join(out)


def _engines(text: str) -> list[str]:
    names = [e.strip() for e in text.split(",") if e.strip()]
    bad = [e for e in names if e not in ENGINES]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown engine {bad[0]!r}: use {', '.join(ENGINES)}")
    return names


def main(argv: Iterable[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dirs", nargs="+", type=Path, metavar="DIR", help="folders of photos + truth")
    p.add_argument("--engines", type=_engines, default=[*ENGINES[1:], "auto"])
    p.add_argument("--limit", type=int, metavar="N", help="only the first N photos")
    p.add_argument("--details", action="store_true", help="list the values each engine missed")
    p.add_argument("--json", type=Path, metavar="OUT", help="also write the counts as JSON")
    args = p.parse_args(list(argv) if argv is not None else None)
    result = run(args.dirs, args.engines, args.limit, args.details)
    print(render(result, args.engines))
    if args.json:
        tallies: dict[tuple[str, str], Tally] = result["tallies"]  # type: ignore[assignment]
        data = {
            f"{engine}/{group}": {k: [t.found.get(k, 0), t.total.get(k, 0)] for k in KINDS}
            for (engine, group), t in tallies.items()
        }
        args.json.write_text(json.dumps({"coverage": data, "cost": result["cost"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
