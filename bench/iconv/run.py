#!/usr/bin/env python3
"""libconvert_utf8_iconv against glibc's iconv, in the same programs, side by side.

Each case runs one unmodified program twice per round, plainly (glibc's iconv) and with
`LD_PRELOAD=target/release/libconvert_utf8_iconv.so`, alternating A B A B for the chosen number
of rounds, and reports the median wall time of each side, their ratio and the peak RSS of each
side. Times are of the whole process (start-up, reading the input, writing to /dev/null).

Cases:
- the iconv(1)-like driver (`crates/convert-utf8-iconv/tests/c/iconv_driver.c`, built with -O2)
  converting a file through iconv_open/iconv in 64 KiB chunks, to UTF-8 from CJK, single-byte
  and Unicode charsets, and from UTF-8 to Shift_JIS and ISO-8859-1 (forwarded to glibc);
- the driver's peak RSS on a small and a large input, both ways (the driver reads the whole
  file into memory, so what the library adds is the difference between the two sides);
- xmllint --encode UTF-8 on Shift_JIS, EUC-KR and GB18030 documents;
- php: iconv() in a loop on a Shift_JIS string, and DOMDocument::load of the Shift_JIS document
  (when php-xml is installed);
- git log re-encoding a repository of Shift_JIS commits to UTF-8.

Inputs are the repository's sample texts encoded with the system iconv (`-c`) and repeated to
size, in a temporary directory deleted afterwards. Before timing, each case runs once both ways
and the two outputs are compared (SHA-256); a difference is reported in the table and the JSON.

Standard library only. Usage (from anywhere in the repository):

    python3 bench/iconv/run.py            # full sizes, 5 rounds
    python3 bench/iconv/run.py --quick    # small inputs, 2 rounds: checks that it all works
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIME = "/usr/bin/time"  # GNU time (Debian package time)
CRATE = ROOT / "crates" / "convert-utf8-iconv"
DATA = ROOT / "crates" / "convert-utf8" / "tests" / "data"

# Charsets decoded to UTF-8 by the driver: (label, name given to iconv_open, family). Each is
# given text in the languages it serves (`text_for`); "GB18030 mixed" is the whole multilingual
# sample, a quarter of whose characters take GB18030's four-byte form.
TO_UTF8 = [
    ("SJIS", "SJIS", "CJK"),
    ("EUC-JP", "EUC-JP", "CJK"),
    ("GB18030", "GB18030", "CJK"),
    ("GB18030 mixed", "GB18030", "CJK"),
    ("BIG5", "BIG5", "CJK"),
    ("EUC-KR", "EUC-KR", "CJK"),
    ("ISO-8859-1", "ISO-8859-1", "single-byte"),
    ("CP1252", "CP1252", "single-byte"),
    ("KOI8-R", "KOI8-R", "single-byte"),
    ("ISO-8859-2", "ISO-8859-2", "single-byte"),
    ("UTF-8", "UTF-8", "Unicode"),
    ("UTF-16", "UTF-16", "Unicode"),
]
# Conversions from UTF-8, which the library forwards to glibc.
FROM_UTF8 = ["SJIS", "ISO-8859-1"]
XML_CHARSETS = [("Shift_JIS", "SHIFT_JIS"), ("EUC-KR", "EUC-KR"), ("GB18030", "GB18030")]


def program(name: str) -> str | None:
    """The program as Debian's package installs it (/usr/bin), else the first on PATH."""
    debian = Path("/usr/bin") / name
    return str(debian) if os.access(debian, os.X_OK) else shutil.which(name)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample_text() -> str:
    return (DATA / "multilingual.txt").read_text() + (DATA / "cjk.txt").read_text()


# The lines of cjk.txt in the languages of each CJK charset (Japanese, simplified and
# traditional Chinese, Korean); the last line, ASCII, goes with each.
CJK_LINES = {"SJIS": [0, 1, 2], "EUC-JP": [0, 1, 2], "GB18030": [3, 4], "BIG5": [5],
             "EUC-KR": [6, 7]}


def text_for(label: str) -> str:
    """Text in the languages `label` serves: for a CJK charset its lines of cjk.txt; for a
    single-byte one the sample's lines it encodes whole; for the rest the whole sample."""
    if label in CJK_LINES:
        lines = (DATA / "cjk.txt").read_text().splitlines()
        return "\n".join([lines[i] for i in CJK_LINES[label]] + [lines[-1]]) + "\n"
    if label in ("UTF-8", "UTF-16", "GB18030 mixed"):
        return sample_text()
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    whole = [line for line in sample_text().splitlines(keepends=True)
             if subprocess.run(["iconv", "-f", "UTF-8", "-t", label], input=line.encode(),
                               capture_output=True, env=env).returncode == 0]
    return "".join(whole)


def system_iconv(data: bytes, source: str, target: str) -> bytes:
    """The system iconv program, on glibc alone, dropping what it cannot convert."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    done = subprocess.run(["iconv", "-c", "-f", source, "-t", target], input=data,
                          capture_output=True, env=env)
    if not done.stdout:
        raise SystemExit(f"iconv could not encode the sample text in {target}")
    return done.stdout


def write_repeated(path: Path, unit: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> int:
    """Writes head, as many whole copies of unit as make at least `size` bytes, and tail."""
    copies = max(1, -(-(size - len(head) - len(tail)) // len(unit)))
    per_block = max(1, (1 << 20) // len(unit))
    with path.open("wb") as out:
        out.write(head)
        while copies > 0:
            out.write(unit * min(copies, per_block))
            copies -= per_block
        out.write(tail)
    return path.stat().st_size


def mib(size: int) -> float:
    return size / (1 << 20)


class Runner:
    def __init__(self, preload_object: Path, env: dict[str, str], work: Path) -> None:
        self.preload_object = preload_object
        self.env = env
        self.work = work

    def environment(self, preload: bool) -> dict[str, str]:
        env = dict(self.env)
        if preload:
            env["LD_PRELOAD"] = str(self.preload_object)
        return env

    def once(self, command: list[str], preload: bool, cwd: Path | None = None) -> dict:
        """One run, output to /dev/null: wall seconds, peak RSS (MiB) and exit status.

        The peak RSS is GNU time's (%M): the kernel starts a process's peak at the size of the
        process that exec'd it, and Python's subprocess execs from a vfork of this (large)
        process, which would hide the program's own figure. GNU time forks from a small one.
        """
        report = self.work / "time.out"
        start = time.perf_counter()
        done = subprocess.run([TIME, "-f", "%M %x", "-o", str(report), *command],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env=self.environment(preload), cwd=cwd)
        wall = time.perf_counter() - start
        rss_kib, status = report.read_text().split()[-2:]
        return {"wall_s": wall, "rss_mib": int(rss_kib) / 1024, "status": int(status),
                "time_status": done.returncode}

    def digest(self, command: list[str], preload: bool, cwd: Path | None = None) -> tuple:
        """SHA-256 of the output and error, and the exit status, of one run."""
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                              env=self.environment(preload), cwd=cwd)
        return (hashlib.sha256(done.stdout).hexdigest(),
                hashlib.sha256(done.stderr).hexdigest(), done.returncode, len(done.stdout))

    def case(self, name: str, group: str, command: list[str], rounds: int,
             input_bytes: int, cwd: Path | None = None) -> dict:
        glibc_digest = self.digest(command, False, cwd)
        ours_digest = self.digest(command, True, cwd)
        runs: dict[str, list[dict]] = {"glibc": [], "preloaded": []}
        for _ in range(rounds):
            runs["glibc"].append(self.once(command, False, cwd))
            runs["preloaded"].append(self.once(command, True, cwd))
        result = {
            "case": name,
            "group": group,
            "command": " ".join(Path(command[0]).name if i == 0 else part
                                for i, part in enumerate(command)),
            "input_bytes": input_bytes,
            "output_bytes": glibc_digest[3],
            "same_output": glibc_digest == ours_digest,
            "status": glibc_digest[2],
            "runs": runs,
        }
        for side in ("glibc", "preloaded"):
            walls = [run["wall_s"] for run in runs[side]]
            result[f"{side}_median_s"] = statistics.median(walls)
            result[f"{side}_min_s"] = min(walls)
            result[f"{side}_peak_rss_mib"] = max(run["rss_mib"] for run in runs[side])
            result[f"{side}_statuses"] = sorted({run["status"] for run in runs[side]})
        result["ratio"] = result["preloaded_median_s"] / result["glibc_median_s"]
        flag = "" if result["same_output"] else "  OUTPUTS DIFFER"
        if glibc_digest[2] != 0:
            flag += f"  (exit status {glibc_digest[2]})"
        log(f"  {name}: glibc {result['glibc_median_s']:.3f} s, preloaded "
            f"{result['preloaded_median_s']:.3f} s, ratio {result['ratio']:.2f}{flag}")
        return result


def build(work: Path) -> tuple[Path, Path]:
    log("building the library (cargo build --release -p convert-utf8-iconv)")
    subprocess.run(["cargo", "build", "--release", "-p", "convert-utf8-iconv"], cwd=ROOT,
                   check=True)
    metadata = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"], cwd=ROOT, check=True,
        capture_output=True).stdout)
    library = Path(metadata["target_directory"]) / "release" / "libconvert_utf8_iconv.so"
    driver = work / "iconv_driver"
    subprocess.run([os.environ.get("CC", "cc"), "-std=c11", "-O2", "-D_GNU_SOURCE",
                    str(CRATE / "tests" / "c" / "iconv_driver.c"), "-o", str(driver)],
                   check=True)
    return library, driver


def driver_inputs(work: Path, size: int) -> dict[str, tuple[Path, int]]:
    """One file per charset of TO_UTF8, and UTF-8 files for each FROM_UTF8 target."""
    text = sample_text().encode()
    files = {}
    for label, name, _ in TO_UTF8:
        path = work / f"input.{label.replace(' ', '-')}"
        text = text_for(label).encode()
        if label == "UTF-8":
            files[label] = (path, write_repeated(path, text, size))
        elif label == "UTF-16":
            # One byte order mark, then little-endian text.
            unit = system_iconv(text, "UTF-8", "UTF-16LE")
            files[label] = (path, write_repeated(path, unit, size, head=b"\xff\xfe"))
        else:
            files[label] = (path, write_repeated(path, system_iconv(text, "UTF-8", name), size))
    text = sample_text().encode()
    for target in FROM_UTF8:
        # The text that survives a trip through `target`, so the conversion never fails.
        unit = system_iconv(system_iconv(text, "UTF-8", target), target, "UTF-8")
        path = work / f"input.UTF-8-for-{target}"
        files[f"UTF-8 for {target}"] = (path, write_repeated(path, unit, size))
    return files


def xml_document(path: Path, declared: str, charset: str, size: int) -> int:
    lines = sample_text().replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = "".join(f'<p n="{i}">- {line}</p>\n' for i, line in enumerate(lines.splitlines()))
    unit = system_iconv(body.encode(), "UTF-8", charset)
    head = f'<?xml version="1.0" encoding="{declared}"?>\n<doc>\n'.encode()
    return write_repeated(path, unit, size, head=head, tail=b"</doc>\n")


def git_repository(git: str, work: Path, commits: int, env: dict[str, str]) -> Path:
    """A repository of `commits` commits whose messages are stored in Shift_JIS, made with
    git fast-import."""
    repo = work / "repo"
    subprocess.run([git, "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    message = system_iconv(sample_text().encode(), "UTF-8", "SJIS")
    subjects = [system_iconv(f"コミット {n}: 件名、半角ｶﾅ\n\n".encode(), "UTF-8", "SJIS")
                for n in range(16)]
    stream = bytearray()
    for n in range(commits):
        data = subjects[n % len(subjects)] + message
        content = f"{n}\n".encode()
        stream += b"commit refs/heads/main\n"
        stream += f"mark :{n + 1}\n".encode()
        stream += f"author A <a@example.com> {1577836800 + n} +0000\n".encode()
        stream += f"committer C <c@example.com> {1577836800 + n} +0000\n".encode()
        stream += b"encoding SJIS\n"
        stream += f"data {len(data)}\n".encode() + data + b"\n"
        if n > 0:
            stream += f"from :{n}\n".encode()
        stream += f"M 100644 inline file.txt\ndata {len(content)}\n".encode() + content + b"\n"
    subprocess.run([git, "fast-import", "--quiet"], input=bytes(stream), cwd=repo,
                   check=True, env=env)
    return repo


def versions() -> dict:
    def first_line(command: list[str]) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True)
        except FileNotFoundError:
            return "not installed"
        return (done.stdout or done.stderr).strip().splitlines()[0]

    revision = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                            "crates/convert-utf8-iconv", "crates/convert-utf8"],
                           capture_output=True, text=True).stdout.strip()
    return {
        "revision": revision + ("+changes" if dirty else ""),
        "glibc": first_line(["ldd", "--version"]),
        "xmllint": first_line([program("xmllint") or "xmllint", "--version"]),
        "php": first_line([program("php") or "php", "--version"]),
        "git": first_line([program("git") or "git", "--version"]),
        "rustc": first_line(["rustc", "--version"]),
        "kernel": platform.release(),
        "cpus": os.cpu_count(),
        "cpu": next((line.split(":", 1)[1].strip()
                     for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith("model name")), "unknown"),
    }


def table(results: dict) -> str:
    rows = ["| case | input | glibc (median s) | preloaded (median s) | preloaded / glibc "
            "| peak RSS glibc | peak RSS preloaded | same output |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for case in results["cases"]:
        same = "yes" if case["same_output"] else "**no**"
        if case["status"] != 0:
            same += f" (exit {case['status']})"
        rows.append(
            f"| {case['case']} | {mib(case['input_bytes']):.1f} MiB "
            f"| {case['glibc_median_s']:.3f} | {case['preloaded_median_s']:.3f} "
            f"| {case['ratio']:.2f} | {case['glibc_peak_rss_mib']:.1f} MiB "
            f"| {case['preloaded_peak_rss_mib']:.1f} MiB "
            f"| {same} |")
    rows += ["", "| memory case | input | peak RSS glibc | peak RSS preloaded | added by the library |",
             "|---|---:|---:|---:|---:|"]
    for case in results["memory"]:
        rows.append(
            f"| {case['case']} | {mib(case['input_bytes']):.0f} MiB "
            f"| {case['glibc_peak_rss_mib']:.1f} MiB | {case['preloaded_peak_rss_mib']:.1f} MiB "
            f"| {case['preloaded_peak_rss_mib'] - case['glibc_peak_rss_mib']:+.1f} MiB |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small inputs and 2 rounds, to check that everything runs")
    parser.add_argument("--rounds", type=int, help="A B rounds per case (default 5; quick 2)")
    parser.add_argument("--size-mib", type=int, help="driver inputs (default 64; quick 1)")
    parser.add_argument("--xml-mib", type=int, help="xmllint documents (default 20; quick 1)")
    parser.add_argument("--commits", type=int, help="git commits (default 3000; quick 100)")
    parser.add_argument("--memory-mib", default=None,
                        help="small,large inputs of the memory case (default 20,200; quick 2,20)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results.json"),
                        help="JSON results (default bench/iconv/results.json)")
    args = parser.parse_args()
    if not os.access(TIME, os.X_OK):
        raise SystemExit(f"{TIME} (GNU time, Debian package time) is needed for peak RSS")
    quick = args.quick
    rounds = args.rounds or (2 if quick else 5)
    size = (args.size_mib or (1 if quick else 64)) << 20
    xml_size = (args.xml_mib or (1 if quick else 20)) << 20
    commits = args.commits or (100 if quick else 3000)
    memory_sizes = [int(part) << 20 for part in
                    (args.memory_mib or ("2,20" if quick else "20,200")).split(",")]

    load_before = os.getloadavg()
    results: dict = {
        "mode": "quick" if quick else "full",
        "rounds": rounds,
        "versions": versions(),
        "load_before": load_before,
        "cases": [],
        "memory": [],
    }
    with tempfile.TemporaryDirectory(prefix="iconv-bench-") as tmp:
        work = Path(tmp)
        home = work / "home"
        home.mkdir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8",
               "HOME": str(home), "XDG_CONFIG_HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_PAGER": "cat"}
        library, driver = build(work)
        results["library"] = str(library.relative_to(ROOT)) if library.is_relative_to(ROOT) \
            else library.name
        runner = Runner(library, env, work)

        log(f"driver inputs, {mib(size):.0f} MiB each")
        files = driver_inputs(work, size)
        for label, name, family in TO_UTF8:
            path, length = files[label]
            results["cases"].append(runner.case(
                f"driver {label} → UTF-8", f"driver, {family}",
                [str(driver), "-i", "65536", "-o", "65536", name, str(path)], rounds, length))
        for target in FROM_UTF8:
            path, length = files[f"UTF-8 for {target}"]
            results["cases"].append(runner.case(
                f"driver UTF-8 → {target} (forwarded)", "driver, forwarded",
                [str(driver), "-i", "65536", "-o", "65536", "-t", target, "UTF-8", str(path)],
                rounds, length))

        log("memory: the driver on Shift_JIS, small and large input")
        for index, memory_size in enumerate(memory_sizes):
            path = work / f"memory-{index}.sjis"
            length = write_repeated(path, system_iconv(sample_text().encode(), "UTF-8", "SJIS"),
                                    memory_size)
            results["memory"].append(runner.case(
                f"driver SJIS → UTF-8, {mib(length):.0f} MiB", "memory",
                [str(driver), "-i", "65536", "-o", "65536", "SJIS", str(path)],
                max(3, rounds // 2 + 1) if not quick else rounds, length))
            path.unlink()

        for label, _, _ in TO_UTF8:
            files[label][0].unlink()

        xmllint, php, git = program("xmllint"), program("php"), program("git")
        if xmllint:
            log(f"xmllint, {mib(xml_size):.0f} MiB documents")
            for declared, charset in XML_CHARSETS:
                path = work / f"doc-{declared}.xml"
                length = xml_document(path, declared, charset, xml_size)
                results["cases"].append(runner.case(
                    f"xmllint --encode UTF-8, {declared}", "programs",
                    [xmllint, "--encode", "UTF-8", str(path)], rounds, length))
        else:
            log("skipped: xmllint is not installed (Debian package libxml2-utils)")

        if php:
            log("php")
            sjis = work / "php.sjis"
            length = write_repeated(sjis, system_iconv(sample_text().encode(), "UTF-8", "SJIS"),
                                    1 << 20)
            loops = 10 if quick else 100
            script = ("$s = file_get_contents($argv[1]); $n = 0; "
                      f"for ($i = 0; $i < {loops}; $i++) "
                      "{ $n += strlen(iconv('SJIS', 'UTF-8', $s)); } echo $n, \"\\n\";")
            results["cases"].append(runner.case(
                f"php iconv('SJIS', 'UTF-8') × {loops} (not served: RTLD_DEEPBIND)",
                "programs", [php, "-r", script, str(sjis)], rounds, length * loops))
            xml = work / "doc-Shift_JIS.xml"
            has_dom = subprocess.run([php, "-r", "exit(class_exists('DOMDocument') ? 0 : 1);"],
                                     env=env).returncode == 0
            if has_dom and xml.exists():
                script = ("$d = new DOMDocument(); $d->load($argv[1]); "
                          "echo strlen($d->documentElement->textContent), \"\\n\";")
                results["cases"].append(runner.case(
                    "php DOMDocument::load, Shift_JIS", "programs",
                    [php, "-r", script, str(xml)], rounds, xml.stat().st_size))
            else:
                log("skipped: php's DOMDocument (Debian package php-xml)")
        else:
            log("skipped: php is not installed (Debian package php-cli)")

        if git:
            log(f"git, {commits} Shift_JIS commits")
            repo = git_repository(git, work, commits, env)
            size_messages = commits * len(system_iconv(sample_text().encode(), "UTF-8", "SJIS"))
            results["cases"].append(runner.case(
                f"git log --encoding=UTF-8 --format=%B, {commits} SJIS commits", "programs",
                [git, "-C", str(repo), "log", "--encoding=UTF-8", "--format=%B"], rounds,
                size_messages))
            results["cases"].append(runner.case(
                f"git log (default format), {commits} SJIS commits", "programs",
                [git, "-C", str(repo), "-c", "i18n.logOutputEncoding=UTF-8", "log"], rounds,
                size_messages))
        else:
            log("skipped: git is not installed (Debian package git)")

    results["load_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(f"Mode {results['mode']}, {rounds} rounds per case (A B interleaved); "
          f"load average {load_before[0]:.2f} before, {results['load_after'][0]:.2f} after; "
          f"revision {results['versions']['revision']}.\n")
    print(table(results))
    log(f"results written to {args.out}")


if __name__ == "__main__":
    main()
