"""The run: photos in, one :class:`CardResult` per card out.

``process_image`` is the pure per-photo worker (imaging → OCR → parse); it never touches
files other than the photo it reads and returns failures as ``failed`` results, so one bad
photo cannot stop a batch. ``scan_batch`` fans photos out to worker processes and yields
results in input order; side effects (writing outputs) belong to the caller.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from cardscan.config import IMAGE_SUFFIXES, Settings
from cardscan.errors import CardscanError, ConfigError, InputImageError, MissingDependencyError
from cardscan.models import CardResult, CardStatus, Contact, OcrResult
from cardscan.reading import calibration, combine, imaging, parse, pool, qr, validate
from cardscan.reading.ocr import TesseractInfo, check_tesseract
from cardscan.reading.read import MIN_TEXT_CHARS, read_card

log = logging.getLogger(__name__)

#: What to do about a photo that shows no readable card.
RETAKE_HINT = "retake the photo with the card filling most of the frame, in focus and evenly lit"


def collect_images(inputs: Iterable[str | Path]) -> tuple[list[Path], int]:
    """Expand files and directories into the photos to read.

    Files named explicitly are always taken (a non-image or unreadable file then becomes
    a ``failed`` record that says so); directories are walked recursively and only files
    with an image suffix are taken, hidden files and folders skipped, and a folder that
    cannot be read is logged as a warning naming it. A photo named twice (by two paths,
    or by its folder and itself) is taken once.

    Returns:
        The photos in a stable order, and how many non-image files directories held.
    """
    photos: list[Path] = []
    skipped = 0
    seen: set[Path] = set()

    def take(path: Path) -> None:
        # The same photo named twice (``/abs/a.jpg`` and ``./a.jpg``, or a folder and a
        # file in it) is read once.
        key = _resolved(path)
        if key not in seen:
            seen.add(key)
            photos.append(path)

    def unreadable(error: OSError) -> None:
        log.warning(
            "cannot read the folder %s (%s): its photos were skipped",
            error.filename,
            error.strerror or error,
        )

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path, onerror=unreadable):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    found = Path(root) / name
                    if found.suffix.lower() not in IMAGE_SUFFIXES:
                        skipped += 1
                    else:
                        take(found)
        else:
            take(path)
    return photos, skipped


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: its own spelling is its identity
        return path.absolute()


def require_photos(inputs: Sequence[str | Path]) -> tuple[list[Path], int]:
    """:func:`collect_images`, refusing inputs that hold no photo at all.

    Raises:
        InputImageError: not one photo among ``inputs``.
    """
    photos, skipped = collect_images(inputs)
    if not photos:
        raise InputImageError(
            f"no photos found in {', '.join(str(i) for i in inputs)}",
            "cardscan reads JPEG, PNG, TIFF, WebP, BMP and HEIC files, searching folders "
            "recursively; nothing was written",
        )
    return photos, skipped


@contextlib.contextmanager
def timed(timings: dict[str, float] | None, stage: str) -> Iterator[None]:
    """Add the seconds the block takes to ``timings[stage]`` (nothing when ``timings`` is None)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if timings is not None:
            timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def read_photo(
    path: str | Path,
    settings: Settings,
    info: TesseractInfo | None = None,
    timings: dict[str, float] | None = None,
    *,
    data: bytes | None = None,
) -> list[tuple[imaging.Card, OcrResult]]:
    """Every card found in a photo with what Tesseract read on it. Raises on bad input.

    ``timings``, when given, gains the seconds spent loading and finding the cards
    (``find``) and reading them (``ocr``). ``data``, when given, is the photo's content
    (``path`` then only names it; see :func:`cardscan.reading.imaging.load_image`).
    """
    info = info or check_tesseract(settings.tesseract_cmd, settings.lang)
    with timed(timings, "find"):
        image = imaging.load_image(path, settings.max_pixels, imaging.MIN_SIDE, data=data)
        cards = imaging.find_cards(image)
    read = []
    for card in cards:
        with timed(timings, "ocr"):
            read.append((card, read_card(card.image, info, settings)))
    return read


def ocr_photo(
    path: str | Path, settings: Settings, info: TesseractInfo | None = None
) -> list[OcrResult]:
    """Every card found in a photo, read by Tesseract (no parsing). Raises on bad input."""
    return [ocr for _card, ocr in read_photo(path, settings, info)]


def with_qr_codes(contact: Contact, codes: Sequence[str], region: str | None) -> Contact:
    """``contact`` with the values of the QR codes printed on its card folded in.

    A decoded QR code is exact (it carries its own error correction), so its values win
    over OCR's and replace the near-identical misreadings OCR made of the same text.
    Numbers in a QR code without a country code are read in the card's own country.
    """
    for payload in codes:
        if region is None:
            regions = (validate.number_region(f.value.e164) for f in contact.phones if f.value.e164)
            region = next((r for r in regions if r), None)
        found = qr.contact_from_qr(payload, region)
        if found is not None:
            contact = combine.merge_contacts(contact, found, prefer_extra=True)
    return contact


def readable(ocr: OcrResult) -> bool:
    """Whether OCR read real text on a card: enough letters and digits to parse."""
    return sum(ch.isalnum() for w in ocr.words for ch in w.text) >= MIN_TEXT_CHARS


def card_result(
    source: str,
    index: int,
    ocr: OcrResult,
    codes: Sequence[str],
    settings: Settings,
    start: float,
    quad: Sequence[tuple[float, float]] | None = None,
    evidence: calibration.Evidence | None = None,
) -> CardResult:
    """One card's result from what OCR read on it and the QR codes decoded on it.

    Pure: ``scripts/calibrate.py`` replays recorded OCR through it without Tesseract.
    A card with nothing readable, or with no field a person could follow up on, fails
    with a retake hint. ``evidence`` (the card found or not, a second reading) feeds the
    second stage of the confidence (:func:`cardscan.reading.calibration.recalibrate`).
    """
    if not readable(ocr) and not codes:
        # A blank, black or wildly blurred photo: an empty "ok" row would hide it.
        return _failed(source, f"{source}: no text found on the card", start, RETAKE_HINT, index)
    contact, readings = (
        parse.parse_card_readings(ocr, settings.region) if readable(ocr) else (Contact(), ())
    )
    evidence = evidence or calibration.Evidence()
    contact = calibration.recalibrate(contact, ocr, evidence, readings=readings)
    contact = calibration.checked_sites(with_qr_codes(contact, codes, settings.region))
    if not _has_any_field(contact):
        return _failed(
            source,
            f"{source}: no name, company or contact details found in the text read",
            start,
            RETAKE_HINT,
            index,
        )
    return CardResult(
        source=source,
        card=index,
        contact=contact,
        text=ocr.text,
        seconds=time.perf_counter() - start,
        geometry=card_geometry(quad, ocr, contact),
    )


def card_geometry(
    quad: Sequence[tuple[float, float]] | None, ocr: OcrResult, contact: Contact
) -> dict[str, object]:
    """Where a card lies in its photo and where on it each field was read.

    ``quad`` is the card's corners in the photo (None: the whole photo is the card),
    ``rotation`` the clockwise turn that made its text upright, ``size`` the OCR image the
    word boxes are in, and ``fields`` the words each value was read from (by matching the
    value's letters and digits to the words', a cheap stand-in for word-level provenance).
    """
    words = [
        [w.text, round(w.conf, 3), w.box.left, w.box.top, w.box.width, w.box.height]
        for w in ocr.words
    ]
    lines: dict[tuple[int, int, int], list[int]] = {}
    for i, w in enumerate(ocr.words):
        lines.setdefault(w.line_key, []).append(i)
    texts = [_plain(w.text) for w in ocr.words]
    plus = [w.text.startswith("+") and len(texts[i]) > 0 for i, w in enumerate(ocr.words)]

    def words_of(value: str, many_lines: bool = False) -> list[int]:
        target = _plain(value)
        if not target:
            return []
        picked: list[tuple[int, list[int]]] = []
        for ids in lines.values():
            # One letter or digit alone matches too much, but a country code ("+1") is real.
            hits = [i for i in ids if texts[i] in target and (len(texts[i]) >= 2 or plus[i])]
            if hits:
                picked.append((sum(len(texts[i]) for i in hits), hits))
        picked.sort(key=lambda p: -p[0])
        chosen = picked if many_lines else picked[:1]
        return sorted(i for _n, hits in chosen for i in hits)

    fields: dict[str, list[int]] = {}
    for name in ("name", "title", "company", "address"):
        f = getattr(contact, name)
        if f is not None:
            fields[name] = words_of(f.raw or f.value, many_lines=name == "address")
    for f in contact.emails:
        fields[f"email:{f.value.lower()}"] = words_of(f.raw or f.value)
    for p in contact.phones:
        fields[f"phone:{p.value.e164 or p.value.raw}"] = words_of(p.value.raw)
    for f in contact.websites:
        fields[f"website:{f.value}"] = words_of(f.raw or f.value)
    return {
        "quad": [list(pt) for pt in quad] if quad else None,
        "rotation": ocr.rotation,
        "size": [ocr.width, ocr.height],
        "words": words,
        "fields": {k: v for k, v in fields.items() if v},
    }


def _plain(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def process_image(
    path: str | Path,
    settings: Settings,
    info: TesseractInfo | None = None,
    *,
    data: bytes | None = None,
) -> list[CardResult]:
    """Read one photo into one result per card; failures become ``failed`` results.

    Pure apart from reading ``path``: safe to run in a worker process. With ``data`` (the
    photo's bytes, sent to a cluster worker that does not share the disk) nothing is
    read from disk; ``path`` only names the photo in the results. ``info`` None: this
    process finds its own Tesseract.

    Raises:
        MissingDependencyError: Tesseract is unusable; no other photo would fare better.
    """
    source = str(path)
    start = time.perf_counter()
    timings: dict[str, float] = {}  # seconds per stage, for the benchmark
    try:
        results = []
        for index, (card, ocr) in enumerate(read_photo(path, settings, info, timings, data=data)):
            with timed(timings, "qr"):
                codes = [code.payload for code in imaging.decode_qr(card.image)]
            with timed(timings, "parse"):
                evidence = calibration.Evidence(card.quad is not None)
                results.append(
                    card_result(source, index, ocr, codes, settings, start, card.quad, evidence)
                )
        timings["total"] = time.perf_counter() - start
        results = results or [_failed(source, "no card found in the photo", start)]
        return [dataclasses.replace(r, timings=timings) for r in results]
    except MissingDependencyError:
        raise
    except CardscanError as e:
        message = e.message if source in e.message else f"{source}: {e.message}"
        return [_failed(source, message, start, e.hint)]
    except Exception as e:  # a bug on one photo must not cost the user the rest of the batch
        log.warning("unexpected %s on %s (run with -v for the traceback)", type(e).__name__, source)
        log.debug("traceback for %s", source, exc_info=True)
        return [
            _failed(
                source, f"unexpected error ({e.__class__.__name__}: {e}); please report it", start
            )
        ]


def _failed(
    source: str, error: str, start: float, hint: str | None = None, card: int = 0
) -> CardResult:
    """A failed result whose error carries its fix on the same line."""
    return CardResult(
        source=source,
        card=card,
        status=CardStatus.FAILED,
        error=f"{error} — {hint}" if hint else error,
        seconds=time.perf_counter() - start,
    )


def _has_any_field(contact: Contact) -> bool:
    """Whether a card gave anything a person could follow up on."""
    return bool(
        contact.name or contact.company or contact.emails or contact.phones or contact.websites
    )


def _init_worker() -> None:
    # One worker per core: Tesseract's OpenMP threads and OpenCV's pool in each worker
    # would otherwise fight the other workers for the same cores.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    imaging.limit_threads()


#: The per-photo function a batch runs: ``process_image`` or a stand-in with its signature.
Worker = pool.Worker


def read_photos(
    paths: Sequence[str | Path],
    settings: Settings,
    on_result: Callable[[CardResult], None] | None = None,
    *,
    worker: Worker = process_image,
    ordered: bool = False,
) -> Iterator[tuple[int, list[CardResult]]]:
    """Read every photo, ``settings.jobs`` at a time; yield ``(index in paths, cards)``.

    With ``settings.cluster``, the photos are sent as bytes to a Dask cluster instead
    (:mod:`cardscan.reading.cluster`).

    Each photo comes out the moment it is read (``ordered`` keeps input order instead),
    so a caller that journals or stores it at once loses nothing finished when the run
    is interrupted. Tesseract is probed before any photo is read, so a missing binary or
    language fails at once. ``on_result`` is called for each card as its photo comes out
    (progress bars). What the reading logs reaches this process's loggers tagged with
    the photo (``record.photo``). ``worker`` must be a module-level function so worker
    processes can import it; tests use it to stand in for crashing photos.

    Raises:
        ConfigError: ``settings.region`` is not a country with a numbering plan.
        MissingDependencyError: Tesseract or a language is missing, or ``distributed``
            for a cluster.
        ClusterError: the cluster cannot be reached or was lost.
    """
    if settings.region and not validate.is_known_region(settings.region):
        raise ConfigError(
            f"region {settings.region} has no phone numbering plan",
            "use an ISO 3166 country code such as US, GB, DE, FR or JP, or leave --region out",
        )
    notify = on_result or (lambda _r: None)
    if settings.cluster not in (None, "local"):
        from cardscan.reading import cluster  # distributed is optional: imported when asked

        # A remote cluster's workers each find their own Tesseract: this machine's is
        # neither needed nor what they run.
        done: Iterable[tuple[int, pool.Done]] = cluster.stream(
            paths, settings, None, worker, ordered=ordered, setup=_init_worker
        )
        yield from _passed_on(done, notify)
        return
    info = check_tesseract(settings.tesseract_cmd, settings.lang)
    if settings.cluster == "local":
        from cardscan.reading import cluster

        done = cluster.stream(paths, settings, info, worker, ordered=ordered, setup=_init_worker)
    elif settings.jobs == 1 or len(paths) <= 1:
        done = (
            (index, _read_here(worker, path, settings, info)) for index, path in enumerate(paths)
        )
    else:
        done = pool.stream(paths, settings, info, worker, ordered=ordered, setup=_init_worker)
    yield from _passed_on(done, notify)


def _passed_on(
    done: Iterable[tuple[int, pool.Done]], notify: Callable[[CardResult], None]
) -> Iterator[tuple[int, list[CardResult]]]:
    """Each photo's cards, its log records handed to this process's loggers."""
    for index, photo in done:
        pool.emit(photo.records)
        for result in photo.results:
            notify(result)
        yield index, photo.results


def _read_here(
    worker: Worker, path: str | Path, settings: Settings, info: TesseractInfo
) -> pool.Done:
    with imaging.single_threaded():
        return pool.run_task(worker, path, settings, info)


def scan_photos(
    paths: Sequence[str | Path],
    settings: Settings,
    on_result: Callable[[CardResult], None] | None = None,
    *,
    worker: Worker = process_image,
) -> Iterator[list[CardResult]]:
    """Read every photo, yielding each photo's cards together, in input order.

    :func:`read_photos` in input order; at most ``2 × jobs`` photos are read ahead of the
    next one out.

    Raises:
        ConfigError: ``settings.region`` is not a country with a numbering plan.
        MissingDependencyError: Tesseract or a language is missing.
    """
    for _index, results in read_photos(paths, settings, on_result, worker=worker, ordered=True):
        yield results


def scan_batch(
    paths: Sequence[str | Path],
    settings: Settings,
    on_result: Callable[[CardResult], None] | None = None,
    *,
    pair: bool = False,
    worker: Worker = process_image,
) -> Iterator[CardResult]:
    """Every card of a batch, one at a time: the simplest way to read photos.

    The two sides of a card (``x_front.jpg``/``x_back.jpg``, or every two photos with
    ``pair``) come out as one record; see :func:`cardscan.reading.combine.pair_photos`.
    ``worker`` is as for :func:`scan_photos`.

    Raises:
        ConfigError: ``pair`` with an odd number of photos, or a bad region.
        MissingDependencyError: Tesseract or a language is missing.
    """
    groups = combine.pair_photos([Path(p) for p in paths], pair)
    order = [p for g in groups for p in (g.front, g.back) if p is not None]
    read = iter(scan_photos(order, settings, on_result, worker=worker))
    for group in groups:
        front = next(read)
        if group.back is None:
            yield from front
        else:
            yield from combine.combine_sides(front, next(read))
