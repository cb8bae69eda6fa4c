"""The Tesseract wrapper: binary discovery, error translation, TSV → words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cardscan.errors import MissingDependencyError, OcrError, OcrTimeoutError
from cardscan.reading.ocr import check_tesseract, ocr_image, result_from_data
from cardscan.reading.ocr import tesseract as ocr

TSV = {
    "level": [1, 5, 5, 5, 4],
    "block_num": [0, 1, 1, 2, 2],
    "par_num": [0, 1, 1, 1, 1],
    "line_num": [0, 1, 1, 1, 1],
    "text": ["", "Jane", "Doe", "  ", "x"],
    "conf": [-1, 96.5, 91, 50, -1],
    "left": [0, 10, 80, 5, 0],
    "top": [0, 20, 21, 90, 0],
    "width": [640, 60, 50, 5, 0],
    "height": [480, 20, 19, 5, 0],
}


def test_result_from_data_keeps_only_real_words() -> None:
    result = result_from_data(TSV, 640, 480)
    assert [w.text for w in result.words] == ["Jane", "Doe"]
    assert result.words[0].conf == pytest.approx(0.965)
    assert result.words[1].box.left == 80
    assert result.text == "Jane Doe"


def test_result_roundtrips_through_dict() -> None:
    result = result_from_data(TSV, 640, 480, rotation=90)
    again = type(result).from_dict(result.to_dict())
    assert again == result


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("tesseract 5.5.2-23-g397887\n leptonica-1.88.0", (5, 5, 2)),
        ("tesseract v5.0.0-alpha.20210811\n", (5, 0, 0)),
        ("tesseract 4.1.1\n", (4, 1, 1)),
        ("garbage", ()),
    ],
)
def test_parse_version(version: str, expected: tuple[int, ...]) -> None:
    assert ocr._parse_version(version) == expected


def test_missing_binary_names_the_fix(tmp_path, monkeypatch) -> None:
    check_tesseract.cache_clear()
    monkeypatch.delenv("CARDSCAN_TESSERACT", raising=False)
    with pytest.raises(MissingDependencyError) as info:
        check_tesseract(str(tmp_path / "no-such-tesseract"))
    assert "not found" in info.value.message
    assert "apt-get install tesseract-ocr" in (info.value.hint or "")
    assert info.value.exit_code == 3
    check_tesseract.cache_clear()


def test_too_old_binary_is_refused(tmp_path) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text("#!/bin/sh\necho 'tesseract 3.05.02'\n")
    fake.chmod(0o755)
    check_tesseract.cache_clear()
    with pytest.raises(MissingDependencyError, match="too old"):
        check_tesseract(str(fake))
    check_tesseract.cache_clear()


def test_missing_language_says_how_to_add_it(tmp_path) -> None:
    fake = tmp_path / "tesseract"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        "echo 'List of available languages in \"/x/\" (1):'\necho eng\n"
    )
    fake.chmod(0o755)
    check_tesseract.cache_clear()
    info = check_tesseract(str(fake), "eng")
    assert info.languages == ("eng",)
    with pytest.raises(MissingDependencyError) as err:
        check_tesseract(str(fake), "eng+fra")
    assert "fra" in err.value.message
    assert "fra.traineddata" in (err.value.hint or "")
    check_tesseract.cache_clear()


class _Boom:
    """Stands in for pytesseract with a chosen failure."""

    Output = ocr.pytesseract.Output
    TesseractError = ocr.pytesseract.TesseractError
    TesseractNotFoundError = ocr.pytesseract.TesseractNotFoundError

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
        self.pytesseract = type("P", (), {"tesseract_cmd": ""})()

    def image_to_data(self, *args: object, **kwargs: object) -> dict[str, list[object]]:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RuntimeError("Tesseract process timeout"), OcrTimeoutError),
        (ocr.pytesseract.TesseractError(1, "Error in pixReadMem"), OcrError),
        (ocr.pytesseract.TesseractNotFoundError(), MissingDependencyError),
        (SystemExit("Invalid tesseract version"), MissingDependencyError),
    ],
)
def test_failures_become_named_errors(monkeypatch, fake_info, exc, expected) -> None:
    monkeypatch.setattr(ocr, "pytesseract", _Boom(exc))
    with pytest.raises(expected):
        ocr_image(np.full((40, 40), 255, np.uint8), fake_info, timeout=1)


def test_empty_page_is_an_empty_result_not_an_error(monkeypatch, fake_info) -> None:
    monkeypatch.setattr(
        ocr, "pytesseract", _Boom(ocr.pytesseract.TesseractError(1, "Empty page!!"))
    )
    result = ocr_image(np.full((40, 50), 255, np.uint8), fake_info)
    assert result.words == () and (result.width, result.height) == (50, 40)


@pytest.mark.tesseract
def test_real_tesseract_reads_rendered_text() -> None:
    import cv2

    image = np.full((160, 900), 255, np.uint8)
    cv2.putText(image, "hello cardscan 2026", (20, 100), cv2.FONT_HERSHEY_SIMPLEX, 2.0, 0, 4)
    info = check_tesseract()
    result = ocr_image(image, info, psm=7, timeout=30)
    text = result.text.lower()
    assert "hello" in text and "cardscan" in text
    assert all(0 <= w.conf <= 1 for w in result.words)


# --------------------------------------------------------------------------- language data


def _traineddata(folder, *codes: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for code in codes:
        (folder / f"{code}.traineddata").write_bytes(f"fake {code} model".encode())


def test_tessdata_dirs_search_order(tmp_path, monkeypatch) -> None:
    wheel, extra, prefix, system = (tmp_path / n for n in ("wheel", "extra", "prefix", "sys"))
    for d in (
        wheel,
        extra,
        prefix / "tessdata",
        system / "5" / "tessdata",
        system / "4.00" / "tessdata",
    ):
        d.mkdir(parents=True)
    monkeypatch.setenv("CARDSCAN_TESSDATA", f"{extra}{ocr.os.pathsep}{tmp_path / 'missing'}")
    monkeypatch.setenv("TESSDATA_PREFIX", str(prefix))
    monkeypatch.setattr(ocr, "SYSTEM_TESSDATA", (f"{system}/*/tessdata",))
    dirs = ocr.tessdata_dirs(str(wheel), str(extra))  # the default repeats a folder: kept once
    assert dirs == [
        wheel,
        extra,
        prefix,
        prefix / "tessdata",
        system / "5" / "tessdata",
        system / "4.00" / "tessdata",
    ]


def test_find_traineddata_first_folder_wins(tmp_path) -> None:
    _traineddata(tmp_path / "a", "eng", "deu")
    _traineddata(tmp_path / "b", "eng", "fra")
    (tmp_path / "b" / "spa.traineddata").write_bytes(b"")  # empty: a broken download
    found = ocr.find_traineddata([tmp_path / "a", tmp_path / "b"])
    assert found == {
        "eng": tmp_path / "a" / "eng.traineddata",
        "deu": tmp_path / "a" / "deu.traineddata",
        "fra": tmp_path / "b" / "fra.traineddata",
    }


def test_tessdata_cache_is_private_built_once_and_renewed_on_change(tmp_path) -> None:
    _traineddata(tmp_path / "a", "eng")
    _traineddata(tmp_path / "b", "fra")
    (tmp_path / "a" / "configs").mkdir()
    files = ocr.find_traineddata([tmp_path / "a", tmp_path / "b"])
    root = tmp_path / "cache"
    first = ocr.tessdata_cache(files, tmp_path / "a", root)
    assert sorted(p.name for p in first.iterdir()) == [
        "configs",
        "eng.traineddata",
        "fra.traineddata",
    ]
    assert (first / "fra.traineddata").read_bytes() == b"fake fra model"
    assert first.stat().st_mode & 0o777 == 0o700
    assert root.stat().st_mode & 0o777 == 0o700
    assert ocr.tessdata_cache(files, tmp_path / "a", root) == first
    # A new language (or a changed file) makes a new folder; no half-built one is left.
    _traineddata(tmp_path / "b", "spa")
    second = ocr.tessdata_cache(ocr.find_traineddata([tmp_path / "a", tmp_path / "b"]), None, root)
    assert second != first and (second / "spa.traineddata").exists()
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


def test_tessdata_cache_copies_where_symlinks_fail(tmp_path, monkeypatch) -> None:
    _traineddata(tmp_path / "a", "eng")

    def no_symlinks(self, target, target_is_directory=False):
        raise OSError("symbolic links are not allowed here")

    monkeypatch.setattr(ocr.Path, "symlink_to", no_symlinks)
    cache = ocr.tessdata_cache(ocr.find_traineddata([tmp_path / "a"]), None, tmp_path / "c")
    copy = cache / "eng.traineddata"
    assert not copy.is_symlink() and copy.read_bytes() == b"fake eng model"


def test_tessdata_cache_with_a_broken_link_is_built_again(tmp_path) -> None:
    _traineddata(tmp_path / "a", "eng", "fra")
    files = ocr.find_traineddata([tmp_path / "a"])
    first = ocr.tessdata_cache(files, None, tmp_path / "c")
    (first / "fra.traineddata").unlink()  # deleted by hand: Tesseract would fail on fra
    again = ocr.tessdata_cache(files, None, tmp_path / "c")
    assert (again / "fra.traineddata").read_bytes() == b"fake fra model"


def _fake_tesseract(tmp_path, default_dir) -> str:
    """A tesseract that lists the *.traineddata of --tessdata-dir, else of ``default_dir``."""
    fake = tmp_path / "tesseract"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        f'dir="{default_dir}"\n'
        'if [ "$2" = "--tessdata-dir" ]; then dir="$3"; fi\n'
        'echo "List of available languages in \\"$dir/\\" (0):"\n'
        'for f in "$dir"/*.traineddata; do [ -e "$f" ] && basename "$f" .traineddata; done\n'
        "exit 0\n"
    )
    fake.chmod(0o755)
    return str(fake)


@pytest.mark.parametrize("cache_writable", [True, False])
def test_check_tesseract_adds_languages_from_cardscan_tessdata(
    tmp_path, monkeypatch, cache_writable
) -> None:
    _traineddata(tmp_path / "own", "eng")
    _traineddata(tmp_path / "mine", "fra")
    (tmp_path / "file").write_text("not a folder")
    (tmp_path / "tmp").mkdir()
    monkeypatch.setenv("CARDSCAN_TESSDATA", str(tmp_path / "mine"))
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    # A cache home that is a file cannot be written, even by root (a read-only home).
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ("xdg" if cache_writable else "file")))
    monkeypatch.setattr(ocr, "SYSTEM_TESSDATA", ())
    monkeypatch.setattr(ocr.tempfile, "tempdir", str(tmp_path / "tmp"))
    check_tesseract.cache_clear()
    ocr._clear_run_temp_dir()
    try:
        info = check_tesseract(_fake_tesseract(tmp_path, tmp_path / "own"), "eng+fra")
    finally:
        check_tesseract.cache_clear()
        ocr._clear_run_temp_dir()
    # Without a cache, the languages are linked for the run in a private temp folder.
    assert info.languages == ("eng", "fra")
    where = tmp_path / "xdg" / "cardscan" if cache_writable else tmp_path / "tmp"
    assert info.tessdata is not None and info.tessdata.startswith(str(where))
    assert Path(info.tessdata).parent.stat().st_mode & 0o777 == 0o700
    assert dict(info.sources)["fra"] == str(tmp_path / "mine" / "fra.traineddata")
    assert "--tessdata-dir" in info.base_config


def test_auto_needs_only_english_and_doctor_says_what_is_missing(tmp_path, monkeypatch) -> None:
    _traineddata(tmp_path / "own", "eng")
    monkeypatch.delenv("CARDSCAN_TESSDATA", raising=False)
    monkeypatch.delenv("TESSDATA_PREFIX", raising=False)
    monkeypatch.setattr(ocr, "SYSTEM_TESSDATA", ())
    check_tesseract.cache_clear()
    try:
        info = check_tesseract(_fake_tesseract(tmp_path, tmp_path / "own"), "auto")
    finally:
        check_tesseract.cache_clear()
    # Everything is in the binary's own folder: no cache folder, its default is used.
    assert info.languages == ("eng",) and info.tessdata is None
    report = "\n".join(ocr.language_report(info))
    assert "none: English only" in report
    assert "deu, fra, spa, ita, nld, por" in report
    assert "tesseract-ocr-deu" in report and "CARDSCAN_TESSDATA" in report


@pytest.mark.tesseract
def test_tesseract_temp_files_stay_in_a_private_folder(tmp_path, monkeypatch) -> None:
    """The card's picture and its text never sit in the shared temp folder, even at umask 0."""
    import os
    import stat

    import cv2

    shared = tmp_path / "shared-tmp"
    shared.mkdir(mode=0o777)
    monkeypatch.setattr(ocr.tempfile, "tempdir", str(shared))
    ocr._clear_run_temp_dir()
    seen: list[tuple[Path, int, int]] = []
    run = ocr.pytesseract.pytesseract.run_tesseract

    def spy(input_filename, output_filename_base, *args, **kwargs):
        for path in (Path(input_filename), Path(output_filename_base)):
            seen.append((path, path.parent.stat().st_mode, os.stat(input_filename).st_mode))
        return run(input_filename, output_filename_base, *args, **kwargs)

    monkeypatch.setattr(ocr.pytesseract.pytesseract, "run_tesseract", spy)
    image = np.full((120, 600), 255, np.uint8)
    cv2.putText(image, "Private", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    old = os.umask(0)
    try:
        result = ocr_image(image, check_tesseract())
    finally:
        os.umask(old)
        ocr._clear_run_temp_dir()
    assert "Private" in result.text
    assert seen
    for path, folder_mode, _file_mode in seen:
        assert path.parent != shared, f"{path} is in the shared temp folder"
        # Others cannot list or open anything in the folder, whatever the file modes are.
        assert stat.S_IMODE(folder_mode) == 0o700
    # All that is left in the shared folder is cardscan's own private folder, if anything.
    assert all(p.is_dir() and stat.S_IMODE(p.stat().st_mode) == 0o700 for p in shared.iterdir())


class _Counting:
    """Stands in for pytesseract, reading no text and counting what is set on it."""

    Output = ocr.pytesseract.Output
    TesseractError = ocr.pytesseract.TesseractError
    TesseractNotFoundError = ocr.pytesseract.TesseractNotFoundError

    def __init__(self) -> None:
        sets: list[str] = []

        class Inner:
            def __setattr__(self, name: str, value: object) -> None:
                sets.append(name)
                object.__setattr__(self, name, value)

        self.sets = sets
        self.pytesseract = Inner()

    def image_to_data(self, *args: object, **kwargs: object) -> dict[str, list[object]]:
        return {"text": []}


def test_the_private_temp_file_patch_is_made_once_a_process(monkeypatch, fake_info) -> None:
    fake = _Counting()
    monkeypatch.setattr(ocr, "pytesseract", fake)
    for _ in range(3):
        ocr_image(np.full((40, 40), 255, np.uint8), fake_info)
    assert fake.sets.count("NamedTemporaryFile") == 1
    assert fake.pytesseract.NamedTemporaryFile is ocr._private_temp_file
    assert fake.sets.count("tesseract_cmd") == 3  # the binary is still set per call


def test_private_temp_files_go_to_a_0700_folder_of_the_process_using_them(
    tmp_path, monkeypatch
) -> None:
    import stat
    import threading

    shared = tmp_path / "shared-tmp"
    shared.mkdir(mode=0o777)
    monkeypatch.setattr(ocr.tempfile, "tempdir", str(shared))
    ocr._clear_run_temp_dir()
    try:
        # Threads starting at once share one folder.
        folders: list[Path] = []
        threads = [
            threading.Thread(target=lambda: folders.append(ocr._run_temp_dir())) for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(folders)) == 1
        with ocr._private_temp_file(prefix="tess_", delete=False) as f:
            mine = Path(f.name)
        assert mine.parent == folders[0] and mine.parent.parent == shared
        assert stat.S_IMODE(mine.parent.stat().st_mode) == 0o700
        # A worker forked after the patch was made writes into a folder of its own.
        real_pid = ocr.os.getpid()
        monkeypatch.setattr(ocr.os, "getpid", lambda: real_pid + 1)
        with ocr._private_temp_file(prefix="tess_", delete=False) as f:
            child = Path(f.name)
        assert child.parent not in (mine.parent, shared) and child.parent.parent == shared
        assert stat.S_IMODE(child.parent.stat().st_mode) == 0o700
    finally:
        ocr._clear_run_temp_dir()
