"""PDF edition of a report against the report itself.

Prints, in one run (medians of several runs, all measured here on the sample), for the
national bilan, a region sheet and a convention dashboard:
- the HTML report's time (``run_report``: fresh child of the warm fork server, cells,
  HTML export, workbook, figures as PNG and SVG);
- the PDF edition's time on that report's page (``editions.write_pdf``: WeasyPrint, print
  stylesheet, PDF/A-3b), and its ratio to the HTML report (goal ≤ 0,5×);
- the report run with ``editions=["html", "pdf"]`` for comparison (what ``--pdf`` costs
  end to end).

Usage: ``python benchmarks/bench_editions.py [--repeat N] [--processed DIR]`` from the
repository root (without ``--processed``, the sample is written and built first).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pvanalysis import reports
from pvanalysis.build import build_processed
from pvanalysis.reports import editions
from pvanalysis.sample import write_sample

REPORTS = [("bilan", {"period_start": 2017, "period_end": 2021}),
           ("territoire", {"level": "region", "code": "03"}),
           ("convention", {"convention_id": "CC-R00001"})]


def _report_s(kind, params, out, processed, pdf: bool) -> tuple[float, Path]:
    start = time.perf_counter()
    result = reports.run_report(kind, params, out, processed,
                                editions=["html", "pdf"] if pdf else None)
    elapsed = time.perf_counter() - start
    if not result.ok:
        raise SystemExit(f"{result.report_id} : {result.error}")
    return elapsed, out / result.report_id / reports.HTML_NAME


def _pdf_s(page: Path, target: Path) -> float:
    start = time.perf_counter()
    editions.write_pdf(page, target)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument("--processed", type=Path, default=None, help="built processed store")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        processed = args.processed
        if processed is None:
            write_sample(tmp / "raw")
            build_processed(tmp / "raw", tmp / "processed")
            processed = tmp / "processed"
        # warm the fork server, and WeasyPrint in this process (as the server has it)
        _, warm = _report_s(*REPORTS[1], tmp / "chauffe", processed, pdf=True)
        _pdf_s(warm, tmp / "chauffe.pdf")
        print(f"{'rapport':<34} {'HTML (s)':>9} {'PDF (s)':>8} {'PDF/HTML':>9} "
              f"{'HTML+PDF (s)':>13}")
        ratios = []
        for kind, params in REPORTS:
            html_runs, pdf_runs, both_runs, page = [], [], [], None
            for i in range(args.repeat):
                elapsed, page = _report_s(kind, params, tmp / f"html{i}", processed, pdf=False)
                html_runs.append(elapsed)
                pdf_runs.append(_pdf_s(page, tmp / f"edition{i}.pdf"))
                both_runs.append(_report_s(kind, params, tmp / f"pdf{i}", processed,
                                           pdf=True)[0])
            html_s, pdf_s = statistics.median(html_runs), statistics.median(pdf_runs)
            ratios.append(pdf_s / html_s)
            name = reports.report_id(kind, params)
            print(f"{name:<34} {html_s:>9.2f} {pdf_s:>8.2f} {pdf_s / html_s:>8.2f}× "
                  f"{statistics.median(both_runs):>13.2f}")
        print(f"PDF edition / HTML report, median over the reports: "
              f"{statistics.median(ratios):.2f}× (goal ≤ 0,5×)")


if __name__ == "__main__":
    main()
