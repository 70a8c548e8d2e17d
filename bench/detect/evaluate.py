#!/usr/bin/env python3
"""Runs charset detectors over the corpus of bench/detect/make_corpus.py and writes the report
(owned by this script: docs/benchmarks/detect.md, detect.png and detect-results.json).

    python3 bench/detect/evaluate.py                       # every detector that is installed
    python3 bench/detect/evaluate.py --ours-cli target/release/convert-utf8
    python3 bench/detect/evaluate.py --detectors chardet,cchardet --out /tmp/report

Detectors, each skipped with a note when it cannot be loaded:
  convert-utf8      convert_utf8.detect(data) -> .encoding .confidence .language .bom
                    .alternatives; convert_utf8.detect(data, declared=LABEL) for the mislabel set
  convert-utf8-cli  with --ours-cli PATH: `PATH --detect FILE...` in batches, lines
                    `FILE: CHARSET (confidence 0.97, language ru)` (timed with process start-up
                    and file reading, so its speed is not comparable to the in-process ones)
  chardet           chardet.detect(data)["encoding"]
  charset-normalizer  charset_normalizer.from_bytes(data).best().encoding
  cchardet          cchardet.detect(data)["encoding"] (the faust-cchardet package)
  chardetng         chardetng_py.detect(data, allow_utf8=True) (a file, not a web page)

A guess is right when decoding the sample's bytes with the guessed name gives exactly the
sample's original text (one leading U+FEFF from a byte order mark aside): charsets that decode
those bytes identically are all right. The decoder is convert_utf8.decode when the package is
importable, else glibc iconv in-process; a name neither knows goes to Python's codecs. A name
no decoder knows, bytes the decoder rejects, and no answer are all wrong.

Speed: detector calls only (samples already in memory), one process pinned to one CPU, over
the whole main set in its mixed order, best of --passes passes.
"""

from __future__ import annotations

import argparse
import codecs
import collections
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
import glibc_iconv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OURS = "convert-utf8"
# Corpus groups whose samples are told by structure, with no language to name.
NO_LANGUAGE = ("UTF-8", "UTF-16/32", "ASCII")
OURS_CLI = "convert-utf8-cli"
PEERS = ("chardet", "charset-normalizer", "cchardet", "chardetng")
CALIBRATION_BINS = 10


# --------------------------------------------------------------------------------------------
# Corpus


@dataclass
class Sample:
    id: str
    set: str
    group: str
    language: str
    charset: str
    bom: bool
    size: int
    path: Path
    data: bytes
    text: str
    declared: str | None
    case: str | None
    kind: str | None

    @property
    def cell(self) -> str:
        return f"{self.charset}{'+BOM' if self.bom else ''} ({self.language})"


def load_corpus(corpus: Path, every: int) -> tuple[list[Sample], dict]:
    manifest = corpus / "manifest.jsonl"
    if not manifest.exists():
        sys.exit(f"no corpus at {corpus}: run bench/detect/make_corpus.py first")
    samples = []
    with open(manifest, encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n % every:
                continue
            e = json.loads(line)
            samples.append(Sample(
                id=e["id"], set=e["set"], group=e["group"], language=e["language"],
                charset=e["charset"], bom=e["bom"], size=e["size"], path=corpus / e["file"],
                data=(corpus / e["file"]).read_bytes(),
                text=(corpus / e["text"]).read_bytes().decode("utf-8"),
                declared=e.get("declared"), case=e.get("case"), kind=e.get("kind")))
    meta = json.loads((corpus / "corpus.json").read_text(encoding="utf-8"))
    return samples, meta


# --------------------------------------------------------------------------------------------
# Judging a guess


# Python codec names (codecs.lookup(...).name) glibc spells otherwise.
PYTHON_TO_GLIBC = {
    "mac-roman": "MACINTOSH", "utf-8-sig": "UTF-8", "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE", "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE",
    "euc_jis_2004": "EUC-JISX0213", "euc_jisx0213": "EUC-JISX0213",
    "shift_jis_2004": "SHIFT_JISX0213", "shift_jisx0213": "SHIFT_JISX0213",
    "iso2022_jp_2": "ISO-2022-JP-2", "iso2022_jp_3": "ISO-2022-JP-3",
    "iso2022_jp_1": "ISO-2022-JP-1", "iso2022_jp_2004": "ISO-2022-JP-3",
    "iso2022_jp_ext": "ISO-2022-JP-1", "iso2022_kr": "ISO-2022-KR", "iso2022_jp": "ISO-2022-JP",
    "big5hkscs": "BIG5-HKSCS", "mac-latin2": "MAC-CENTRALEUROPE", "mac-greek": "MACGREEK",
    "mac-turkish": "MACTURKISH", "mac-iceland": "MACICELAND", "mac-cyrillic": "MACCYRILLIC",
}


class Judge:
    """Decides whether a guessed charset name decodes a sample to its text, with a cache
    shared by every detector."""

    def __init__(self) -> None:
        try:
            import convert_utf8
            self.cu8 = convert_utf8
            self.decoder = "convert_utf8.decode"
        except ImportError:
            self.cu8 = None
            self.decoder = "glibc iconv"
        self._cache: dict[tuple[str, str], str] = {}
        self.unknown_names: collections.Counter[str] = collections.Counter()

    def _candidates(self, label: str) -> list[str]:
        names = [label, label.replace("_", "-")]
        try:
            python = codecs.lookup(label).name
            names += [PYTHON_TO_GLIBC.get(python, python), python.replace("_", "-")]
        except LookupError:
            pass
        return list(dict.fromkeys(names))

    def decode(self, data: bytes, label: str) -> str:
        """The text of `data` under `label`: LookupError if no decoder knows the name,
        another exception if the decoder rejects the bytes."""
        if self.cu8 is not None:
            try:
                return self.cu8.decode(data, label)
            except LookupError:
                pass
        for name in self._candidates(label):
            try:
                return glibc_iconv.decode(data, name)
            except LookupError:
                continue
        return data.decode(label)          # Python's codecs; LookupError when unknown

    def outcome(self, sample: Sample, label: str | None) -> str:
        """"right", "wrong" (other text), "invalid" (bytes rejected), "unknown" (name), "none"."""
        if not label:
            return "none"
        key = (sample.id, label)
        if key not in self._cache:
            try:
                text = self.decode(sample.data, label)
                result = "right" if glibc_iconv.matches(text, sample.text) else "wrong"
            except LookupError:
                result = "unknown"
                self.unknown_names[label] += 1
            except Exception:  # noqa: BLE001 - any decoding error makes the guess wrong
                result = "invalid"
            self._cache[key] = result
        return self._cache[key]

    def valid(self, sample: Sample, label: str) -> bool:
        """Whether `label` decodes the sample's bytes without error (whatever the text)."""
        return self.outcome(sample, label) in ("right", "wrong")


# --------------------------------------------------------------------------------------------
# Detectors


@dataclass
class Guess:
    encoding: str | None
    confidence: float | None = None
    language: str | None = None
    bom: bool | None = None
    alternatives: list[str] = field(default_factory=list)


class Unavailable(Exception):
    """The detector cannot be loaded here; the message says why."""


def _version(distribution: str, module: Any = None) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return str(getattr(module, "__version__", "?"))


def _import(module: str, distribution: str):
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise Unavailable(f"{distribution} is not importable here: {e}") from None


def _alternative_names(alternatives: Any) -> list[str]:
    """Names out of an alternatives list whose items are names, (name, ...) tuples or objects
    with an .encoding."""
    names = []
    for item in alternatives or ():
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, (tuple, list)) and item and isinstance(item[0], str):
            names.append(item[0])
        elif getattr(item, "encoding", None):
            names.append(item.encoding)
    return names


class Detector:
    name: str
    version: str
    note: str = ""
    batch: bool = False          # detect_files instead of detect
    takes_declared: bool = False

    def __init__(self) -> None:
        self.raised: collections.Counter[str] = collections.Counter()

    def detect(self, data: bytes) -> Guess:
        raise NotImplementedError

    def detect_declared(self, data: bytes, declared: str) -> Guess:
        raise NotImplementedError

    def detect_files(self, paths: list[Path]) -> list[Guess]:
        raise NotImplementedError

    def detect_declared_files(self, paths: list[Path], declared: list[str]) -> list[Guess]:
        raise NotImplementedError


class Ours(Detector):
    name = OURS
    takes_declared = True

    def __init__(self) -> None:
        try:
            cu8 = importlib.import_module("convert_utf8")
        except ImportError:
            raise Unavailable("the convert_utf8 package is not installed here "
                              "(bench/detect/run.sh --with-ours builds it)") from None
        if not hasattr(cu8, "detect"):
            raise Unavailable("convert_utf8 has no detect() yet")
        super().__init__()
        self._detect = cu8.detect
        self.version = _version("convert-utf8", cu8)

    @staticmethod
    def _guess(d: Any) -> Guess:
        return Guess(d.encoding, getattr(d, "confidence", None), getattr(d, "language", None),
                     getattr(d, "bom", None),
                     _alternative_names(getattr(d, "alternatives", None)))

    # A call that raises (a label the engine does not know, a bug) is counted and has no
    # answer, rather than stopping the run.
    def detect(self, data: bytes) -> Guess:
        try:
            return self._guess(self._detect(data))
        except Exception as e:  # noqa: BLE001
            self.raised[type(e).__name__] += 1
            return Guess(None)

    def detect_declared(self, data: bytes, declared: str) -> Guess:
        try:
            return self._guess(self._detect(data, declared=declared))
        except Exception as e:  # noqa: BLE001
            self.raised[f"{type(e).__name__} (declared {declared})"] += 1
            return Guess(None)


class OursCli(Detector):
    name = OURS_CLI
    batch = True
    takes_declared = True
    note = "process start-up and file reading included in its speed"
    NO_ANSWER = {"none", "unknown", "binary", "-", "?"}

    def __init__(self, path: str, batch_size: int = 256) -> None:
        super().__init__()
        self.path, self.batch_size = path, batch_size
        try:
            out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=30)
        except OSError as e:
            raise Unavailable(f"cannot run {path}: {e}") from None
        self.version = (out.stdout.strip().splitlines() or ["?"])[0]

    def _parse(self, rest: str) -> Guess:
        """`CHARSET (confidence 0.97, language ru, byte order mark, declared X kept)`."""
        charset = rest.split(" ", 1)[0]
        conf = re.search(r"confidence ([0-9.]+)", rest)
        lang = re.search(r"language ([^,)\s]+)", rest)
        return Guess(None if charset.lower() in self.NO_ANSWER else charset,
                     float(conf[1]) if conf else None, lang[1] if lang else None,
                     "byte order mark" in rest)

    def detect_files(self, paths: list[Path], declared: str | None = None) -> list[Guess]:
        """One `PATH [-f DECLARED] --detect FILE...` per batch; a file without a line of its
        own has no answer."""
        guesses: dict[str, Guess] = {}
        for i in range(0, len(paths), self.batch_size):
            chunk = [str(p) for p in paths[i:i + self.batch_size]]
            options = ["-f", declared] if declared else []
            out = subprocess.run([self.path, *options, "--detect", "--", *chunk],
                                 capture_output=True)
            lines = out.stdout.decode("utf-8", "replace").splitlines()
            for line in lines:
                file, sep, rest = line.partition(": ")
                while sep and file not in chunk:          # a file name with ": " in it
                    more, sep, rest = rest.partition(": ")
                    file = f"{file}: {more}"
                if sep:
                    guesses[file] = self._parse(rest)
        return [guesses.get(str(p), Guess(None)) for p in paths]

    def detect_declared_files(self, paths: list[Path], declared: list[str]) -> list[Guess]:
        by_label: dict[str, list[int]] = {}
        for i, label in enumerate(declared):
            by_label.setdefault(label, []).append(i)
        out: list[Guess] = [Guess(None)] * len(paths)
        for label, indexes in by_label.items():
            for i, g in zip(indexes, self.detect_files([paths[i] for i in indexes], label)):
                out[i] = g
        return out


class Chardet(Detector):
    name = "chardet"

    def __init__(self) -> None:
        super().__init__()
        self.mod = _import("chardet", "chardet")
        self.version = _version("chardet", self.mod)

    def detect(self, data: bytes) -> Guess:
        r = self.mod.detect(data)
        return Guess(r.get("encoding"), r.get("confidence"), r.get("language"))


class CharsetNormalizer(Detector):
    name = "charset-normalizer"
    note = "no confidence figure (.best() of from_bytes)"

    def __init__(self) -> None:
        super().__init__()
        self.mod = _import("charset_normalizer", "charset-normalizer")
        self.version = _version("charset-normalizer", self.mod)

    def detect(self, data: bytes) -> Guess:
        best = self.mod.from_bytes(data).best()
        if best is None:
            return Guess(None)
        return Guess(best.encoding, None, best.language, best.bom)


class Cchardet(Detector):
    name = "cchardet"

    def __init__(self) -> None:
        super().__init__()
        self.mod = _import("cchardet", "faust-cchardet")
        self.version = _version("faust-cchardet", self.mod)

    def detect(self, data: bytes) -> Guess:
        r = self.mod.detect(data)
        return Guess(r.get("encoding"), r.get("confidence"))


class Chardetng(Detector):
    name = "chardetng"
    note = "web-page detector: no BOM or UTF-16 handling (a browser does that first); " \
           "called with allow_utf8=True"

    def __init__(self) -> None:
        super().__init__()
        self.mod = _import("chardetng_py", "chardetng-py")
        self.version = _version("chardetng-py", self.mod)

    def detect(self, data: bytes) -> Guess:
        return Guess(self.mod.detect(data, allow_utf8=True))


FACTORIES: dict[str, Callable[..., Detector]] = {
    OURS: Ours, "chardet": Chardet, "charset-normalizer": CharsetNormalizer,
    "cchardet": Cchardet, "chardetng": Chardetng,
}


# --------------------------------------------------------------------------------------------
# Running


def pin_to_one_cpu() -> int | None:
    """Pins this process to the last CPU it may run on; the CPU, or None where unsupported."""
    try:
        cpu = max(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return cpu
    except (AttributeError, OSError):
        return None


@dataclass
class Run:
    detector: Detector
    guesses: list[Guess]                     # main set, in corpus order
    seconds: list[float]                     # one per pass
    declared: list[Guess] | None = None      # mislabel set, with the declared label
    plain: list[Guess] | None = None         # mislabel set, without it


def run_detector(det: Detector, main: list[Sample], mislabel: list[Sample], passes: int) -> Run:
    seconds, guesses = [], []
    for n in range(passes):
        if det.batch:
            paths = [s.path for s in main]
            t0 = time.perf_counter()
            result = det.detect_files(paths)
            seconds.append(time.perf_counter() - t0)
        else:
            detect, datas = det.detect, [s.data for s in main]
            t0 = time.perf_counter()
            result = [detect(d) for d in datas]
            seconds.append(time.perf_counter() - t0)
        if n == 0:
            guesses = result
        print(f"  {det.name}: pass {n + 1}: {len(main) / seconds[-1]:,.0f} samples/s",
              file=sys.stderr)
    run = Run(det, guesses, seconds)
    if mislabel:
        if det.batch:
            run.plain = det.detect_files([s.path for s in mislabel])
        else:
            run.plain = [det.detect(s.data) for s in mislabel]
        if det.takes_declared and det.batch:
            run.declared = det.detect_declared_files([s.path for s in mislabel],
                                                     [s.declared for s in mislabel])
        elif det.takes_declared:
            run.declared = [det.detect_declared(s.data, s.declared) for s in mislabel]
    return run


# --------------------------------------------------------------------------------------------
# Figures


def size_label(size: int | str) -> str:
    size = int(size)
    return f"{size // 1024} KiB" if size >= 1024 and size % 1024 == 0 else f"{size} B"


def pct(right: int, total: int) -> str:
    return f"{100 * right / total:.1f}" if total else "–"


def summarize(runs: list[Run], main: list[Sample], mislabel: list[Sample], judge: Judge,
              meta: dict) -> dict:
    results: dict[str, Any] = {"detectors": {}, "mislabel": {}, "calibration": {}}
    total_bytes = sum(len(s.data) for s in main)
    for run in runs:
        name = run.detector.name
        outcomes = [judge.outcome(s, g.encoding) for s, g in zip(main, run.guesses)]
        right = [o == "right" for o in outcomes]
        best = min(run.seconds)
        by = lambda key: _breakdown(main, right, key)  # noqa: E731
        mistakes = collections.Counter(
            (s.charset + ("+BOM" if s.bom else ""), g.encoding or "(none)")
            for s, g, ok in zip(main, run.guesses, right) if not ok)
        entry = {
            "version": run.detector.version, "note": run.detector.note,
            "samples": len(main), "right": sum(right),
            "accuracy": sum(right) / len(main) if main else 0.0,
            "outcomes": dict(collections.Counter(outcomes)),
            "no_answer": outcomes.count("none"),
            "samples_per_s": len(main) / best if best else None,
            "mb_per_s": total_bytes / best / 1e6 if best else None,
            "seconds_per_pass": [round(x, 4) for x in run.seconds],
            "by_group": by(lambda s: s.group), "by_size": by(lambda s: str(s.size)),
            "by_cell": by(lambda s: s.cell),
            "by_group_size": by(lambda s: f"{s.group} / {s.size}"),
            "mistakes": [[t, g, n] for (t, g), n in mistakes.most_common(15)],
            "raised": dict(run.detector.raised),
        }
        alternatives = [bool(g.alternatives) for g in run.guesses]
        if any(alternatives):
            top = [ok or any(judge.outcome(s, a) == "right" for a in g.alternatives[:2])
                   for s, g, ok in zip(main, run.guesses, right)]
            entry["right_in_top3"] = sum(top)
        languages = [(lang_code(s.language), lang_code(g.language))
                     for s, g in zip(main, run.guesses)]
        if sum(g is not None for _, g in languages) >= len(main) // 2:
            entry["language_right"] = sum(a == b for a, b in languages)
            legacy = [pair for s, pair in zip(main, languages) if s.group not in NO_LANGUAGE]
            entry["legacy_samples"] = len(legacy)
            entry["language_right_legacy"] = sum(a == b for a, b in legacy)
        if any(g.bom is not None for g in run.guesses) and name in (OURS, OURS_CLI):
            entry["bom_flag_right"] = sum(bool(g.bom) == s.bom for s, g in zip(main, run.guesses))
        results["detectors"][name] = entry
        confidences = [g.confidence for g in run.guesses]
        if all(c is not None for c in confidences) and confidences:
            results["calibration"][name] = calibration(confidences, right)
    if mislabel:
        results["mislabel"] = summarize_mislabel(runs, mislabel, judge)
    results["decoder"] = judge.decoder
    results["unknown_names"] = dict(judge.unknown_names.most_common())
    results["corpus"] = {k: meta[k] for k in ("seed", "per_cell", "sizes", "packages")}
    results["corpus"]["main_samples"] = len(main)
    results["corpus"]["mislabel_samples"] = len(mislabel)
    results["corpus"]["main_bytes"] = total_bytes
    return results


def lang_code(language: str | None) -> str | None:
    """The ISO 639 code of a language tag ("zh_TW" -> "zh", "no" -> "nb"); None for anything
    else (charset-normalizer's English names, say)."""
    if not language:
        return None
    code = re.split(r"[-_]", language.strip().lower())[0]
    if not re.fullmatch(r"[a-z]{2,3}", code):
        return None
    return {"no": "nb"}.get(code, code)


def _breakdown(samples: list[Sample], right: list[bool], key) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for s, ok in zip(samples, right):
        cell = out.setdefault(key(s), [0, 0])
        cell[0] += ok
        cell[1] += 1
    return out


def calibration(confidences: list[float], right: list[bool]) -> dict:
    """Confidence bins of width 1/CALIBRATION_BINS: samples, mean confidence, share right;
    and the expected calibration error (the bins' |confidence - share right|, weighted)."""
    bins = [[0, 0.0, 0] for _ in range(CALIBRATION_BINS)]
    for c, ok in zip(confidences, right):
        b = bins[min(CALIBRATION_BINS - 1, max(0, int(float(c) * CALIBRATION_BINS)))]
        b[0] += 1
        b[1] += float(c)
        b[2] += ok
    rows = [{"low": i / CALIBRATION_BINS, "high": (i + 1) / CALIBRATION_BINS, "samples": n,
             "mean_confidence": total / n if n else None, "right": r / n if n else None}
            for i, (n, total, r) in enumerate(bins)]
    n_all = sum(r["samples"] for r in rows)
    ece = sum(r["samples"] * abs(r["mean_confidence"] - r["right"]) for r in rows
              if r["samples"]) / n_all if n_all else None
    return {"bins": rows, "ece": ece}


def summarize_mislabel(runs: list[Run], mislabel: list[Sample], judge: Judge) -> dict:
    """Per case: the share right of the declared label taken as it is, of each detector with the
    label (ours), without it, and of 'the label if it decodes the bytes, else the detector'."""
    cases: dict[str, dict[str, Any]] = {}
    for s in mislabel:
        c = cases.setdefault(s.case, {"kind": s.kind, "declared": s.declared, "samples": 0,
                                      "right": collections.Counter()})
        c["samples"] += 1
        c["right"]["declared label"] += judge.outcome(s, s.declared) == "right"
    for run in runs:
        name = run.detector.name
        for i, s in enumerate(mislabel):
            c = cases[s.case]["right"]
            if run.declared is not None:
                answer = run.declared[i].encoding
                c[f"{name} given the label"] += judge.outcome(s, answer) == "right"
            if run.plain is not None:
                plain = run.plain[i].encoding
                c[name] += judge.outcome(s, plain) == "right"
                if run.declared is None:     # a detector given the label has its own rule
                    chosen = s.declared if judge.valid(s, s.declared) else plain
                    c[f"label or {name}"] += judge.outcome(s, chosen) == "right"
    return {case: {**c, "right": dict(c["right"])} for case, c in cases.items()}


# --------------------------------------------------------------------------------------------
# Report


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "load": [round(x, 2) for x in os.getloadavg()]}


def markdown_table(header: list[str], rows: list[list[str]], align: str | None = None) -> str:
    align = align or "l" + "r" * (len(header) - 1)
    marks = {"l": "---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join(marks[a] for a in align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(results: dict, png: Path | None, command: str) -> str:
    dets = results["detectors"]
    names = list(dets)
    corpus = results["corpus"]
    md = ["# Charset detection: accuracy and speed", ""]
    md.append(
        "How often a detector names a charset that decodes a sample to exactly its original "
        "text, on real text in "
        f"{len(next(iter(dets.values()))['by_cell']) if dets else 0} (language, charset) cells "
        f"at {', '.join(size_label(s) for s in corpus['sizes'])}, "
        f"{corpus['per_cell']} samples each "
        f"({corpus['main_samples']:,} samples"
        + (f", every {results['every']}th of the corpus" if results["every"] > 1 else "")
        + f", {corpus['main_bytes'] / 1e6:.1f} MB), and how "
        "fast, on one core. Built and run by `bench/detect/` (corpus: "
        "`make_corpus.py`, evaluation: `evaluate.py`); the text sources and their licences are "
        "in [`bench/detect/SOURCES.md`](../../bench/detect/SOURCES.md). Raw figures: "
        "[`detect-results.json`](detect-results.json).")
    md.append("")
    if OURS not in dets:
        why = results["skipped"].get(OURS, "not asked for")
        md += [f"> **convert-utf8's detector is not in this run**: {why}. The figures are the "
               "peers' alone.", ""]
    md += ["```", command, "```", ""]
    m = results["machine"]
    md.append(f"Machine: {m['cpus']} vCPU shared VM ({m['cpu']}), Python {m['python']}, "
              f"{m['platform']}; load average {results['load_before'][0]:.2f} before, "
              f"{m['load'][0]:.2f} after. One process pinned to one CPU: the ratios between "
              "detectors matter more than the absolute speeds. Decoder that judges the guesses: "
              f"{results['decoder']}. Date: {results['date']}.")
    md.append("")
    if png:
        md += [f"![accuracy per group, calibration]({png.name})", ""]

    md += ["## Overall", ""]
    rows = []
    for n in names:
        d = dets[n]
        o = d["outcomes"]
        rows.append([f"**{n}**" if n == OURS else n, d["version"], pct(d["right"], d["samples"]),
                     f"{d['no_answer']}", f"{o.get('invalid', 0)}", f"{o.get('unknown', 0)}",
                     f"{d['samples_per_s']:,.0f}", f"{d['mb_per_s']:.2f}"])
    md.append(markdown_table(["detector", "version", "right %", "no answer",
                              "rejected bytes", "unknown name", "samples/s", "MB/s"], rows,
                             "llrrrrrr"))
    md += ["", "*right %*: main set. *no answer*: the detector gave no charset. *rejected bytes*: "
           "the named charset cannot decode the sample. *unknown name*: no decoder knows the "
           "name given. Speed: best of "
           f"{len(next(iter(dets.values()))['seconds_per_pass']) if dets else 0} passes over the "
           "main set, detector call only."]
    notes = [f"{n}: {d['note']}" for n, d in dets.items() if d["note"]]
    notes += [f"{n}: calls that raised (no answer): "
              + ", ".join(f"{k} × {v}" for k, v in d["raised"].items())
              for n, d in dets.items() if d["raised"]]
    if notes:
        md += ["", "Notes: " + "; ".join(notes) + "."]
    md.append("")

    def breakdown_table(key: str, title: str, order: list[str],
                        label: Callable[[str], str] = str) -> None:
        rows = []
        for k in order:
            counts = [dets[n][key].get(k, [0, 0]) for n in names]
            total = max(c[1] for c in counts)
            rows.append([label(k), str(total)] + [pct(*c) for c in counts])
        header = [title.split()[-1], "samples"] + names
        md.extend([f"## {title}", "", markdown_table(header, rows), ""])

    group_order = list(dict.fromkeys(g for d in dets.values() for g in d["by_group"]))
    breakdown_table("by_group", "Right % per group", group_order)
    breakdown_table("by_size", "Right % per size",
                    sorted({k for d in dets.values() for k in d["by_size"]}, key=int), size_label)

    if results.get("mislabel"):
        ml = results["mislabel"]
        columns = ["declared label"] + [c for c in _mislabel_columns(ml) if c != "declared label"]
        md += ["## Declared labels", "",
               "Samples that come with a declared charset: wrong in the common ways, and right "
               "(a right declaration must never be overridden). Right % per case for: "
               "*declared label*, the label taken as it is; *X given the label*, "
               "`detect(data, declared=...)`; *X*, the detector ignoring the label; "
               "*label or X*, the usual application rule: the label if the bytes decode under "
               "it without error, else the detector's answer.",
               ""]
        for kind, heading in (("wrong", "Wrong declarations"), ("right", "Right declarations")):
            rows = []
            for case, c in ml.items():
                if c["kind"] != kind:
                    continue
                rows.append([case, str(c["samples"])]
                            + [pct(c["right"].get(col, 0), c["samples"]) for col in columns])
            md += [f"### {heading}", "", markdown_table(["case", "samples"] + columns, rows), ""]

    if results["calibration"]:
        md += ["## Calibration", "",
               "Confidence reported vs. share right, main set, bins of 0.1 (*ECE*: expected "
               "calibration error, the bins' |mean confidence − share right| weighted by "
               "samples; 0 is perfect). "
               + ("convert-utf8 first; the peers that report a confidence for comparison."
                  if OURS in results["calibration"] else
                  "convert-utf8's figures appear here once its detector exists; meanwhile the "
                  "peers that report a confidence."), ""]
        for n, cal in results["calibration"].items():
            rows = [[f"{b['low']:.1f}–{b['high']:.1f}", str(b["samples"]),
                     f"{b['mean_confidence']:.3f}" if b["samples"] else "–",
                     f"{100 * b['right']:.1f}" if b["samples"] else "–"] for b in cal["bins"]]
            md += [f"### {n} (ECE {cal['ece']:.3f})", "",
                   markdown_table(["confidence", "samples", "mean confidence", "right %"], rows),
                   ""]

    for n in (OURS, OURS_CLI):
        d = dets.get(n, {})
        if "right_in_top3" not in d and "bom_flag_right" not in d:
            continue
        md += [f"## {n}: alternatives and byte order mark", ""]
        if "right_in_top3" in d:
            md.append(f"- right within the answer and its first two alternatives: "
                      f"{pct(d['right_in_top3'], d['samples'])} %")
        if "bom_flag_right" in d:
            md.append(f"- the byte-order-mark flag matches whether the sample has one: "
                      f"{pct(d['bom_flag_right'], d['samples'])} %")
        md.append("")

    with_language = [n for n in names if "language_right" in dets[n]]
    if with_language:
        md += ["## Language", "",
               "Share of main-set samples whose language the detector names right (ISO 639 "
               "code, `zh_CN` and `zh_TW` both `zh`; Norwegian `no` counted as `nb`), for the "
               "detectors that name languages by code: "
               + ", ".join(f"{n} {pct(dets[n]['language_right'], dets[n]['samples'])} %"
                           for n in with_language) + "; of the samples in legacy charsets "
               "(not UTF-8, UTF-16, UTF-32 or ASCII, which are told by their structure, with no "
               "language to name): "
               + ", ".join(f"{n} {pct(dets[n]['language_right_legacy'], dets[n]['legacy_samples'])}"
                           " %" for n in with_language) + ".", ""]

    md += ["## Most frequent mistakes", "",
           "Per detector: the sample's charset → the answer, for the wrong answers (main set).",
           ""]
    for n in names:
        mistakes = dets[n]["mistakes"][:10]
        listed = ", ".join(f"{t} → {g} ({k})" for t, g, k in mistakes)
        md.append(f"- **{n}**: {listed or 'none'}")
    md.append("")

    cells = sorted({k for d in dets.values() for k in d["by_cell"]})
    rows = []
    for k in cells:
        counts = [dets[n]["by_cell"].get(k, [0, 0]) for n in names]
        rows.append([k] + [pct(*c) for c in counts])
    md += ["## Right % per cell", "", "<details><summary>every (charset, language) cell, all "
           "sizes together</summary>", "", markdown_table(["cell"] + names, rows), "",
           "</details>", ""]

    md += ["## Method", "",
           "- **Corpus** (`bench/detect/make_corpus.py`): translated manual pages and Firefox "
           "ESR language packs from Debian packages (versions below), reduced to plain "
           "paragraphs; untranslated English and markup left out. Each sample is a window from "
           "a seeded random place of its language's text, encoded as a whole and cut at a "
           "character boundary to at most the size; it is kept only if its bytes decode back to "
           "exactly its text under glibc iconv and, where Python has the codec, Python's codecs. "
           "A sample of an ASCII-compatible charset holds at least one non-ASCII character "
           "(an all-ASCII sample is the same bytes in all of them and tests nothing). Characters "
           "a charset lacks are replaced by their usual plain forms (typographic quotes and "
           "dashes, Romanian ș ț → ş ţ, Persian ی ک → ي ك) before encoding; a paragraph still "
           "not encodable is left out of that cell. Half the ISO-8859-15 samples hold one of "
           "€ Œ œ Š š Ž ž Ÿ where the language's text has any (French).",
           "- **Declared labels**: the CP949 cases' Korean text has a few syllables outside "
           "KS X 1001 put in (one per KiB: another final consonant; the sources have none); "
           "the GBK cases are Traditional Chinese text in GBK (every traditional character is "
           "outside GB2312).",
           "- **Right**: decoding the bytes with the name given yields the original text, one "
           "leading U+FEFF aside; so ISO-8859-1 and windows-1252 are both right on text without "
           "bytes 0x80–0x9F, and UTF-16 or UTF-16LE both right on a UTF-16LE sample with a BOM.",
           "- **Speed**: the main set in corpus order (all groups and sizes mixed), already in "
           "memory, detector call only, best of the passes, one process pinned to one CPU.",
           "", "Corpus source packages: " + ", ".join(
               f"{p} {v}" for p, v in sorted(corpus["packages"].items())) + ".", ""]
    if results["unknown_names"]:
        md += ["Names no decoder knew: " + ", ".join(
            f"`{n}` ({k})" for n, k in results["unknown_names"].items()) + ".", ""]
    return "\n".join(md)


def _mislabel_columns(ml: dict) -> list[str]:
    return list(dict.fromkeys(col for c in ml.values() for col in c["right"]))


def plot(results: dict, path: Path) -> bool:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot", file=sys.stderr)
        return False
    dets = results["detectors"]
    names = list(dets)
    groups = list(dict.fromkeys(g for d in dets.values() for g in d["by_group"]))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7.5),
                                   gridspec_kw={"width_ratios": [2.2, 1]})
    height = 0.8 / max(1, len(names))
    for i, n in enumerate(names):
        values = [100 * (lambda c: c[0] / c[1] if c[1] else 0)(dets[n]["by_group"].get(g, [0, 0]))
                  for g in groups]
        ax1.barh([y + i * height for y in range(len(groups))], values, height=height, label=n,
                 color=f"C{i}", edgecolor="black" if n == OURS else None)
    ax1.set_yticks([y + height * (len(names) - 1) / 2 for y in range(len(groups))])
    ax1.set_yticklabels(groups)
    ax1.invert_yaxis()
    ax1.set_xlim(0, 100)
    ax1.set_xlabel("right % (decodes to exactly the original text)")
    ax1.set_title("Accuracy per group (all sizes)")
    ax1.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=len(names),
               fontsize="small", frameon=False)
    ax1.grid(axis="x", alpha=0.3)

    ax2.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    for i, n in enumerate(names):
        cal = results["calibration"].get(n)
        if not cal:
            continue
        pts = [(b["mean_confidence"], b["right"], b["samples"]) for b in cal["bins"]
               if b["samples"]]
        ax2.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                 linestyle="-" if n == OURS else "--", linewidth=2.5 if n == OURS else 1,
                 color=f"C{i}", label=f"{n} (ECE {cal['ece']:.3f})")
    ax2.set_xlim(0, 1)
    ax2.set_ylim(0, 1.02)
    ax2.set_xlabel("reported confidence (bin mean)")
    ax2.set_ylabel("share right")
    title = "Calibration" + ("" if OURS in results["calibration"]
                             else " (convert-utf8 not in this run)")
    ax2.set_title(title)
    ax2.legend(loc="upper left", fontsize="small")
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=90, metadata={"Software": None})
    plt.close(fig)
    return True


# --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--corpus", type=Path, default=ROOT / "target" / "detect-corpus",
                        help="corpus directory (default: target/detect-corpus)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks",
                        help="where detect.md, detect.png and detect-results.json go "
                             "(default: docs/benchmarks)")
    parser.add_argument("--samples-out", type=Path, default=ROOT / "target" / "detect-results",
                        help="per-sample answers, one JSON Lines file per detector "
                             "(default: target/detect-results)")
    parser.add_argument("--detectors", default=",".join(FACTORIES),
                        help=f"comma-separated, from {', '.join(FACTORIES)} (default: all)")
    parser.add_argument("--ours-cli", metavar="PATH",
                        help="also run the command PATH --detect FILE... (convert-utf8-cli)")
    parser.add_argument("--passes", type=int, default=3, help="timed passes (default: 3)")
    parser.add_argument("--every", type=int, default=1, metavar="N",
                        help="take every Nth sample of the corpus only (a quick look)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one CPU")
    parser.add_argument("--command", help="the command line to print in the report "
                                          "(default: this one)")
    args = parser.parse_args()

    samples, meta = load_corpus(args.corpus, args.every)
    main_set = [s for s in samples if s.set == "main"]
    mislabel = [s for s in samples if s.set == "mislabel"]
    print(f"{len(main_set)} main samples, {len(mislabel)} mislabel samples", file=sys.stderr)
    cpu = None if args.no_pin else pin_to_one_cpu()
    load_before = [round(x, 2) for x in os.getloadavg()]

    detectors: list[Detector] = []
    skipped: dict[str, str] = {}
    for name in [n.strip() for n in args.detectors.split(",") if n.strip()]:
        if name not in FACTORIES:
            parser.error(f"unknown detector {name!r}")
        try:
            detectors.append(FACTORIES[name]())
        except Unavailable as e:
            skipped[name] = str(e)
            print(f"note: skipping {name}: {e}", file=sys.stderr)
    if args.ours_cli:
        try:
            detectors.append(OursCli(args.ours_cli))
        except Unavailable as e:
            skipped[OURS_CLI] = str(e)
            print(f"note: skipping {OURS_CLI}: {e}", file=sys.stderr)
    if not detectors:
        sys.exit("no detector could be loaded")

    judge = Judge()
    runs = []
    for det in detectors:
        print(f"running {det.name} {det.version}", file=sys.stderr)
        runs.append(run_detector(det, main_set, mislabel, args.passes))

    results = summarize(runs, main_set, mislabel, judge, meta)
    results["machine"] = machine()
    results["pinned_cpu"] = cpu
    results["load_before"] = load_before
    results["skipped"] = skipped
    results["every"] = args.every
    results["date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    command = args.command or "python3 " + " ".join(
        shlex.quote(str(Path(a).relative_to(ROOT)) if a.startswith(str(ROOT)) else a)
        for a in [str(Path(sys.argv[0]).resolve()), *sys.argv[1:]])

    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / "detect.png"
    if not plot(results, png):
        png = None
    report = write_report(results, png, command)
    if skipped:
        report += "\nSkipped: " + "; ".join(f"{n}: {why}" for n, why in skipped.items()) + ".\n"
    (args.out / "detect.md").write_text(report, encoding="utf-8")
    (args.out / "detect-results.json").write_text(
        json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8")

    args.samples_out.mkdir(parents=True, exist_ok=True)
    for run in runs:
        with open(args.samples_out / f"{run.detector.name}.jsonl", "w", encoding="utf-8") as f:
            for s, g in zip(main_set, run.guesses):
                f.write(json.dumps({"id": s.id, "charset": s.charset, "bom": s.bom,
                                    "guess": g.encoding, "confidence": g.confidence,
                                    "language": g.language,
                                    "outcome": judge.outcome(s, g.encoding)},
                                   ensure_ascii=False) + "\n")
            for i, s in enumerate(mislabel):
                for mode, guesses in (("plain", run.plain), ("declared", run.declared)):
                    if guesses is not None:
                        g = guesses[i]
                        f.write(json.dumps({"id": s.id, "mode": mode, "declared": s.declared,
                                            "charset": s.charset, "guess": g.encoding,
                                            "confidence": g.confidence,
                                            "outcome": judge.outcome(s, g.encoding)},
                                           ensure_ascii=False) + "\n")
    for n, d in results["detectors"].items():
        print(f"{n:20} {100 * d['accuracy']:5.1f} % right  {d['samples_per_s']:10,.0f} samples/s",
              file=sys.stderr)
    print(f"wrote {args.out / 'detect.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
