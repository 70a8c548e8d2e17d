"""convert_file() under faults, held to what the command line is held to.

Killed at random moments while converting in place, the file is always the intact original or
the complete conversion (a kill between creating the temporary file and renaming it can leave
that ``.convert-utf8-*.tmp`` file behind, which cannot be cleaned up after SIGKILL; nothing
else). A full disk, an unwritable directory or a vanishing file raise the matching OSError with
the original intact and no temporary file left. ``CU8_FAULT_KILLS`` sets the number of kills
(default 20).
"""

from __future__ import annotations

import os
import pathlib
import random
import resource
import signal
import subprocess
import sys
import threading
import time

import pytest

LINE = bytes(range(0x20, 0x7F)) + bytes(range(0xA0, 0x100)) + b"\n"

# Runs convert_file in a child; prints the OSError's class, errno and filename if one is raised.
CHILD = """
import sys, convert_utf8
try:
    convert_utf8.convert_file(sys.argv[1], encoding="ISO-8859-1", errors=sys.argv[2])
except OSError as e:
    print(type(e).__name__, e.errno, e.filename)
    sys.exit(3)
"""


def latin1_text(size: int) -> tuple[bytes, bytes]:
    original = (LINE * (size // len(LINE) + 1))[:size]
    return original, original.decode("latin-1").encode("utf-8")


def others(directory: pathlib.Path, keep: pathlib.Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name != keep.name)


def is_temporary(name: str) -> bool:
    return name.startswith(".convert-utf8-") and name.endswith(".tmp")


def child(path: pathlib.Path, errors: str = "strict", **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), errors],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.parametrize("errors", ["strict", "backslashreplace"])
def test_sigkill_leaves_the_original_or_the_conversion(tmp_path, errors):
    kills = int(os.environ.get("CU8_FAULT_KILLS", "20"))
    path = tmp_path / "text.txt"
    original, converted = latin1_text(4 << 20)
    path.write_bytes(original)
    started = time.monotonic()
    assert child(path, errors).wait() == 0
    span = (time.monotonic() - started) * 1.25
    assert path.read_bytes() == converted
    rng = random.Random(8)
    outcomes = {"original": 0, "converted": 0, "temporary files": 0}
    for kill in range(kills):
        path.write_bytes(original)
        proc = child(path, errors)
        time.sleep(rng.uniform(0, span))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        now = path.read_bytes()
        if now == original:
            outcomes["original"] += 1
        else:
            assert now == converted, f"kill {kill}: a partial file of {len(now)} bytes"
            outcomes["converted"] += 1
        for name in others(tmp_path, path):
            assert is_temporary(name), f"kill {kill}: unexpected {name}"
            outcomes["temporary files"] += 1
            os.remove(tmp_path / name)
    print(f"{kills} kills ({errors}):", outcomes)


def limit_file_size(limit: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        # Writes past the limit then fail with EFBIG, as on a full disk, instead of killing.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return set_limit


@pytest.mark.parametrize("errors", ["strict", "replace", "backslashreplace"])
@pytest.mark.parametrize("limit", [0, 4096, 1 << 20])
def test_disk_full_raises_and_keeps_the_original(tmp_path, errors, limit):
    path = tmp_path / "text.txt"
    original, _ = latin1_text(1 << 20)
    path.write_bytes(original)
    proc = child(path, errors, preexec_fn=limit_file_size(limit))
    out, err = proc.communicate()
    assert proc.returncode == 3, err
    assert out.split() == ["OSError", "27", str(path)]  # EFBIG
    assert path.read_bytes() == original
    assert others(tmp_path, path) == []


def test_unwritable_directory_raises_permission_error(tmp_path):
    sub = tmp_path / "read-only"
    sub.mkdir()
    path = sub / "text.txt"
    original, _ = latin1_text(64 << 10)
    path.write_bytes(original)
    os.chmod(path, 0o666)
    os.chmod(sub, 0o555)
    os.chmod(tmp_path, 0o755)
    # Root writes anywhere: run as nobody, for whom the directory is read-only.
    as_nobody = {"user": 65534, "group": 65534} if os.geteuid() == 0 else {}
    if as_nobody and not runs_as_nobody():
        pytest.skip("nobody cannot run this interpreter (the read-only mount test covers it)")
    try:
        proc = child(path, **as_nobody)
        out, err = proc.communicate()
    finally:
        os.chmod(sub, 0o755)
    assert proc.returncode == 3, err
    assert out.split() == ["PermissionError", "13", str(path)]
    assert path.read_bytes() == original
    assert others(sub, path) == []


def runs_as_nobody() -> bool:
    try:
        probe = subprocess.run(
            [sys.executable, "-c", "import convert_utf8"],
            user=65534,
            group=65534,
            capture_output=True,
        )
    except PermissionError:
        return False
    return probe.returncode == 0


def test_read_only_filesystem_raises(tmp_path):
    """A directory on a read-only mount (a read-only bind mount; needs root)."""
    sub = tmp_path / "mounted"
    sub.mkdir()
    path = sub / "text.txt"
    original, _ = latin1_text(64 << 10)
    path.write_bytes(original)
    if os.geteuid() != 0:
        pytest.skip("a read-only bind mount needs root")
    mount = ["mount", "--bind", str(sub), str(sub)]
    if subprocess.run(mount, capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        remount = ["mount", "-o", "remount,bind,ro", str(sub)]
        assert subprocess.run(remount, capture_output=True).returncode == 0
        proc = child(path)
        out, err = proc.communicate()
    finally:
        subprocess.run(["umount", str(sub)], check=True)
    assert proc.returncode == 3, err
    assert out.split() == ["OSError", "30", str(path)]  # EROFS
    assert path.read_bytes() == original
    assert others(sub, path) == []


def test_missing_file_raises_file_not_found(tmp_path):
    import convert_utf8

    path = tmp_path / "gone.txt"
    with pytest.raises(FileNotFoundError) as info:
        convert_utf8.convert_file(path, encoding="ISO-8859-1")
    assert info.value.filename == path
    assert os.listdir(tmp_path) == []


def test_file_vanishing_mid_run_leaves_no_partial_file(tmp_path):
    """The conversion reads the open file, so it sees the whole original: it may complete
    (and the path then holds the whole conversion) or fail, but never leaves a part."""
    import convert_utf8

    path = tmp_path / "text.txt"
    original, converted = latin1_text(16 << 20)
    for attempt in range(3):
        path.write_bytes(original)
        result: list[object] = []

        def run() -> None:
            try:
                result.append(convert_utf8.convert_file(path, encoding="ISO-8859-1"))
            except OSError as e:
                result.append(e)

        worker = threading.Thread(target=run)
        worker.start()
        if attempt < 2:
            # An unnamed (O_TMPFILE) temporary shows nothing to wait for: removed at once, or
            # a little into the run.
            time.sleep(0.002 * attempt)
        else:
            deadline = time.monotonic() + 10
            while (worker.is_alive() and not any(map(is_temporary, others(tmp_path, path)))
                   and time.monotonic() < deadline):
                time.sleep(0.0002)
        finished_first = not worker.is_alive()
        path.unlink()
        worker.join()
        if finished_first:
            assert result == [0], f"attempt {attempt}: {result}"
        elif path.exists():
            assert result == [0], f"attempt {attempt}: {result}"
            assert path.read_bytes() == converted, f"attempt {attempt}: partial file"
        elif result != [0]:
            assert isinstance(result[0], OSError), f"attempt {attempt}: {result}"
        # Otherwise the run renamed its complete conversion into place after the check above
        # and the unlink removed that: a whole file, never a part.
        assert others(tmp_path, path) == [], f"attempt {attempt}: files left behind"
