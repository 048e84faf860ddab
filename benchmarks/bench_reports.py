"""Report runs: each report against the floor, parallel batch, unchanged re-run.

Prints, in one run (medians of several runs, all measured here on the sample):
- each report kind against the floor — a notebook that only imports the libraries the reports
  use, run the same way (papermill in this process, same kernel, same HTML export); goal
  ≤ 1,5×;
- a batch with ``--jobs 2`` against ``--jobs 1`` (goal ≤ 0,6×);
- a re-run with nothing changed against the first run (goal ≤ 0,1×);
- the default batch (``pvanalysis batch``, 26 reports) re-run after one disbursement edit
  against the full batch (goal ≤ 0,2×): only the reports that read the edited row are redone.

Usage: ``python benchmarks/bench_reports.py [--repeat N] [--edit-only]`` from the repository
root.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path

import nbformat
import yaml

from pvanalysis import reports, store
from pvanalysis.build import build_processed
from pvanalysis.sample import write_sample

NOTEBOOKS = Path("notebooks")
FLOOR_IMPORTS = """import pvanalysis as pv
import pandas, geopandas, matplotlib.pyplot, seaborn, folium, mapclassify, scipy.stats
from pvanalysis import build, charts, indicators, maps, present, reports, sections, territories"""

REPORTS = [("bilan", {"period_start": 2017, "period_end": 2021}),
           ("territoire", {"level": "region", "code": "03"}),
           ("territoire", {"level": "commune", "code": "01.511.05.07"}),
           ("convention", {"convention_id": "CC-R00001"}),
           ("qualite", {}),
           ("exploration", {})]

BATCH = {"reports": [
    {"kind": "bilan", "params": {"period_start": 2017, "period_end": 2021}},
    *({"kind": "territoire", "params": {"level": "region", "code": c}}
      for c in ("01", "02", "03", "04", "06", "07")),
    *({"kind": "convention", "params": {"convention_id": f"CC-R0000{i}"}} for i in range(1, 6)),
    {"kind": "qualite"}]}


def _floor_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell('processed_dir: str = "."  # tables\n'
                                       'output_dir: str = "."  # sortie')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
    path = folder / "plancher.ipynb"
    nbformat.write(nb, path)
    return path


def _median_time(run, repeat: int) -> float:
    """Median wall time of ``run()`` over ``repeat`` runs, in seconds."""
    return statistics.median(timeit.repeat(run, number=1, repeat=repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--edit-only", action="store_true",
                        help="only the re-run after one disbursement edit")
    args = parser.parse_args()
    repeat = args.repeat
    root = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    write_sample(root / "raw")
    build_processed(root / "raw", root / "processed")
    processed, out = root / "processed", root / "out"
    if args.edit_only:
        after_edit(processed, root)
        return
    floor_nb = _floor_notebook(root)

    def floor():
        folder = out / "plancher"
        folder.mkdir(parents=True, exist_ok=True)
        status = reports.run_notebook(floor_nb, {"processed_dir": str(processed),
                                                 "output_dir": str(folder)}, folder)
        assert status[0] == "ok", status

    def report(kind, params):
        def run():
            result = reports.run_report(kind, params, out, processed, notebooks_dir=NOTEBOOKS,
                                        engine="kernel")
            assert result.ok, result.error
        return run

    floor()  # warm-up: papermill, nbconvert and the kernel spec, once per process
    report(*REPORTS[0])()
    floor_s = _median_time(floor, repeat)
    print(f"Plancher (carnet vide important les mêmes bibliothèques) : {floor_s:.2f} s "
          f"(médiane de {repeat})")
    for kind, params in REPORTS:
        t = _median_time(report(kind, params), repeat)
        label = f"{kind} {' '.join(map(str, params.values()))}".strip()
        print(f"  {label:<42} {t:6.2f} s  = {t / floor_s:4.2f} × plancher (objectif ≤ 1,5)")

    config = root / "lot.yml"
    config.write_text(yaml.safe_dump(BATCH, allow_unicode=True), encoding="utf-8")

    def batch(jobs, force, site):
        """One batch as a user runs it: the command in a fresh process."""
        command = [sys.executable, "-m", "pvanalysis.cli", "batch", "--config", str(config),
                   "--jobs", str(jobs), "--processed", str(processed), "--out", str(site)]
        start = time.perf_counter()
        done = subprocess.run(command + (["--force"] if force else []), capture_output=True,
                              text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return time.perf_counter() - start

    n = len(BATCH["reports"])
    one = batch(1, True, root / "lot1")
    two = batch(2, True, root / "lot2")
    print(f"Lot de {n} rapports (commande « pvanalysis batch ») : --jobs 1 {one:.1f} s, "
          f"--jobs 2 {two:.1f} s = {two / one:.2f} × (objectif ≤ 0,6)")
    again = statistics.median(batch(2, False, root / "lot2") for _ in range(repeat))
    print(f"Relance sans changement : {again:.2f} s contre {two:.1f} s "
          f"= {again / two:.3f} × (objectif ≤ 0,1)")
    after_edit(processed, root)


def _edit_one_disbursement(processed: Path) -> str:
    """Publish a version where one disbursement of the first royal convention is 1 000 DH
    higher (the other tables linked unchanged); return the convention."""
    version = store.current(processed)
    disb = version.read("disbursements")
    row = disb.index[disb["convention_id"] == "CC-R00001"][0]
    disb.loc[row, "amount_dh"] += 1_000
    with store.publish(processed) as draft:
        draft.link_from(version, [n for n in version.names() if n != "disbursements"])
        disb.to_parquet(draft.path / "disbursements.parquet")
        draft.manifest = {k: v for k, v in version.manifest.items()
                          if k not in ("version", "published_at", "files", "data_sha256")}
    return "CC-R00001"


def after_edit(processed: Path, root: Path) -> None:
    """The default batch in full, then re-run after one disbursement edit (command line)."""
    site = root / "defaut"

    def batch(*extra):
        command = [sys.executable, "-m", "pvanalysis.cli", "batch", "--jobs", "2",
                   "--processed", str(processed), "--out", str(site), *extra]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
        return time.perf_counter() - start, done.stdout + done.stderr

    full, _ = batch("--force")
    _edit_one_disbursement(processed)
    again, log = batch()
    redone = [line for line in log.splitlines() if "motif" in line]
    print(f"Lot par défaut ({len(log.splitlines()) - 2} rapports) : complet {full:.1f} s ; "
          f"relancé après la modification d'un déblocage {again:.1f} s = {again / full:.2f} × "
          f"(objectif ≤ 0,2) ; refaits :")
    for line in redone:
        print("   " + line.split("] ", 1)[1])


if __name__ == "__main__":
    main()
