"""Throughput per charset family: the Python-side contenders, and the Rust bench's results.

The Rust criterion bench (crates/convert-utf8/benches/throughput.rs) times convert-utf8, glibc
iconv() and encoding_rs in-process; this module times, on the same files, ICU in-process
(ucnv_convert from libicuuc through ctypes: one C call per input), Python's codecs
(bytes.decode, to str) and convert-utf8 through its Python package, both to UTF-8 bytes
(to_utf8: ICU's reference) and to str (decode: the codecs' reference), so each Python-side peer
is compared with convert-utf8 in the same harness and giving the same kind of output. Each
contender's output is checked against iconv's first.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import json
import statistics
import time
from pathlib import Path

import convert_utf8

from inputs import FAMILIES


def load_icu():
    """(ucnv_convert, ICU version) from the system libicuuc, or (None, reason)."""
    candidates = sorted(glob.glob("/usr/lib/*/libicuuc.so.[0-9]*")) + sorted(
        glob.glob("/usr/lib/libicuuc.so.[0-9]*"))
    name = ctypes.util.find_library("icuuc") or (candidates[0] if candidates else None)
    if not name:
        return None, "libicuuc not found (install libicu)"
    lib = ctypes.CDLL(name)
    # ICU suffixes every symbol with its major version (ucnv_convert_72).
    for major in range(99, 49, -1):
        convert = getattr(lib, f"ucnv_convert_{major}", None)
        if convert is not None:
            break
    else:
        return None, f"{name}: no ucnv_convert symbol"
    convert.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int32,
                        ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int)]
    convert.restype = ctypes.c_int32
    return convert, f"{major} ({Path(name).name})"


def icu_decoder(convert, name: str, capacity: int):
    target = ctypes.create_string_buffer(capacity)
    error = ctypes.c_int()

    def decode(data: bytes) -> bytes:
        error.value = 0
        written = convert(b"UTF-8", name.encode(), target, capacity, data, len(data),
                          ctypes.byref(error))
        if error.value > 0:  # U_FAILURE: ICU error codes above zero
            raise ValueError(f"ICU error {error.value}")
        return target.raw[:written]

    return decode


def median_time(function, data: bytes, repeats: int, min_total_s: float = 0.3) -> float:
    """Median seconds per call over at least `repeats` calls and `min_total_s` of calling, so
    fast contenders get enough samples to ride out a loaded machine's hiccups."""
    times: list[float] = []
    while len(times) < repeats or sum(times) < min_total_s:
        start = time.perf_counter()
        function(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python_side(directory: Path, repeats: int) -> dict:
    """family -> contender -> MB/s, or the reason it was not timed."""
    convert, icu_version = load_icu()
    results = {"icu_version": icu_version, "families": {}}
    for family in FAMILIES:
        data = (directory / f"{family.family}.in").read_bytes()
        expected = (directory / f"{family.family}.utf8").read_bytes()
        row: dict[str, float | str] = {}
        contenders: dict = {}
        contenders["convert-utf8 (Python package)"] = (
            lambda d, c=family.charset: convert_utf8.to_utf8(d, c))
        contenders["convert-utf8 (Python package, str)"] = (
            lambda d, c=family.charset: convert_utf8.decode(d, c))
        if convert and family.icu:
            contenders["ICU"] = icu_decoder(convert, family.icu, len(expected) + 64)
        else:
            row["ICU"] = "no such converter" if convert else icu_version
        if family.python:
            contenders["Python codecs"] = lambda d, c=family.python: d.decode(c)
        for name, function in contenders.items():
            try:
                out = function(data)
            except (ValueError, UnicodeDecodeError, LookupError) as error:
                row[name] = f"fails: {error}"[:80]
                continue
            if (out.encode("utf-8") if isinstance(out, str) else out) != expected:
                row[name] = "output differs from iconv"
                continue
            row[name] = len(data) / median_time(function, data, repeats) / 1e6
        results["families"][family.family] = row
    return results


def rust_side(criterion_home: Path) -> dict:
    """family -> contender -> MB/s from criterion's JSON (median time per iteration)."""
    results: dict[str, dict] = {}
    for benchmark in criterion_home.glob("*/*/new/benchmark.json"):
        meta = json.loads(benchmark.read_text())
        estimates = json.loads((benchmark.parent / "estimates.json").read_text())
        throughput = meta.get("throughput") or {}
        size = throughput.get("Bytes") or throughput.get("BytesDecimal")
        family = meta["group_id"].removeprefix("throughput-")
        median_ns = estimates["median"]["point_estimate"]
        results.setdefault(family, {})[meta["function_id"]] = size / median_ns * 1e3
    return results
