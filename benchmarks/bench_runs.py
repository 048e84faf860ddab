"""Report executors at country scale: fork server against kernels, the country batch, Dask.

Prints, in one run (all measured here, on the sample built in a temporary folder):
- each report kind run by the executor (a fresh fork of a batch's warm process, which holds
  the version's tables and national flows) against its in-process work: the same cells
  and the same HTML export in this already-warm process (median of ``--repeat``; goal
  ≤ 1,15×);
- 40 commune sheets, ``--jobs 2``: the fork executor against ``--engine kernel`` (goal
  ≤ 0,45×);
- the country batch (``--config pays``) with 2 jobs: a measured subset of every kind, the
  projection to the whole batch from each kind's measured time (goal < 15 minutes);
- the same subset on a Dask ``LocalCluster`` of 2 workers against the local pool;
- peak memory: per report (the manifest's ``peak_rss_mb``) and of the batch process.

Usage: ``python benchmarks/bench_runs.py [--repeat N] [--communes 40]`` from the repository
root.
"""

from __future__ import annotations

import argparse
import collections
import resource
import statistics
import tempfile
import time
from pathlib import Path

from pvanalysis import reports, store
from pvanalysis.build import build_processed
from pvanalysis.reports.batch import warm_version
from pvanalysis.reports.depends import DataIndex
from pvanalysis.reports.fork import WarmPool
from pvanalysis.reports.run import attempt, execute_report
from pvanalysis.sample import write_sample

NOTEBOOKS = Path("notebooks").resolve()
KINDS = [("bilan", {"period_start": 2017, "period_end": 2021}),
         ("territoire", {"level": "region", "code": "03"}),
         ("territoire", {"level": "province", "code": "03.231"}),
         ("territoire", {"level": "commune", "code": "01.511.05.07"}),
         ("convention", {"convention_id": "CC-R00001"}),
         ("qualite", {}), ("exploration", {})]


def _label(kind, params) -> str:
    return f"{kind} {' '.join(map(str, params.values()))}".strip()


def _median(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def warm_times(processed: Path, root: Path, repeat: int) -> None:
    """In this process (a helper started by :func:`per_kind`): each kind's cells and export,
    after a warm-up run of each; prints the medians as JSON."""
    import json

    version = store.current(processed)

    def in_process(kind, params):
        folder = root / "chaud" / reports.report_id(kind, params)
        folder.mkdir(parents=True, exist_ok=True)
        done = attempt(kind, params, str(folder), str(version.path.resolve()), str(NOTEBOOKS),
                       600, None, "fork", "")
        assert done["status"] == "ok", done

    for kind, params in KINDS:  # warm-up: imports and caches, once
        in_process(kind, params)
    print(json.dumps([_median(lambda k=k, p=p: in_process(k, p), repeat) for k, p in KINDS]))


def per_kind(processed: Path, root: Path, repeat: int) -> None:
    """Each kind: the executor against the same cells and export in an already-warm process
    (a helper process: the IPython shell of the in-process engine takes over ``__main__``)."""
    import json
    import subprocess
    import sys

    helper = subprocess.run([sys.executable, __file__, "--warm", str(processed), str(root),
                             "--repeat", str(repeat)], capture_output=True, text=True,
                            check=True)
    warm_s = json.loads(helper.stdout.strip().splitlines()[-1])
    version = store.current(processed)
    pool = WarmPool(1, warm_version, {"processed": str(version.path.resolve()),
                                      "periods": [(2017, 2021)]})

    def executor(kind, params):
        r = execute_report(kind, params, root / "site", version, notebooks_dir=NOTEBOOKS,
                           pool=pool)
        assert r.ok, r.error

    with pool:
        executor(*KINDS[0])  # warm-up: the fork server and the warm process start
        print("Chaque type de rapport : exécuteur (processus neuf issu du processus chaud du "
              "lot) contre le même travail dans un processus déjà chaud (export compris)")
        for (kind, params), warm in zip(KINDS, warm_s, strict=True):
            fork = _median(lambda k=kind, p=params: executor(k, p), repeat)
            print(f"  {_label(kind, params):<34} {fork:6.2f} s contre {warm:5.2f} s "
                  f"= {fork / warm:4.2f} × (objectif ≤ 1,15)")


def _communes_with_projects(index: DataIndex, n: int) -> list[str]:
    return sorted(c for c in index.known["commune"] if index.project_count(c))[:n]


def communes(processed: Path, root: Path, n: int) -> None:
    """n commune sheets, 2 at a time: fork executor against a kernel per report."""
    codes = _communes_with_projects(DataIndex(store.current(processed)), n)
    config = {"reports": [{"kind": "territoire", "params": {"level": "commune", "code": c}}
                          for c in codes]}
    times = {}
    for engine in ("fork", "kernel"):
        start = time.perf_counter()
        batch = reports.run_batch(config, root / f"communes-{engine}", jobs=2, force=True,
                                  processed_dir=processed, notebooks_dir=NOTEBOOKS,
                                  engine=engine)
        times[engine] = time.perf_counter() - start
        assert not batch.failed, [r.error for r in batch.failed]
    print(f"{len(codes)} fiches communales, --jobs 2 : exécuteur fork {times['fork']:.1f} s, "
          f"--engine kernel {times['kernel']:.1f} s = {times['fork'] / times['kernel']:.2f} × "
          "(objectif ≤ 0,45)")


def _subset(pairs, index: DataIndex) -> list[tuple]:
    """A few reports of each kind of the country batch (short sheets apart)."""
    wanted = {"bilan": 1, "region": 2, "province": 3, "commune": 6, "courte": 12,
              "convention": 6, "qualite": 1}
    taken, out = collections.Counter(), []
    for kind, params in pairs:
        group = _group(kind, params, index)
        if taken[group] < wanted.get(group, 0):
            taken[group] += 1
            out.append((kind, params))
    return out


def _group(kind, params, index: DataIndex) -> str:
    if kind != "territoire":
        return kind
    if params["level"] == "commune" and not index.project_count(params["code"]):
        return "courte"
    return params["level"]


def country(processed: Path, root: Path) -> list[tuple]:
    """The country batch: a measured subset, projected to the whole batch (2 jobs)."""
    index = DataIndex(store.current(processed))
    pays = reports.load_config("pays")
    pairs = reports.expand_config(pays, processed)
    subset = _subset(pairs, index)
    # the subset keeps the batch's own settings (its editions: the page only)
    config = {**{k: v for k, v in pays.items() if k != "reports"},
              "reports": [{"kind": k, "params": p} for k, p in subset]}
    start = time.perf_counter()
    batch = reports.run_batch(config, root / "pays", jobs=2, processed_dir=processed,
                              notebooks_dir=NOTEBOOKS)
    wall = time.perf_counter() - start
    assert not batch.failed, [r.error for r in batch.failed]
    durations = collections.defaultdict(list)
    for (kind, params), r in zip(subset, batch.reports, strict=True):
        durations[_group(kind, params, index)].append(r.duration_s)
    counts = collections.Counter(_group(k, p, index) for k, p in pairs)
    busy = sum(counts[g] * statistics.mean(durations[g]) for g in counts)
    overhead = wall - sum(r.duration_s for r in batch.reports) / 2
    print(f"Lot pays : {len(pairs)} rapports ({dict(counts)}) ; sous-ensemble mesuré de "
          f"{len(subset)} rapports en {wall:.1f} s avec 2 processus")
    for group in counts:
        print(f"  {group:<11} {counts[group]:5d} × {statistics.mean(durations[group]):5.2f} s "
              f"(moyenne mesurée sur {len(durations[group])})")
    projected = busy / 2 + max(overhead, 0)
    print(f"  projection du lot complet, 2 processus : {projected / 60:.1f} min "
          f"(objectif < 15 min ; temps par type × nombre ÷ 2, plus le coût fixe mesuré "
          f"{max(overhead, 0):.1f} s)")
    peaks = [r.peak_rss_mb for r in batch.reports if r.peak_rss_mb]
    print(f"Mémoire : pic par rapport {min(peaks):.0f}–{max(peaks):.0f} Mio (médiane "
          f"{statistics.median(peaks):.0f}) ; processus du lot "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} Mio")
    return subset


def dask_vs_pool(processed: Path, root: Path, subset: list[tuple]) -> None:
    """The same subset on a LocalCluster of 2 workers and on the local pool of 2."""
    config = {"reports": [{"kind": k, "params": p} for k, p in subset]}
    times = {}
    for name, options in (("pool", {}), ("dask", {"dask": "local"})):
        start = time.perf_counter()
        batch = reports.run_batch(config, root / f"sous-{name}", jobs=2, force=True,
                                  processed_dir=processed, notebooks_dir=NOTEBOOKS, **options)
        times[name] = time.perf_counter() - start
        assert not batch.failed, [r.error for r in batch.failed]
    print(f"Même sous-ensemble : Dask LocalCluster (2 travailleurs) {times['dask']:.1f} s, "
          f"processus locaux (2) {times['pool']:.1f} s = {times['dask'] / times['pool']:.2f} ×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--communes", type=int, default=40)
    parser.add_argument("--warm", nargs=2, metavar=("PROCESSED", "ROOT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.warm:
        warm_times(Path(args.warm[0]), Path(args.warm[1]), args.repeat)
        return
    root = Path(tempfile.mkdtemp(prefix="bench-runs-"))
    write_sample(root / "raw")
    build_processed(root / "raw", root / "processed")
    processed = root / "processed"
    per_kind(processed, root, args.repeat)
    communes(processed, root, args.communes)
    subset = country(processed, root)
    dask_vs_pool(processed, root, subset)


if __name__ == "__main__":
    main()
