"""Writes docs/benchmarks/report.md and its PNG plots from the suite's results (results.json)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

PERCALL_ORDER = ["subprocess", "fork", "ctypes", "cffi", "pyo3", "bytes.decode"]
PERCALL_LABEL = {
    "subprocess": "subprocess.run(iconv) (vfork)",
    "fork": "subprocess + preexec_fn (fork)",
    "ctypes": "ctypes → libconvert_utf8",
    "cffi": "cffi → libconvert_utf8",
    "pyo3": "convert_utf8.to_utf8 (PyO3)",
    "bytes.decode": "bytes.decode('shift_jis')",
}
RUST_PEERS = ["iconv", "encoding_rs"]
OURS_RUST, OURS_PY = "convert-utf8", "convert-utf8 (Python package)"
OURS_PY_STR = "convert-utf8 (Python package, str)"
# Each Python-side peer against convert-utf8's Python call that gives the same kind of output.
PYTHON_REFERENCE = {"ICU": OURS_PY, "Python codecs": OURS_PY_STR}


def size_name(size: int) -> str:
    return f"{size >> 20} MiB" if size >= 1 << 20 else (
        f"{size >> 10} KiB" if size >= 1024 else f"{size} B")


def fmt_us(us: float) -> str:
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def percall_rows(results: dict, heap_mib: int) -> dict:
    run = next(r for r in results["percall"] if r["heap_mib"] == heap_mib)
    return {(row["contender"], row["size"]): row for row in run["calls"]}


def plot_percall(results: dict, out: Path) -> None:
    rows = percall_rows(results, 0)
    sizes = sorted({size for _, size in rows})
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in PERCALL_ORDER:
        med = [rows[(name, s)]["median_us"] for s in sizes]
        low = [m - rows[(name, s)]["p10_us"] for m, s in zip(med, sizes)]
        high = [rows[(name, s)]["p90_us"] - m for m, s in zip(med, sizes)]
        ax.errorbar(sizes, med, yerr=[low, high], marker="o", capsize=3, label=PERCALL_LABEL[name])
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sizes, [size_name(s) for s in sizes])
    ax.set_xlabel("Shift_JIS input per call")
    ax.set_ylabel("µs per call (median, bars: p10–p90)")
    ax.set_title("Per-call cost from Python (no extra heap)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "percall.png", dpi=110)
    plt.close(fig)


def plot_heap(results: dict, out: Path, size: int) -> None:
    heaps = sorted(r["heap_mib"] for r in results["percall"])
    fig, ax = plt.subplots(figsize=(8, 5))
    for name in PERCALL_ORDER:
        med = [percall_rows(results, h)[(name, size)]["median_us"] for h in heaps]
        ax.plot([h / 1024 for h in heaps], med, marker="o", label=PERCALL_LABEL[name])
    ax.set_yscale("log")
    ax.set_xlabel("touched heap held by the calling Python process (GiB)")
    ax.set_ylabel("µs per call (median)")
    ax.set_title(f"Per-call cost of {size_name(size)} of Shift_JIS against the caller's memory")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "heap.png", dpi=110)
    plt.close(fig)


def throughput_table(results: dict) -> list[tuple[str, dict]]:
    """family -> contender -> MB/s or a reason, Rust and Python sides merged."""
    rust, python = results["throughput"]["rust"], results["throughput"]["python"]["families"]
    merged = []
    for family in results["throughput"]["families"]:
        row = dict(rust.get(family, {}))
        if not row:
            row[OURS_RUST] = "not measured"
        row.update(python.get(family, {}))
        merged.append((family, row))
    return merged


def plot_throughput(results: dict, out: Path) -> None:
    table = throughput_table(results)
    contenders = [OURS_RUST, *RUST_PEERS, OURS_PY, "ICU", OURS_PY_STR, "Python codecs"]
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(table) * 2 + 1))
    height = 0.8 / len(contenders)
    for i, name in enumerate(contenders):
        ys = [j + i * height for j in range(len(table))]
        xs = [row.get(name) if isinstance(row.get(name), float) else 0 for _, row in table]
        ax.barh(ys, xs, height=height, label=name)
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(table))], [f for f, _ in table])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("MB/s (10^6 input bytes per second, log scale)")
    ax.set_title("Decoding throughput per family (same bytes, same run)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "throughput.png", dpi=110)
    plt.close(fig)


def plot_wholetool(results: dict, out: Path) -> None:
    tools = {k: v for k, v in results["wholetool"]["tools"].items() if isinstance(v, dict)}
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 4))
    left.bar(list(tools), [t["wall_s"] for t in tools.values()], color="tab:blue")
    left.set_ylabel("wall time (s)")
    right.bar(list(tools), [t["peak_rss_mib"] for t in tools.values()], color="tab:orange")
    right.set_ylabel("peak RSS (MiB)")
    right.set_yscale("log")
    size = results["wholetool"]["bytes"] >> 20
    fig.suptitle(f"Whole tool on a {size} MiB Shift_JIS file")
    fig.tight_layout()
    fig.savefig(out / "wholetool.png", dpi=110)
    plt.close(fig)


def family_verdicts(results: dict) -> list[dict]:
    """Per family, convert-utf8's speed over each peer's in the same harness and for the same
    kind of output: the engine (UTF-8 out) against the native decoders (iconv(), encoding_rs,
    ICU), and the Python package's decode (str out) against Python's codecs."""
    verdicts = []
    for family, row in throughput_table(results):
        native = {}
        for peer in RUST_PEERS:
            if isinstance(row.get(peer), float) and isinstance(row.get(OURS_RUST), float):
                native[peer] = row[OURS_RUST] / row[peer]
        if isinstance(row.get("ICU"), float) and isinstance(row.get(OURS_PY), float):
            native["ICU"] = row[OURS_PY] / row["ICU"]
        codecs = None
        if isinstance(row.get("Python codecs"), float) and isinstance(row.get(OURS_PY_STR), float):
            codecs = row[OURS_PY_STR] / row["Python codecs"]
        best = min(native, key=native.get) if native else None
        verdicts.append({"family": family, "row": row, "ratios": native, "best": best,
                         "codecs": codecs})
    return verdicts


PEER_COLUMNS = ["encoding_rs (simd-accel)", "simdutf8 validate + copy"]
CEILING = "memcpy"


def peer_verdicts(results: dict) -> list[dict]:
    """Per family (bench/peers), convert-utf8's GB/s over its strongest peer's (the faster of
    encoding_rs with simd-accel and, on UTF-8, simdutf8's validate-and-copy) and over memcpy's,
    from the fastest call of each; with a verdict where 3% either way counts as level."""
    peers = results["throughput"].get("peers")
    if not peers:
        return []
    verdicts = []
    for family, row in peers["families"].items():
        gbps = {name: figures["gbps_min_time"] for name, figures in row.items()}
        ours = gbps.get(OURS_RUST)
        present = [p for p in PEER_COLUMNS if p in gbps]
        best = max(present, key=gbps.get) if present else None
        ratio = ours / gbps[best] if ours and best else None
        if ratio is None:
            verdict = "—"
        elif ratio >= 1.03:
            verdict = "ahead"
        elif ratio > 1 / 1.03:
            verdict = "within 3%"
        else:
            verdict = f"**behind** by {(1 - ratio) * 100:.0f}%"
        prototypes = {n: v for n, v in gbps.items() if n.startswith("prototype")}
        verdicts.append({"family": family, "gbps": gbps, "best": best, "ratio": ratio,
                         "verdict": verdict, "ceiling": ours / gbps[CEILING] if ours else None,
                         "prototypes": prototypes})
    return verdicts


def peers_section(results: dict) -> list[str]:
    verdicts = peer_verdicts(results)
    if not verdicts:
        return []
    peers = results["throughput"]["peers"]
    lines = ["### Against the strongest peers", "",
             "`bench/peers` (a crate outside the workspace, so that its features reach no other "
             "build) times, in one process and interleaved round by round on the same files: "
             "convert-utf8; encoding_rs built as Firefox builds it, with `simd-accel` (nightly "
             "`core::simd`, enabled on the stable compiler by `RUSTC_BOOTSTRAP=1`); on UTF-8, "
             "simdutf8's validation followed by a copy, which is all a validating UTF-8 decoder "
             "has to do; and a copy of the input (`memcpy`), the ceiling of anything that reads "
             "every byte and writes at least as much. GB/s = 10^9 input bytes per second, from "
             f"the fastest of at least {peers['rounds_at_least']} calls each (at least "
             f"{peers['min_seconds']:g} s of rounds per family; the median call is in "
             "results.json). Verdict: convert-utf8 over the faster peer, within 3% either way "
             "counts as level.", "",
             "| family | convert-utf8 | encoding_rs (simd-accel) | simdutf8 validate + copy | "
             "memcpy (ceiling) | convert-utf8 / strongest peer | verdict | convert-utf8 / memcpy |",
             "|---|---|---|---|---|---|---|---|"]

    def gb(value) -> str:
        return f"{value:.2f}" if isinstance(value, float) else "—"

    for v in verdicts:
        g = v["gbps"]
        lines.append(f"| {v['family']} | {gb(g.get(OURS_RUST))} | " + " | ".join(
            gb(g.get(p)) for p in [*PEER_COLUMNS, CEILING]) + " | "
            + (f"{v['ratio']:.2f}×" if v["ratio"] else "—") + f" | {v['verdict']} | "
            + (f"{v['ceiling']:.0%}" if v["ceiling"] else "—") + " |")
    lines.append("")
    for v in verdicts:
        for name, value in v["prototypes"].items():
            lines.append(f"- {v['family']}: {name} (in bench/peers, not in the engine): "
                         f"{value:.2f} GB/s, {value / v['gbps'][OURS_RUST]:.2f}× the engine.")
    lines.append("")
    return lines


def cell(value) -> str:
    return f"{value:,.0f}" if isinstance(value, float) else (value or "—")


def write(results: dict, out: Path) -> Path:
    plot_percall(results, out)
    sizes = sorted({row["size"] for row in results["percall"][0]["calls"]})
    heap_size = 1024 if 1024 in sizes else sizes[0]
    plot_heap(results, out, heap_size)
    plot_throughput(results, out)
    plot_wholetool(results, out)

    env = results["environment"]
    lines = [
        "# convert-utf8 benchmarks",
        "",
        "Generated by the benchmark suite; do not edit by hand. Regenerate with:",
        "",
        f"    {results['command']}",
        "",
        f"Mode: `{results['mode']}`, run {env['date']}, suite wall time "
        f"{results['elapsed_s']:.0f} s (from after the Python package build). Settings: "
        f"caller heaps {results['settings']['heap_gib']} GiB (`--quick` stops at 4 GiB so that "
        "it fits "
        "beside other work on a small machine; `--full` adds 8 GiB), "
        f"{results['settings']['throughput_mib']} MiB per throughput family, a "
        f"{results['settings']['cli_mib']} MiB whole-tool file (`--full`: 100 MiB and "
        "1 GiB).",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {env['cpu']}; memory: {env['memory']}; transparent huge pages: {env['thp']}",
        f"- Kernel: {env['kernel']}; {env['glibc']}",
        f"- {env['rustc']}; Python {env['python']}; encoding_rs {env['encoding_rs']}; "
        f"criterion {env['criterion']}; ICU {results['throughput']['python']['icu_version']}; "
        f"{env['uconv']}",
        f"- Load (`uptime`) before: {env['load_before']}; after: {results['load_after']}. "
        "The machine was shared with other work while measuring: absolute figures are noisy, "
        "so every comparison below is a ratio between contenders measured in the same run.",
        "",
    ]

    # Headlines.
    rows0 = percall_rows(results, 0)
    heaps = sorted(r["heap_mib"] for r in results["percall"])
    big = percall_rows(results, heaps[-1])
    verdicts = family_verdicts(results)
    behind = [v for v in verdicts if v["best"] and v["ratios"][v["best"]] < 1]
    tools = results["wholetool"]["tools"]
    lines += ["## Headlines", ""]
    for size in (sizes[0], heap_size, sizes[-1]):
        sub, ours = rows0[("subprocess", size)]["median_us"], rows0[("pyo3", size)]["median_us"]
        lines.append(f"- {size_name(size)} of Shift_JIS per call from Python: "
                     f"convert_utf8.to_utf8 {fmt_us(ours)} vs subprocess iconv {fmt_us(sub)}: "
                     f"**{sub / ours:,.0f}× faster**.")
    fork, ours = big[("fork", heap_size)]["median_us"], big[("pyo3", heap_size)]["median_us"]
    fork0 = rows0[("fork", heap_size)]["median_us"]
    lines.append(f"- With {heaps[-1] / 1024:g} GiB of touched heap in the caller, a fork-based "
                 f"call of {size_name(heap_size)} costs {fmt_us(fork)} (no heap: "
                 f"{fmt_us(fork0)}): **{fork / ours:,.0f}×** the in-process call "
                 f"({fmt_us(ours)}, unchanged by the heap); the vfork-based subprocess stays at "
                 f"{fmt_us(big[('subprocess', heap_size)]['median_us'])}.")
    after = next(r for r in results["percall"] if r["heap_mib"] == heaps[-1])["rewrite_after"]
    if after:
        lines.append(f"- After one fork-based call, rewriting that heap took "
                     f"{after['fork']['minor_faults']:,} minor page faults and "
                     f"{after['fork']['ms']:.0f} ms (after a vfork-based call: "
                     f"{after['subprocess']['minor_faults']:,} faults, "
                     f"{after['subprocess']['ms']:.0f} ms; no call: "
                     f"{after['no call']['minor_faults']:,} faults, "
                     f"{after['no call']['ms']:.0f} ms).")
    ahead = [v for v in verdicts if v["best"] and v["ratios"][v["best"]] >= 1]
    lines.append(f"- Throughput, UTF-8 out: the engine is ahead of every native peer (glibc "
                 f"iconv(), encoding_rs, ICU) on {len(ahead)} of {len(verdicts)} families: "
                 + ("; ".join(f"{v['family']} {v['ratios'][v['best']]:.2f}× the best peer "
                              f"({v['best']})" for v in ahead) or "none") + ".")
    if behind:
        lines.append("- **Where the engine is not ahead** (what to speed up next): " + "; ".join(
            f"{v['family']}: {v['best']} is {1 / v['ratios'][v['best']]:.2f}× faster"
            for v in behind) + ".")
    peers = [v for v in peer_verdicts(results) if v["ratio"]]
    if peers:
        lines.append("- Against the strongest peers in one process (encoding_rs with simd-accel; "
                     "simdutf8 validate + copy on UTF-8): " + "; ".join(
                         f"{v['family']} {v['ratio']:.2f}×, {v['verdict'].replace('**', '')}"
                         for v in peers) + ".")
    # Within 3% either way is level: where the package hands the input to the same CPython
    # constructor the codec runs, the two differ by the noise of the run.
    measured = [v for v in verdicts if v["codecs"] is not None]
    faster = [v for v in measured if v["codecs"] >= 1.03]
    level = [v for v in measured if 1 / 1.03 < v["codecs"] < 1.03]
    slower = [v for v in measured if v["codecs"] <= 1 / 1.03]
    lines.append(f"- Throughput, `str` out: `convert_utf8.decode` is ahead of Python's own "
                 f"codec on {len(faster)} of {len(measured)} families"
                 + (": " + "; ".join(f"{v['family']} {v['codecs']:.2f}×" for v in faster)
                    if faster else "") + "; level (within 3%) on " + (", ".join(
                        f"{v['family']} {v['codecs']:.2f}×" for v in level) or "none")
                 + "; **behind** on " + ("; ".join(
                        f"{v['family']} (codec {1 / v['codecs']:.2f}× faster)" for v in slower)
                        or "none") + ".")
    not_measured = [v["family"] for v in verdicts
                    if not isinstance(v["row"].get(OURS_RUST), float)]
    if not_measured:
        lines.append(f"- Not measured (no Rust throughput result): {', '.join(not_measured)}.")
    if isinstance(tools.get("iconv"), dict):
        ours, theirs = tools["convert-utf8"], tools["iconv"]
        lines.append(f"- Whole tool on {results['wholetool']['bytes'] >> 20} MiB: convert-utf8 "
                     f"peaks at {ours['peak_rss_mib']:.0f} MiB RSS vs iconv "
                     f"{theirs['peak_rss_mib']:.0f} MiB "
                     f"(**{theirs['peak_rss_mib'] / ours['peak_rss_mib']:,.0f}× "
                     f"less memory**), in {ours['wall_s']:.1f} s vs {theirs['wall_s']:.1f} s "
                     f"({theirs['wall_s'] / ours['wall_s']:.2f}× iconv's speed).")
    lines.append("")

    # 1 and 2: per call.
    lines += ["## 1. Per-call cost from Python", "",
              "Each contender decodes the same Shift_JIS prose (repeated, cut at a character "
              "boundary) and was checked to give iconv's UTF-8 first. Median of many calls, "
              "p10–p90 in brackets. `bytes.decode` returns `str`, the others UTF-8 `bytes`.", "",
              "![per-call cost](percall.png)", ""]
    for heap in heaps:
        rows = percall_rows(results, heap)
        lines += [f"### Caller holding {heap / 1024:g} GiB of touched heap", "",
                  "| contender | " + " | ".join(size_name(s) for s in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        for name in PERCALL_ORDER:
            lines.append(f"| {PERCALL_LABEL[name]} | " + " | ".join(
                f"{fmt_us(rows[(name, s)]['median_us'])} ({fmt_us(rows[(name, s)]['p10_us'])}–"
                f"{fmt_us(rows[(name, s)]['p90_us'])}, n={rows[(name, s)]['calls']})"
                for s in sizes) + " |")
        lines.append("")
    lines += ["## 2. Cost against the caller's memory", "",
              f"![per-call cost against heap]({'heap.png'})", "",
              "After-effect on the parent: minor page faults and time to write one byte per "
              "page of its heap again, right after one call of each kind (a fork leaves every "
              "page write-protected for copy-on-write, so the parent faults on each page it "
              "writes next, even after the child has exited).", "",
              "| heap | after fork call | after vfork call | after no call |",
              "|---|---|---|---|"]
    for run in results["percall"]:
        a = run["rewrite_after"]
        if a:
            lines.append(f"| {run['heap_mib'] / 1024:g} GiB | " + " | ".join(
                f"{a[k]['minor_faults']:,} faults, {a[k]['ms']:.0f} ms"
                for k in ("fork", "subprocess", "no call")) + " |")
    lines.append("")

    # 3: throughput.
    size = results["throughput"]["bytes"]
    lines += ["## 3. Throughput per charset family", "",
              f"About {size / 1e6:.0f} MB per family, generated from the repository's sample "
              "texts (`bench/inputs.py`: encoded by `iconv`, repeated to size); every contender's "
              "output equals `iconv -f CHARSET -t UTF-8` before it is timed. MB/s = 10^6 input "
              "bytes per second. Rust side (criterion median, `benches/throughput.rs`): "
              "convert-utf8, glibc `iconv()` in-process, encoding_rs. Python side (median of "
              "single calls on the whole input, at least 0.3 s of them): convert-utf8's Python "
              "package, ICU in-process (`ucnv_convert` via ctypes, compared with the package's "
              "`to_utf8`), "
              "Python's codecs (`bytes.decode`, to `str`, compared with the package's `decode`). "
              "Ratios are convert-utf8's speed over the peer's in the same harness and for the "
              "same kind of output (>1: convert-utf8 ahead). Python's codecs build a `str`, "
              "which for ASCII and Latin-1 is a plain copy (CPython stores such text one byte "
              "per character), so they win there by construction.", "",
              "![throughput](throughput.png)", "",
              "| family | charset | convert-utf8 | iconv() | encoding_rs | convert-utf8 (Python, "
              "bytes) | ICU | best native peer | convert-utf8 / best native peer "
              "| convert-utf8 (Python, str) | Python codecs | decode / bytes.decode |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    charsets = results["throughput"]["charsets"]
    for v in verdicts:
        row = v["row"]
        ratio = f"**{v['ratios'][v['best']]:.2f}×**" if v["best"] else "—"
        codecs = f"{v['codecs']:.2f}×" if v["codecs"] is not None else "—"
        lines.append(f"| {v['family']} | {charsets[v['family']]} | " + " | ".join(
            cell(row.get(k)) for k in [OURS_RUST, *RUST_PEERS, OURS_PY, "ICU"])
            + f" | {v['best'] or '—'} | {ratio} | {cell(row.get(OURS_PY_STR))} | "
            f"{cell(row.get('Python codecs'))} | {codecs} |")
    lines.append("")
    notes = results["throughput"]["notes"]
    lines += [f"- {family}: {note}" for family, note in notes.items()]
    lines += ["- encoding_rs has no UTF-7 or EBCDIC decoder (—).", ""]
    lines += peers_section(results)

    # 4: whole tool.
    wt = results["wholetool"]
    lines += ["## 4. Whole tool", "",
              f"One {wt['bytes'] >> 20} MiB Shift_JIS file (whole copies of "
              "`samples/wagahai.sjis.txt`), output to a file, measured with "
              "`/usr/bin/time -v`.", "", "![whole tool](wholetool.png)", "",
              "| tool | command | wall | user + sys | peak RSS | output = iconv's |",
              "|---|---|---|---|---|---|"]
    for name, t in wt["tools"].items():
        if isinstance(t, dict):
            same = {True: "yes", False: "**no**", None: "(reference)"}[
                t.get("same_output_as_iconv")]
            lines.append(f"| {name} | `{t['command']}` | {t['wall_s']:.2f} s | "
                         f"{t['user_s'] + t['sys_s']:.2f} s | {t['peak_rss_mib']:,.0f} MiB | "
                         f"{same} |")
        else:
            lines.append(f"| {name} | {t} | | | | |")
    lines.append("")
    report = out / "report.md"
    report.write_text("\n".join(lines))
    return report


if __name__ == "__main__":
    # Rewrites the report and plots from a results.json without measuring again.
    import json
    import sys

    source = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/benchmarks/results.json")
    print(write(json.loads(source.read_text()), source.parent))
