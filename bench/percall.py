"""Per-call cost of decoding Shift_JIS from Python, and what the caller's own memory does to it.

Run by bench/run.py in a fresh interpreter per heap size (so one run's heap never lingers into
the next): python bench/percall.py LIBRARY HEAP_MIB SIZES BUDGET_S  -> JSON on stdout.

Contenders, each checked to give the same UTF-8 before anything is timed:
  subprocess  subprocess.run(["iconv", ...]): Python >= 3.10 starts it with vfork, the default
  fork        the same with preexec_fn, which forces fork() as before Python 3.10
  ctypes      cu8_decode + cu8_free in libconvert_utf8 through ctypes
  cffi        the same through cffi (ABI mode)
  pyo3        convert_utf8.to_utf8, the Python package
  bytes.decode  Python's own shift_jis codec (to str; the others give UTF-8 bytes)

With a heap, the process first allocates and touches HEAP_MIB MiB, then measures; finally it
measures the after-effect of one call on the parent: the minor page faults and time to rewrite
its heap after a fork-based call, against the same after a vfork-based call.
"""

from __future__ import annotations

import ctypes
import json
import resource
import statistics
import subprocess
import sys
import time

import cffi
import convert_utf8

from inputs import repeat_to, shift_jis_text

PAGE = 4096
ICONV = ["iconv", "-f", "SHIFT_JIS", "-t", "UTF-8"]
CDEF = """
int cu8_decode(const char *charset, const uint8_t *src, size_t src_len, uint32_t flags,
               uint8_t **dst, size_t *dst_len, size_t *error_offset);
void cu8_free(uint8_t *buf, size_t len);
"""


def contenders(library: str):
    """name -> function(bytes) -> UTF-8 bytes (str for bytes.decode, compared encoded)."""
    lib = ctypes.CDLL(library)
    lib.cu8_decode.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
                               ctypes.c_uint32, ctypes.POINTER(ctypes.c_void_p),
                               ctypes.POINTER(ctypes.c_size_t), ctypes.c_void_p]
    lib.cu8_decode.restype = ctypes.c_int
    lib.cu8_free.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    lib.cu8_free.restype = None
    dst, dst_len = ctypes.c_void_p(), ctypes.c_size_t()

    def with_ctypes(data: bytes) -> bytes:
        if lib.cu8_decode(b"SHIFT_JIS", data, len(data), 0, ctypes.byref(dst),
                          ctypes.byref(dst_len), None) != 0:
            raise ValueError("cu8_decode failed")
        try:
            return ctypes.string_at(dst, dst_len.value)
        finally:
            lib.cu8_free(dst, dst_len.value)

    ffi = cffi.FFI()
    ffi.cdef(CDEF)
    clib = ffi.dlopen(library)
    cdst, cdst_len = ffi.new("uint8_t **"), ffi.new("size_t *")

    def with_cffi(data: bytes) -> bytes:
        if clib.cu8_decode(b"SHIFT_JIS", data, len(data), 0, cdst, cdst_len, ffi.NULL) != 0:
            raise ValueError("cu8_decode failed")
        try:
            return ffi.buffer(cdst[0], cdst_len[0])[:]
        finally:
            clib.cu8_free(cdst[0], cdst_len[0])

    def spawned(data: bytes) -> bytes:
        return subprocess.run(ICONV, input=data, stdout=subprocess.PIPE, check=True).stdout

    def forked(data: bytes) -> bytes:
        return subprocess.run(ICONV, input=data, stdout=subprocess.PIPE, check=True,
                              preexec_fn=lambda: None).stdout

    return {
        "subprocess": spawned,
        "fork": forked,
        "ctypes": with_ctypes,
        "cffi": with_cffi,
        "pyo3": lambda data: convert_utf8.to_utf8(data, "SHIFT_JIS"),
        "bytes.decode": lambda data: data.decode("shift_jis"),
    }


def measure(function, data: bytes, budget_s: float, max_calls: int) -> dict:
    """Times calls until the budget or the call cap is reached (at least 5 calls)."""
    times: list[int] = []
    deadline = time.perf_counter() + budget_s
    while len(times) < 5 or (len(times) < max_calls and time.perf_counter() < deadline):
        start = time.perf_counter_ns()
        function(data)
        times.append(time.perf_counter_ns() - start)
    times.sort()
    return {"calls": len(times), "median_us": statistics.median(times) / 1e3,
            "p10_us": times[len(times) // 10] / 1e3, "p90_us": times[len(times) * 9 // 10] / 1e3}


def touch(heap: bytearray, value: int) -> None:
    """Writes one byte in every page of the heap."""
    pages = len(range(0, len(heap), PAGE))
    heap[::PAGE] = bytes([value]) * pages


def rewrite_cost(heap: bytearray, value: int) -> dict:
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    touch(heap, value)
    return {"ms": (time.perf_counter() - start) * 1e3,
            "minor_faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults}


def main() -> None:
    library, heap_mib, sizes, budget_s = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(
        sys.argv[4])
    functions = contenders(library)
    unit = shift_jis_text()
    inputs = {int(size): repeat_to(unit, int(size), "shift_jis") for size in sizes.split(",")}
    for size, data in inputs.items():
        expected = functions["subprocess"](data)
        for name, function in functions.items():
            out = function(data)
            if (out.encode("utf-8") if isinstance(out, str) else out) != expected:
                raise SystemExit(f"percall: {name} differs from iconv on {size} bytes")

    start = time.perf_counter()
    heap = bytearray(heap_mib << 20)  # zero-filled, so already touched; written once more
    touch(heap, 1)
    touched_s = time.perf_counter() - start

    results = []
    for size, data in inputs.items():
        for name, function in functions.items():
            spawns = name in ("subprocess", "fork")
            row = measure(function, data, budget_s if spawns else budget_s / 4,
                          200 if spawns else 20000)
            results.append({"contender": name, "size": size, "bytes": len(data), **row})

    after = {}
    if heap_mib:
        for name in ("subprocess", "fork"):
            touch(heap, 2)  # settle: every page private and written
            functions[name](inputs[min(inputs)])
            after[name] = rewrite_cost(heap, 3)
        after["no call"] = rewrite_cost(heap, 4)
    json.dump({"heap_mib": heap_mib, "touch_s": touched_s, "calls": results,
               "rewrite_after": after}, sys.stdout)


if __name__ == "__main__":
    main()
