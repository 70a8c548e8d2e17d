"""The column kernel against the per-row Python route, inside each dataframe engine.

For each engine (pyarrow, Polars, pandas, DuckDB, Dask, and Spark and Ray where installed) the
same column of mail bodies with a charset per row (make_data.py) is decoded two ways, side by
side in one run: through convert_utf8's column kernel, and row by row by a Python function
inside that engine; where the engine has its own cost of handing rows to Python (DuckDB, Dask,
Spark, Ray), also its floor: the rows through a Python function that decodes nothing. Every
route's output is checked equal to Python's own codecs, row by row, before its time counts.
Each time is the best of a few repetitions, the routes of an engine taking turns, and the
median of a few whole runs. Also measured: the kernel against decoding the same bytes as one
stream per charset, and the peak memory of decoding the column in 64k-row batches against the
whole column at once (each in a process of its own).

    python bench/columns/run.py                 # a million rows, 3 runs; results.json, the plot
    python bench/columns/run.py --rows 100000   # smaller, results under data/
    python bench/columns/run.py --engines pyarrow,polars --runs 1 --reps 3

Markdown tables go to stdout, the figures to a JSON file, the plot to a PNG.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import make_data  # noqa: E402

DEFAULT_ROWS = 1_000_000
BATCH_ROWS = 65_536
ENGINES = ["pyarrow", "polars", "pandas", "duckdb", "dask", "spark", "ray"]
# The measures the kernel is held to.
PER_ROW_MIN = 10.0  # speed-up over the per-row route inside the same engine
LOOP_MIN = 5.0  # speed-up over the plain Python loop
STREAM_MAX = 1.5  # kernel time over the one-stream-per-charset time


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


class Engine:
    """One engine's routes, timed in turns; a route is (name, kind, run, to_list).

    Kinds: "kernel" (convert_utf8's column kernel), "per-row" (a Python function called per row
    by the engine), "loop" (a plain Python loop), and "floor": the engine moving the same rows
    through a Python function that decodes nothing, what any Python route costs there at
    least (no output to check: to_list is None)."""

    def __init__(self, name: str, rows: int):
        self.name = name
        self.rows = rows
        self.routes: list[tuple[str, str, object, object]] = []

    def route(self, name: str, kind: str, run, to_list=lambda out: out) -> None:
        self.routes.append((name, kind, run, to_list))

    def measure(self, expected: list[str], reps: int) -> list[dict]:
        best = {name: float("inf") for name, *_ in self.routes}
        equal: dict[str, bool] = {}
        for rep in range(reps):
            for name, kind, run, to_list in self.routes:
                gc.collect()
                start = time.perf_counter()
                out = run()
                seconds = time.perf_counter() - start
                if to_list is None:
                    equal[name] = None
                elif name not in equal:
                    # Checked once, outside the clock: every row as Python's codecs decode it.
                    got = to_list(out)
                    equal[name] = got == expected
                    if not equal[name]:
                        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b),
                                     min(len(got), len(expected)))
                        log(f"  {self.name} / {name}: differs from Python's codecs at row {first}"
                            f" ({len(got)} rows)")
                    del got
                del out
                best[name] = min(best[name], seconds)
                log(f"  {self.name} / {name}: {seconds:.3f} s (rep {rep + 1})")
        return [{"engine": self.name, "route": name, "kind": kind, "seconds": best[name],
                 "rows_per_s": self.rows / best[name], "equal": equal[name], "reps": reps}
                for name, kind, *_ in self.routes]


def pick_per_row(bodies: list[bytes], charsets: list[str]) -> tuple[object, dict]:
    """The faster of the two per-row functions, convert_utf8.decode and bytes.decode, on a
    sample: the per-row route of every engine uses it, so that none is slowed by a slower
    function than Python offers."""
    import convert_utf8

    sample = list(zip(bodies[:50_000], charsets[:50_000]))
    times = {}
    for name, fn in [("convert_utf8.decode", convert_utf8.decode), ("bytes.decode", bytes.decode)]:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            [fn(b, c) for b, c in sample]
            best = min(best, time.perf_counter() - start)
        times[name] = best
    name = min(times, key=times.get)
    fn = convert_utf8.decode if name == "convert_utf8.decode" else bytes.decode
    return fn, {"chosen": name, "sample_rows": len(sample),
                "ns_per_row": {k: v / len(sample) * 1e9 for k, v in times.items()}}


# ---------------------------------------------------------------------------------------------
# The engines


def bench_pyarrow(table, bodies, charsets, per_row, rows) -> Engine:
    import convert_utf8
    import convert_utf8.arrow

    # The columns as read from Parquet: a chunk per row group of 64k rows.
    body_col, charset_col = table.column("body"), table.column("charset")
    # And as one array of all the rows.
    body_one, charset_one = body_col.combine_chunks(), charset_col.combine_chunks()
    engine = Engine("pyarrow", rows)
    arrow_list = lambda out: out.to_pylist()  # noqa: E731
    engine.route("kernel, threads=1", "kernel",
                 lambda: convert_utf8.arrow.decode(body_col, charset_col, threads=1), arrow_list)
    engine.route("kernel, all cores", "kernel",
                 lambda: convert_utf8.arrow.decode(body_col, charset_col), arrow_list)
    engine.route("kernel, all cores, one array", "kernel",
                 lambda: convert_utf8.arrow.decode(body_one, charset_one), arrow_list)
    engine.route("loop: convert_utf8.decode", "loop",
                 lambda: [convert_utf8.decode(b, c) for b, c in zip(bodies, charsets)])
    engine.route("loop: bytes.decode", "loop",
                 lambda: [b.decode(c) for b, c in zip(bodies, charsets)])
    return engine


def bench_polars(table, bodies, charsets, per_row, rows) -> Engine:
    import convert_utf8.polars
    import polars as pl

    df = pl.from_arrow(table)
    engine = Engine("polars", rows)
    column = lambda out: out.get_column("text").to_list()  # noqa: E731
    engine.route("kernel", "kernel", lambda: df.with_columns(
        convert_utf8.polars.decode(pl.col("body"), pl.col("charset")).alias("text")), column)
    engine.route("map_elements per row", "per-row", lambda: df.with_columns(
        pl.struct("body", "charset")
        .map_elements(lambda r: per_row(r["body"], r["charset"]), return_dtype=pl.String)
        .alias("text")), column)
    return engine


def bench_pandas(table, bodies, charsets, per_row, rows) -> Engine:
    import convert_utf8.pandas
    import pandas as pd

    # As pandas reads Parquet by default (bodies as Python bytes objects), and with Arrow-backed
    # columns (bodies as binary[pyarrow], read without a copy).
    df = table.to_pandas()
    df_arrow = table.to_pandas(types_mapper=pd.ArrowDtype)
    engine = Engine("pandas", rows)
    series = lambda out: out.tolist()  # noqa: E731
    engine.route("kernel (object column)", "kernel",
                 lambda: convert_utf8.pandas.decode(df["body"], df["charset"]), series)
    engine.route("kernel (binary[pyarrow] column)", "kernel",
                 lambda: convert_utf8.pandas.decode(df_arrow["body"], df_arrow["charset"]),
                 series)
    engine.route("apply(axis=1) per row", "per-row",
                 lambda: df.apply(lambda r: per_row(r["body"], r["charset"]), axis=1), series)
    engine.route("list comprehension over two columns", "per-row",
                 lambda: pd.Series([per_row(b, c) for b, c in zip(df["body"], df["charset"])],
                                   index=df.index, dtype="string[pyarrow]"), series)
    return engine


def bench_duckdb(table, bodies, charsets, per_row, rows) -> Engine:
    import convert_utf8.duckdb
    import duckdb

    con = duckdb.connect()
    con.register("source", table)
    con.execute("CREATE TABLE mail AS SELECT * FROM source")
    con.unregister("source")
    convert_utf8.duckdb.register(con)
    blob, varchar = duckdb.sqltype("BLOB"), duckdb.sqltype("VARCHAR")
    con.create_function("py_decode", lambda b, c: per_row(b, c), [blob, varchar], varchar,
                        type="native")
    # The floor: DuckDB handing the vectors to a Python Arrow function and back, as it does for
    # cu8_decode, with nothing decoded.
    con.create_function("py_pass", lambda b, c: b, [blob, varchar], blob, type="arrow",
                        side_effects=False)
    engine = Engine("duckdb", rows)

    def query(sql: str):
        # The result as one Arrow table, for both routes alike (the method's name varies by
        # DuckDB release).
        relation = con.sql(sql)
        fetch = getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table
        return fetch()

    column = lambda out: out.column("text").to_pylist()  # noqa: E731
    engine.route("cu8_decode", "kernel",
                 lambda: query("SELECT cu8_decode(body, charset) AS text FROM mail"), column)
    engine.route("Python UDF per row", "per-row",
                 lambda: query("SELECT py_decode(body, charset) AS text FROM mail"), column)
    engine.route("Arrow UDF passing the bodies through", "floor",
                 lambda: query("SELECT py_pass(body, charset) AS text FROM mail"), None)
    engine.close = con.close
    return engine


def bench_dask(table, bodies, charsets, per_row, rows) -> Engine:
    import convert_utf8.pandas
    import dask
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster, wait

    # Dask would otherwise turn the object column of bodies into strings, as UTF-8, and fail.
    dask.config.set({"dataframe.convert-string": False})
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    # The source sits in the workers' memory before the clock starts; partitions of about 64k
    # rows.
    ddf = dd.from_pandas(table.to_pandas(), npartitions=max(1, rows // 62_500))
    ddf = client.persist(ddf)
    wait(ddf)

    def kernel(part: pd.DataFrame) -> pd.Series:
        return convert_utf8.pandas.decode(part["body"], part["charset"]).rename("text")

    kernel_result = ddf.map_partitions(kernel, meta=pd.Series(dtype="string[pyarrow]",
                                                              name="text"))
    per_row_result = ddf.apply(lambda r: per_row(r["body"], r["charset"]), axis=1,
                               meta=("text", "object"))
    floor_result = ddf.map_partitions(lambda part: part["body"].rename("text"),
                                      meta=pd.Series(dtype="object", name="text"))

    def run(result):
        # The decoded partitions stay in the workers; none is brought back inside the clock.
        persisted = client.persist(result)
        wait(persisted)
        return persisted

    engine = Engine("dask", rows)
    series = lambda out: out.compute().tolist()  # noqa: E731
    engine.route("map_partitions with the kernel", "kernel", lambda: run(kernel_result), series)
    engine.route("apply(axis=1) per row", "per-row", lambda: run(per_row_result), series)
    engine.route("map_partitions passing the bodies through", "floor",
                 lambda: run(floor_result), None)

    def close():
        client.close()
        cluster.close()
    engine.close = close
    return engine


def bench_spark(table, bodies, charsets, per_row, rows, data_path=None) -> Engine:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    import pyarrow as pa
    from pyspark.sql import SparkSession
    from pyspark.sql.functions import udf

    spark = (SparkSession.builder.master("local[2]").appName("convert-utf8 columns")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.memory", "4g")
             .config("spark.sql.shuffle.partitions", "2")
             .config("spark.ui.showConsoleProgress", "false")
             # A split per Parquet row group (64k rows) rather than one for the whole file, so
             # that both cores work, the rows staying in file order.
             .config("spark.sql.files.maxPartitionBytes", "1m")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(data_path)).cache()
    df.count()  # the source is cached in the executor before the clock starts

    def kernel(batches):
        import convert_utf8.arrow
        for batch in batches:
            # threads=1: Spark already runs one Python worker per core.
            text = convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"),
                                             threads=1)
            yield pa.RecordBatch.from_arrays([text], names=["text"])

    fn = per_row

    @udf(returnType="string")
    def py_decode(body, charset):
        # Spark hands binary values over as bytearray; bytes.decode takes bytes only.
        return fn(bytes(body), charset)

    def passing(batches):
        for batch in batches:
            yield pa.RecordBatch.from_arrays([batch.column("body")], names=["text"])

    kernel_df = df.mapInArrow(kernel, "text string")
    floor_df = df.mapInArrow(passing, "text binary")
    per_row_df = df.select(py_decode("body", "charset").alias("text"))

    def run(frame):
        # The noop sink runs the whole plan and keeps nothing.
        frame.write.format("noop").mode("overwrite").save()
        return frame

    engine = Engine("spark", rows)
    column = lambda out: out.toArrow().column("text").to_pylist()  # noqa: E731
    engine.route("mapInArrow with the kernel", "kernel", lambda: run(kernel_df), column)
    engine.route("Python UDF per row", "per-row", lambda: run(per_row_df), column)
    engine.route("mapInArrow passing the bodies through", "floor", lambda: run(floor_df), None)
    engine.close = spark.stop
    return engine


def bench_ray(table, bodies, charsets, per_row, rows) -> Engine:
    import pyarrow as pa
    import ray
    import ray.data

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # for the row-by-row check
    context.enable_progress_bars = False
    # Ray Data reserves a share of the cluster for each operator; on 2 CPUs that leaves a map
    # one task at a time. Without the reservation every route runs on both cores.
    context.op_resource_reservation_enabled = False
    blocks = max(1, rows // 62_500)
    step = -(-rows // blocks)
    ds = ray.data.from_arrow([table.slice(i, step) for i in range(0, rows, step)]).materialize()

    def kernel(batch: pa.Table) -> pa.Table:
        import convert_utf8.arrow
        # threads=1: Ray already runs one task per core.
        return pa.table({"text": convert_utf8.arrow.decode(
            batch.column("body"), batch.column("charset"), threads=1)})

    fn = per_row

    engine = Engine("ray", rows)
    column = lambda out: pa.concat_tables(  # noqa: E731
        ray.get(out.to_arrow_refs())).column("text").to_pylist()
    engine.route("map_batches with the kernel", "kernel", lambda: ds.map_batches(
        kernel, batch_format="pyarrow", batch_size=None).materialize(), column)
    engine.route("map per row", "per-row", lambda: ds.map(
        lambda r: {"text": fn(r["body"], r["charset"])}).materialize(), column)
    engine.route("map_batches passing the bodies through", "floor", lambda: ds.map_batches(
        lambda batch: pa.table({"text": batch.column("body")}), batch_format="pyarrow",
        batch_size=None).materialize(), None)
    engine.close = ray.shutdown
    return engine


BENCHES = {"pyarrow": bench_pyarrow, "polars": bench_polars, "pandas": bench_pandas,
           "duckdb": bench_duckdb, "dask": bench_dask, "spark": bench_spark, "ray": bench_ray}
MODULES = {"pyarrow": "pyarrow", "polars": "polars", "pandas": "pandas", "duckdb": "duckdb",
           "dask": "distributed", "spark": "pyspark", "ray": "ray"}


def installed(engine: str) -> bool:
    import importlib.util
    if importlib.util.find_spec(MODULES[engine]) is None:
        return False
    if engine == "dask":
        return importlib.util.find_spec("dask.dataframe") is not None
    if engine == "spark":
        import shutil
        return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))
    return True


# ---------------------------------------------------------------------------------------------
# The kernel against one stream per charset


def bench_streams(table, bodies, charsets, reps) -> dict:
    """The kernel on one thread against convert_utf8 decoding the same bytes concatenated into
    one stream per charset: the cost of going row by row inside the kernel."""
    import convert_utf8
    import convert_utf8.arrow

    groups: dict[str, list[bytes]] = {}
    for body, label in zip(bodies, charsets):
        groups.setdefault(convert_utf8.lookup(label).name, []).append(body)
    streams = {name: b"".join(parts) for name, parts in groups.items()}
    body_col, charset_col = table.column("body"), table.column("charset")
    # Each body ends on a character boundary, so each stream decodes to its rows' text joined.
    for name, parts in groups.items():
        assert convert_utf8.decode(streams[name], name) == "".join(
            convert_utf8.decode(p, name) for p in parts)
    routes = {
        "kernel, threads=1": lambda: convert_utf8.arrow.decode(body_col, charset_col, threads=1),
        "streams: convert_utf8.decode (to str)":
            lambda: [convert_utf8.decode(data, name) for name, data in streams.items()],
        "streams: convert_utf8.to_utf8 (to UTF-8 bytes)":
            lambda: [convert_utf8.to_utf8(data, name) for name, data in streams.items()],
    }
    best = {name: float("inf") for name in routes}
    for _ in range(reps):
        for name, run in routes.items():
            gc.collect()
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    size = sum(len(s) for s in streams.values())
    kernel = best["kernel, threads=1"]
    return {
        "bytes": size,
        "charsets": {name: len(parts) for name, parts in groups.items()},
        "routes": [{"route": name, "seconds": s, "mb_per_s": size / s / 1e6,
                    "kernel_over_route": kernel / s} for name, s in best.items()],
    }


# ---------------------------------------------------------------------------------------------
# Peak memory, each way in a process of its own


def status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    return status_mb("VmRSS")


def memory_probe(mode: str, path: Path) -> dict:
    """Run in a child process: decode the column one way and report the resident set."""
    import convert_utf8.arrow
    import pyarrow as pa
    import pyarrow.parquet as pq

    pa.set_cpu_count(1)  # Parquet decoding on one thread: its buffers do not vary by run
    base = rss_mb()
    loaded = None
    out_bytes = 0
    if mode in ("stream", "read"):
        # Read (and decode) 64k rows at a time; neither the input nor the output is held whole.
        # "read" only reads: the Parquet reader's own share of the peak.
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
            if mode == "stream":
                text = convert_utf8.arrow.decode(batch.column("body"), batch.column("charset"))
                out_bytes += text.nbytes
                del text
            del batch
    else:
        table = pq.read_table(path)
        body, charset = table.column("body"), table.column("charset")  # a chunk per row group
        del table
        loaded = rss_mb()
        if mode == "whole":
            text = convert_utf8.arrow.decode(body, charset)
            out_bytes = text.nbytes
            del text
        elif mode == "batches":
            # The whole input in memory, decoded 64k rows at a time, each result dropped.
            for start in range(0, len(body), BATCH_ROWS):
                text = convert_utf8.arrow.decode(body.slice(start, BATCH_ROWS),
                                                 charset.slice(start, BATCH_ROWS))
                out_bytes += text.nbytes
                del text
        else:
            raise ValueError(mode)
    # The peak resident set of this process's memory: VmHWM, not getrusage's ru_maxrss, which
    # Linux carries over an exec from the forking parent (here the benchmark, much larger).
    peak = status_mb("VmHWM")
    return {"mode": mode, "rss_before_mb": base, "rss_input_loaded_mb": loaded,
            "peak_rss_mb": peak, "output_mb": out_bytes / 1e6}


def bench_memory(path: Path) -> list[dict]:
    results = []
    for mode in ["whole", "batches", "read", "stream"]:
        child = subprocess.run([sys.executable, __file__, "--memory-probe", mode,
                                "--data", str(path)], capture_output=True, text=True, check=True)
        results.append(json.loads(child.stdout))
    return results


# ---------------------------------------------------------------------------------------------
# Reporting


def fmt_rate(rows_per_s: float) -> str:
    return f"{rows_per_s / 1e6:.2f} M" if rows_per_s >= 1e6 else f"{rows_per_s / 1e3:.0f} k"


def markdown(results: dict) -> str:
    rows = results["rows"]
    runs = len(results["runs"])
    lines = [f"### Routes ({rows:,} rows, {results['data']['body_mb']:.0f} MB of bodies; best of "
             f"{results['reps']}" + (f", median of {runs} runs" if runs > 1 else "") + ")", "",
             "| engine | route | seconds | rows/s | kernel speed-up | equal |",
             "|---|---|---:|---:|---:|---|"]
    for engine, routes in group(results["routes"]).items():
        kernel = min(r["seconds"] for r in routes if r["kind"] == "kernel")
        for r in routes:
            speedup = "" if r["kind"] in ("kernel", "floor") else f"{r['seconds'] / kernel:.1f}×"
            equal = {True: "yes", False: "**no**", None: "—"}[r["equal"]]
            name = r["route"] + (" (floor)" if r["kind"] == "floor" else "")
            lines.append(f"| {engine} | {name} | {r['seconds']:.3f} | "
                         f"{fmt_rate(r['rows_per_s'])} | {speedup} | {equal} |")
    lines += ["", "Kernel speed-up: the route's time over the engine's fastest kernel route. "
              "Floor: the engine moving the rows through Python without decoding them.", ""]
    runs = len(results["runs"])
    lines += [f"### Measures (median of {runs} run{'s' if runs > 1 else ''}, and range)", "",
              "| measure | aim | figure | range | met |", "|---|---|---:|---:|---|"]
    for m in results["measures"]:
        lines.append(f"| {m['measure']} | {m['bound']} | {m['figure']:.1f}× | "
                     f"{m['range'][0]:.1f}–{m['range'][1]:.1f} | "
                     f"{'yes' if m['met'] else '**no**'} |")
    if results.get("streams"):
        s = results["streams"]
        lines += ["", f"### The kernel against one stream per charset ({s['bytes'] / 1e6:.0f} MB,"
                  f" {len(s['charsets'])} charsets, one thread)", "",
                  "| route | seconds | MB/s | kernel time / route time |", "|---|---:|---:|---:|"]
        for r in s["routes"]:
            lines.append(f"| {r['route']} | {r['seconds']:.3f} | {r['mb_per_s']:.0f} | "
                         f"{r['kernel_over_route']:.2f} |")
    if results.get("memory"):
        lines += ["", f"### Peak memory (resident set, MB; batches of {BATCH_ROWS:,} rows)", "",
                  "| way | before | input loaded | peak | peak over input | output |",
                  "|---|---:|---:|---:|---:|---:|"]
        names = {"whole": "the whole input, decoded at once",
                 "batches": "the whole input, decoded in batches (each result dropped)",
                 "read": "read from Parquet batch by batch, not decoded",
                 "stream": "read from Parquet and decoded batch by batch"}
        for m in results["memory"]:
            base = m["rss_input_loaded_mb"] or m["rss_before_mb"]
            loaded = "—" if m["rss_input_loaded_mb"] is None else f"{m['rss_input_loaded_mb']:.0f}"
            lines.append(f"| {names[m['mode']]} | {m['rss_before_mb']:.0f} | {loaded} | "
                         f"{m['peak_rss_mb']:.0f} | {m['peak_rss_mb'] - base:.0f} | "
                         f"{m['output_mb']:.0f} |")
    if results.get("skipped"):
        lines += ["", "Not run: " + ", ".join(f"{k} ({v})" for k, v in results["skipped"].items())]
    return "\n".join(lines)


def group(routes: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in routes:
        out.setdefault(r["engine"], []).append(r)
    return out


def run_measures(routes: list[dict], streams: dict | None) -> list[dict]:
    """The measures of one run: each a ratio, its threshold and whether it is a floor ("at
    least") or a ceiling ("at most")."""
    found = []
    for engine, engine_routes in group(routes).items():
        kernel = min(r["seconds"] for r in engine_routes if r["kind"] == "kernel")
        one_thread = next((r["seconds"] for r in engine_routes
                           if r["route"] == "kernel, threads=1"), None)
        for r in engine_routes:
            if r["kind"] == "loop" and one_thread is not None:
                # The same, the kernel held to one core as the loop is.
                found.append({"measure": f"{engine}: kernel on one thread over {r['route']}",
                              "figure": r["seconds"] / one_thread, "at_least": LOOP_MIN})
            if r["kind"] == "per-row":
                found.append({"measure": f"{engine}: kernel over {r['route']}",
                              "figure": r["seconds"] / kernel, "at_least": PER_ROW_MIN})
            elif r["kind"] == "loop":
                found.append({"measure": f"{engine}: kernel over {r['route']}",
                              "figure": r["seconds"] / kernel, "at_least": LOOP_MIN})
    if streams:
        to_str = next(r for r in streams["routes"] if "to str" in r["route"])
        found.append({"measure": "kernel (one thread) time over one stream per charset "
                                 "(convert_utf8.decode)",
                      "figure": to_str["kernel_over_route"], "at_most": STREAM_MAX})
    return found


def measures(runs: list[dict]) -> list[dict]:
    """Each measure's median over the runs, its range, and whether the median meets it."""
    per_run = [run_measures(run["routes"], run.get("streams")) for run in runs]
    found = []
    for i, first in enumerate(per_run[0]):
        figures = sorted(run[i]["figure"] for run in per_run)
        figure = statistics.median(figures)
        met = (figure >= first["at_least"]) if "at_least" in first else (
            figure <= first["at_most"])
        bound = (f"≥ {first['at_least']:g}×" if "at_least" in first
                 else f"≤ {first['at_most']:g}×")
        found.append({"measure": first["measure"], "bound": bound, "figure": figure,
                      "range": [figures[0], figures[-1]], "met": met})
    return found


def combine(runs: list[dict]) -> tuple[list[dict], dict | None]:
    """The routes and streams of several runs as one: each route's median over the runs of its
    best time."""
    routes = []
    for i, first in enumerate(runs[0]["routes"]):
        times = [run["routes"][i]["seconds"] for run in runs]
        seconds = statistics.median(times)
        equal = [run["routes"][i]["equal"] for run in runs]
        routes.append({**first, "seconds": seconds, "rows_per_s": first["rows_per_s"]
                       * first["seconds"] / seconds, "seconds_per_run": times,
                       "equal": None if None in equal else all(equal)})
    streams = None
    if runs[0].get("streams"):
        streams = dict(runs[0]["streams"])
        streams["routes"] = []
        for i, first in enumerate(runs[0]["streams"]["routes"]):
            times = [run["streams"]["routes"][i]["seconds"] for run in runs]
            streams["routes"].append({"route": first["route"],
                                      "seconds": statistics.median(times),
                                      "mb_per_s": streams["bytes"] / statistics.median(times) / 1e6,
                                      "seconds_per_run": times})
        kernel = streams["routes"][0]["seconds"]
        for r in streams["routes"]:
            r["kernel_over_route"] = kernel / r["seconds"]
    return routes, streams


def plot(results: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colours = {"kernel": "#1f77b4", "per-row": "#d62728", "loop": "#ff7f0e", "floor": "#b0b0b0"}
    labels, rates, kinds = [], [], []
    for engine, routes in group(results["routes"]).items():
        for r in routes:
            labels.append(f"{engine}: {r['route']}")
            rates.append(r["rows_per_s"])
            kinds.append(r["kind"])
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(labels) + 1.4))
    y = list(range(len(labels)))[::-1]
    ax.barh(y, rates, color=[colours[k] for k in kinds])
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("rows per second (log scale)")
    for yi, rate in zip(y, rates):
        ax.text(rate * 1.05, yi, fmt_rate(rate), va="center", fontsize=7)
    ax.set_xlim(min(rates) / 3, max(rates) * 4)
    ax.grid(axis="x", which="major", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    fig.legend(handles, ["convert_utf8 column kernel", "per-row Python inside the engine",
                         "plain Python loop", "engine floor: rows through Python, not decoded"],
               fontsize=8, loc="lower center", ncol=2)
    ax.set_title(f"Decoding {results['rows']:,} mail bodies in mixed charsets, "
                 f"{results['machine']['cores']} cores", fontsize=10)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    found = {"python": platform.python_version()}
    for package in ["convert-utf8", "pyarrow", "polars", "pandas", "duckdb", "dask",
                    "distributed", "pyspark", "ray"]:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    return found


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next((line.split(":", 1)[1].strip() for line in cpuinfo
                          if line.startswith("model name")), "")
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": model, "system": platform.platform(),
            "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--reps", type=int, default=3, help="repetitions; the best counts")
    parser.add_argument("--runs", type=int, default=3,
                        help="whole runs; each figure is the median of the runs")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--json", type=Path, help="default: results.json beside this script "
                        "for the full run, data/results-ROWS.json otherwise")
    parser.add_argument("--plot", type=Path, help="default: docs/benchmarks/columns.png for "
                        "the full run, data/columns-ROWS.png otherwise")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-probe", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.memory_probe:
        print(json.dumps(memory_probe(args.memory_probe, args.data)))
        return

    warnings.filterwarnings("ignore")  # engines' advice that map_elements is slow, and the like
    full = args.rows == DEFAULT_ROWS
    json_path = args.json or (HERE / "results.json" if full
                              else HERE / "data" / f"results-{args.rows}.json")
    plot_path = args.plot or (ROOT / "docs/benchmarks/columns.png" if full
                              else HERE / "data" / f"columns-{args.rows}.png")

    import pyarrow.parquet as pq

    data_path = make_data.default_path(args.rows)
    if not data_path.exists():
        log(f"writing {args.rows} rows to {data_path}")
        make_data.write(args.rows)
    table = pq.read_table(data_path)
    bodies = table.column("body").to_pylist()
    charsets = table.column("charset").to_pylist()
    # What every route must give: Python's own codecs, row by row.
    expected = [b.decode(c) for b, c in zip(bodies, charsets)]

    per_row, per_row_info = pick_per_row(bodies, charsets)
    log(f"per-row function: {per_row_info['chosen']} ({per_row_info['ns_per_row']})")

    results = {
        "rows": args.rows, "reps": args.reps, "batch_rows": BATCH_ROWS,
        "data": {"file": str(data_path.relative_to(ROOT)), "seed": 1,
                 "body_mb": sum(map(len, bodies)) / 1e6,
                 "labels": len(set(charsets))},
        "machine": machine(), "versions": versions(), "per_row_function": per_row_info,
        "load_before": os.getloadavg(), "runs": [], "skipped": {},
    }
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    for name in engines:
        if not installed(name):
            results["skipped"][name] = ("not installed" if name != "spark"
                                        else "not installed or no java")
            log(f"{name}: skipped ({results['skipped'][name]})")
    # Whole runs repeated, rather than more repetitions in one: the other work of a shared
    # machine comes and goes over minutes, and the median of the runs' ratios is steadier.
    for run_index in range(args.runs):
        run: dict = {"routes": [], "load_per_section": {}}
        for name in engines:
            if name in results["skipped"]:
                continue
            log(f"run {run_index + 1}, {name}:")
            # The machine's load as each section starts (1-minute average; it counts this
            # benchmark's own processes too).
            run["load_per_section"][name] = os.getloadavg()[0]
            extra = {"data_path": data_path} if name == "spark" else {}
            engine = BENCHES[name](table, bodies, charsets, per_row, args.rows, **extra)
            try:
                run["routes"] += engine.measure(expected, args.reps)
            finally:
                close = getattr(engine, "close", None)
                if close:
                    close()
            del engine
            gc.collect()
        log(f"run {run_index + 1}, streams:")
        run["load_per_section"]["streams"] = os.getloadavg()[0]
        run["streams"] = bench_streams(table, bodies, charsets, args.reps)
        results["runs"].append(run)
    results["routes"], results["streams"] = combine(results["runs"])
    if not args.no_memory:
        log("memory:")
        results["memory"] = bench_memory(data_path)
    results["load_after"] = os.getloadavg()
    results["measures"] = measures(results["runs"])

    print(markdown(results))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=1) + "\n")
    if results["routes"]:
        plot(results, plot_path)
    log(f"figures: {json_path}; plot: {plot_path}")
    if any(r["equal"] is False for r in results["routes"]):
        sys.exit("some route's output differed from Python's codecs")


if __name__ == "__main__":
    main()
