"""The run: photos in, one :class:`CardResult` per card out.

``process_image`` is the pure per-photo worker (imaging → OCR → parse); it never touches
files other than the photo it reads and returns failures as ``failed`` results, so one bad
photo cannot stop a batch. ``scan_batch`` fans photos out to worker processes and yields
results in input order; side effects (writing outputs) belong to the caller.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from cardscan.config import IMAGE_SUFFIXES, Settings
from cardscan.errors import CardscanError, ConfigError, InputImageError, MissingDependencyError
from cardscan.models import CardResult, CardStatus, Contact, OcrResult
from cardscan.reading import combine, imaging, parse, qr, validate
from cardscan.reading.ocr import TesseractInfo, check_tesseract
from cardscan.reading.read import MIN_TEXT_CHARS, read_card

log = logging.getLogger(__name__)

#: What to do about a photo that shows no readable card.
RETAKE_HINT = "retake the photo with the card filling most of the frame, in focus and evenly lit"


def collect_images(inputs: Iterable[str | Path]) -> tuple[list[Path], int]:
    """Expand files and directories into the photos to read.

    Files named explicitly are always taken (a non-image then becomes a ``failed``
    record that says so); directories are walked recursively and only files with an
    image suffix are taken, hidden files and folders skipped.

    Returns:
        The photos in a stable order, and how many non-image files directories held.
    """
    photos: list[Path] = []
    skipped = 0
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    found = Path(root) / name
                    if found.suffix.lower() not in IMAGE_SUFFIXES:
                        skipped += 1
                    elif found not in seen:
                        seen.add(found)
                        photos.append(found)
        elif path not in seen:
            seen.add(path)
            photos.append(path)
    return photos, skipped


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


def read_photo(
    path: str | Path, settings: Settings, info: TesseractInfo | None = None
) -> list[tuple[imaging.Card, OcrResult]]:
    """Every card found in a photo with what Tesseract read on it. Raises on bad input."""
    info = info or check_tesseract(settings.tesseract_cmd, settings.lang)
    image = imaging.load_image(path, settings.max_pixels, imaging.MIN_SIDE)
    return [(card, read_card(card.image, info, settings)) for card in imaging.find_cards(image)]


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
) -> CardResult:
    """One card's result from what OCR read on it and the QR codes decoded on it.

    Pure: ``scripts/calibrate.py`` replays recorded OCR through it without Tesseract.
    A card with nothing readable, or with no field a person could follow up on, fails
    with a retake hint.
    """
    if not readable(ocr) and not codes:
        # A blank, black or wildly blurred photo: an empty "ok" row would hide it.
        return _failed(source, f"{source}: no text found on the card", start, RETAKE_HINT, index)
    contact = parse.parse_card(ocr, settings.region) if readable(ocr) else Contact()
    contact = with_qr_codes(contact, codes, settings.region)
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

    def words_of(value: str, many_lines: bool = False) -> list[int]:
        target = _plain(value)
        if not target:
            return []
        picked: list[tuple[int, list[int]]] = []
        for ids in lines.values():
            hits = [i for i in ids if len(texts[i]) >= 2 and texts[i] in target]
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
    path: str | Path, settings: Settings, info: TesseractInfo | None = None
) -> list[CardResult]:
    """Read one photo into one result per card; failures become ``failed`` results.

    Pure apart from reading ``path``: safe to run in a worker process.

    Raises:
        MissingDependencyError: Tesseract is unusable; no other photo would fare better.
    """
    source = str(path)
    start = time.perf_counter()
    try:
        results = [
            card_result(
                source, index, ocr, [code.payload for code in imaging.decode_qr(card.image)],
                settings, start, card.quad,
            )
            for index, (card, ocr) in enumerate(read_photo(path, settings, info))
        ]  # fmt: skip
        return results or [_failed(source, "no card found in the photo", start)]
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


def _worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start.

    Not plain fork: forking a process that may hold threads (OpenCV's, a caller's) can
    deadlock. A forkserver that has already imported the pipeline forks ready workers
    in milliseconds; spawn (Windows) starts each from scratch, which costs a few tenths
    of a second per worker.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["cardscan.reading.pipeline"])
        return context
    return multiprocessing.get_context("spawn")


#: The per-photo function a batch runs: ``process_image`` or a stand-in with its signature.
Worker = Callable[[str | Path, Settings, TesseractInfo], list[CardResult]]


def scan_photos(
    paths: Sequence[str | Path],
    settings: Settings,
    on_result: Callable[[CardResult], None] | None = None,
    *,
    worker: Worker = process_image,
) -> Iterator[list[CardResult]]:
    """Read every photo, ``settings.jobs`` at a time, yielding each photo's cards together.

    Results come in input order. Tesseract is probed before any photo is read, so a
    missing binary or language fails at once. ``on_result`` is called for each card as
    it is yielded (progress bars). ``worker`` must be a module-level function so worker
    processes can import it; tests use it to stand in for crashing photos.

    Raises:
        ConfigError: ``settings.region`` is not a country with a numbering plan.
        MissingDependencyError: Tesseract or a language is missing.
    """
    if settings.region and not validate.is_known_region(settings.region):
        raise ConfigError(
            f"region {settings.region} has no phone numbering plan",
            "use an ISO 3166 country code such as US, GB, DE, FR or JP, or leave --region out",
        )
    info = check_tesseract(settings.tesseract_cmd, settings.lang)
    notify = on_result or (lambda _r: None)
    if settings.jobs == 1 or len(paths) <= 1:
        for path in paths:
            with imaging.single_threaded():
                results = worker(path, settings, info)
            for result in results:
                notify(result)
            yield results
        return
    done = 0
    while done < len(paths):
        batch = yield from _pool_pass(paths[done:], settings, info, notify, worker)
        done += batch


def _new_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_worker_context(), initializer=_init_worker
    )


def _pool_pass(
    paths: Sequence[str | Path],
    settings: Settings,
    info: TesseractInfo,
    notify: Callable[[CardResult], None],
    worker: Worker,
) -> Generator[list[CardResult], None, int]:
    """Read ``paths`` in a fresh pool until done or a worker dies; returns how many finished.

    A worker that dies (a decoder crash, the kernel's out-of-memory killer) breaks the
    whole pool and every photo in flight with it. The first unfinished photo is then read
    again alone: if it kills that worker too, it is the culprit and becomes a failed
    record; either way the caller carries on with the rest in a new pool, so each break
    moves the batch forward by at least one photo.
    """
    executor = _new_pool(min(settings.jobs, len(paths)))
    finished = 0
    try:
        # Biggest files first: the last photo of a batch runs alone while the other cores
        # idle, so it should be a small one. Results still come out in input order.
        by_size = sorted(range(len(paths)), key=lambda i: -_file_size(paths[i]))
        submitted = {i: executor.submit(worker, paths[i], settings, info) for i in by_size}
        futures = [submitted[i] for i in range(len(paths))]
        for path, future in zip(paths, futures, strict=True):
            broken = False
            try:
                results = future.result()
            except BrokenProcessPool:
                log.warning("a worker process died; reading %s again on its own", path)
                results = _read_alone(path, settings, info, worker)
                broken = True
            for result in results:
                notify(result)
            finished += 1
            yield results
            if broken:  # every later future of this pool is lost too: start a new pool
                break
    finally:
        # On Ctrl-C or an early stop by the caller, drop the queued photos at once.
        executor.shutdown(wait=True, cancel_futures=True)
    return finished


def _file_size(path: str | Path) -> int:
    """Bytes on disk, a cheap stand-in for how long a photo takes (0 if unreadable)."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


def _read_alone(
    path: str | Path, settings: Settings, info: TesseractInfo, worker: Worker
) -> list[CardResult]:
    """Read one photo in a pool of its own, to learn whether it is what kills workers."""
    start = time.perf_counter()
    with _new_pool(1) as alone:
        try:
            return alone.submit(worker, path, settings, info).result()
        except BrokenProcessPool:
            return [
                _failed(
                    str(path),
                    f"{path}: reading this photo crashed the worker process",
                    start,
                    "the file may be damaged: open it in an image viewer, re-export it, "
                    "or leave it out",
                )
            ]


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
