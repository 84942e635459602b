"""Benchmark (not a test): adding a source to the index versus rebuilding it, in one run on one machine.

    python bench/bench_ingest.py [--index-dir index] [--pages 50]

On a COPY of the shipped index (never the index itself): a full `qa index build`, then `qa ingest` of
one small source (a 3-page PDF), then `qa ingest` of a PDF of `--pages` pages, each a real `qa`
process as a user runs it (so every figure includes starting Python and loading the embedder). Prints
wall and CPU seconds of each, the chunks each embedded, and the ratios: adding the small source against
the full rebuild (target ≥ 10×), and the big PDF's time per chunk against the small one's (time in
proportion to the file alone: the index's size does not enter it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCE = ("Стаття 16 Конвенції передбачає термінове збереження комп'ютерних даних, що зберігаються, "
            "включаючи дані про рух інформації, які були збережені за допомогою комп'ютерної системи. ")


def font() -> Path:
    """DejaVu Sans (Cyrillic): the system's copy or matplotlib's bundled one."""
    for place in (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"), Path("/usr/share/fonts/dejavu/DejaVuSans.ttf")):
        if place.is_file():
            return place
    import matplotlib

    return Path(matplotlib.__file__).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"


def write_pdf(path: Path, pages: int, paragraphs: int = 4) -> Path:
    """A book-like PDF (fpdf2): a heading per page, `paragraphs` paragraphs of about 500 characters each."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, 20)
    pdf.add_font("DejaVu", "", str(font()))
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("DejaVu", size=13)
        pdf.cell(0, 8, f"Розділ {page}. Збереження даних", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=11)
        for k in range(1, paragraphs + 1):
            pdf.multi_cell(0, 6, f"Абзац {k} сторінки {page}. " + SENTENCE * 2, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        pdf.set_font("DejaVu", size=9)
        pdf.text(104, 287, str(page))
    pdf.output(str(path))
    return path


def run(index_dir: Path, *args: str) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one `qa` process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(QA_INDEX_DIR=str(index_dir), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "qa", *args], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        raise SystemExit(f"qa {' '.join(args)} failed: {out.stderr.strip()}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", type=Path, default=ROOT / "index", help="the shipped index to copy")
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    from qa.indexing.index import CURRENT, current_build

    build = current_build(args.index_dir)
    if build is None:
        raise SystemExit(f"{args.index_dir}: no built index to copy (run `qa index build` first)")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        work = Path(tmp)
        index_dir = work / "index"
        index_dir.mkdir()
        shutil.copytree(build, index_dir / build.name)
        (index_dir / CURRENT).write_text(build.name, encoding="utf-8")
        small, big = write_pdf(work / "small.pdf", 3), write_pdf(work / "big.pdf", args.pages)
        full = run(index_dir, "index", "build")
        chunks_full = json.loads((current_build(index_dir) / "manifest.json").read_text())["chunk_count"]
        add_small = run(index_dir, "ingest", "--json", str(small))
        add_big = run(index_dir, "ingest", "--json", str(big))
        n_small = json.loads(add_small[2])["index"]["chunks_added"]
        n_big = json.loads(add_big[2])["index"]["chunks_added"]
        total = json.loads((current_build(index_dir) / "manifest.json").read_text())["chunk_count"]
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"full `qa index build` ({chunks_full} chunks):        wall {full[0]:6.1f} s   CPU {full[1]:6.1f} s")
    print(f"`qa ingest` 3-page PDF (+{n_small} chunks):            wall {add_small[0]:6.1f} s   CPU {add_small[1]:6.1f} s")
    print(f"`qa ingest` {args.pages}-page PDF (+{n_big} chunks):          wall {add_big[0]:6.1f} s   CPU {add_big[1]:6.1f} s"
          f"   (index now {total} chunks)")
    print(f"ratio full build / add small source: wall {full[0] / add_small[0]:.1f}×, CPU {full[1] / add_small[1]:.1f}× "
          f"(target ≥ 10×)")
    # Fixed cost (process start, embedder load, copying the index) is what the small add mostly is; the
    # big PDF's extra time over it, per extra chunk, against the full build's time per chunk:
    per_chunk_big = (add_big[1] - add_small[1]) / max(n_big - n_small, 1)
    print(f"50-page PDF: {add_big[1] - add_small[1]:.1f} s CPU more than the 3-page one for {n_big - n_small} more "
          f"chunks = {per_chunk_big * 1000:.0f} ms/chunk; full build: {full[1] / chunks_full * 1000:.0f} ms/chunk "
          f"(embedding only its own chunks: the time follows the file, not the index)")


if __name__ == "__main__":
    main()
