"""Whole tool: the convert-utf8 command against `iconv` and ICU's `uconv` on one big Shift_JIS
file, wall time and peak RSS from GNU time (`/usr/bin/time -v`); outputs compared with iconv's."""

from __future__ import annotations

import filecmp
import re
import shutil
import subprocess
from pathlib import Path

from inputs import shift_jis_text


def make_file(path: Path, size_mib: int) -> int:
    """Writes whole copies of the Shift_JIS sample until the file holds size_mib MiB."""
    unit = shift_jis_text()
    block = unit * (1048576 // len(unit) + 1)
    copies = -(-(size_mib << 20) // len(block))
    with path.open("wb") as out:
        for _ in range(copies):
            out.write(block)
    return copies * len(block)


def timed(command: list[str], output: Path) -> dict:
    report = output.with_suffix(".time")
    with output.open("wb") as out:
        subprocess.run(["/usr/bin/time", "-v", "-o", str(report), *command], stdout=out,
                       check=True)
    text = report.read_text()

    def field(label: str) -> str:
        found = re.search(re.escape(label) + r": (\S+)", text)
        if not found:
            raise SystemExit(f"wholetool: no {label!r} in GNU time's report")
        return found[1]

    wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.split(":"))))
    rss_kib = int(field("Maximum resident set size (kbytes)"))
    user = float(field("User time (seconds)"))
    system = float(field("System time (seconds)"))
    shown = " ".join([Path(command[0]).name, *command[1:-1], "FILE"])
    return {"command": shown, "wall_s": seconds, "user_s": user, "sys_s": system,
            "peak_rss_mib": rss_kib / 1024}


def run(cli: Path, size_mib: int, directory: Path) -> dict:
    source = directory / "big.sjis"
    size = make_file(source, size_mib)
    # iconv first: its output is the reference the others are compared with.
    tools = {
        "iconv": ["iconv", "-f", "SHIFT_JIS", "-t", "UTF-8", str(source)],
        "convert-utf8": [str(cli), "-f", "SHIFT_JIS", str(source)],
    }
    if shutil.which("uconv"):
        tools["uconv"] = ["uconv", "-f", "shift_jis", "-t", "utf-8", str(source)]
    results: dict = {"bytes": size, "tools": {}}
    try:
        for name, command in tools.items():
            output = directory / f"out.{name}"
            row = timed(command, output)
            if name != "iconv":
                row["same_output_as_iconv"] = filecmp.cmp(output, directory / "out.iconv",
                                                          shallow=False)
                output.unlink()
            results["tools"][name] = row
    finally:
        for leftover in directory.glob("out.*"):
            leftover.unlink()
        source.unlink()
    if "uconv" not in tools:
        results["tools"]["uconv"] = "uconv not installed (apt-get install icu-devtools)"
    return results
