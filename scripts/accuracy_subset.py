#!/usr/bin/env python3
"""Accuracy of `gpu-advisor validate --cv source --format json` on a subset of the cases.

The headline figures of README.md cover every row of data/validation; rows were added after
issue 11 was filed (our H200 run, published_2026.jsonl), so "no worse than when it was
filed" is judged on the rows that existed then. This script reads the validate JSON and
prints, for the cases whose ids are in the chosen subset, the in-sample and held-out median
and p90 of |predicted / measured - 1| and the share of measured values inside the held-out
range; memory counts each case once by the reading it states, as `validate` does, and
memory_every_reading every reading of it. The fit lines count the verdicts right: of the
out-of-memory / longest-sequence rows ("fit") and of the completed runs, which should not
be called "does not fit" ("fit, runs that ran").

  ./build/gpu-advisor validate --cv source --format json > /tmp/cv.json
  python3 scripts/accuracy_subset.py /tmp/cv.json --ids-at 8f3376d^   # rows when issue 11 was filed
  python3 scripts/accuracy_subset.py /tmp/cv.json --exclude-prefix H200-  # without the H200 run
"""
import argparse
import json
import subprocess
import sys


def percentile(values, q):
    """Linear interpolation between closest ranks (numpy's default), as validate/stats.cc."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * q
    f = int(k)
    c = min(f + 1, len(v) - 1)
    return v[f] + (v[c] - v[f]) * (k - f)


def ids_at(rev):
    """Case ids of data/validation/*.jsonl at git revision `rev`."""
    files = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "data/validation/"],
                           capture_output=True, text=True, check=True).stdout.split()
    ids = set()
    for f in files:
        if not f.endswith(".jsonl"):
            continue
        text = subprocess.run(["git", "show", f"{rev}:{f}"], capture_output=True, text=True,
                              check=True).stdout
        ids.update(json.loads(line)["id"] for line in text.splitlines() if line.strip())
    return ids


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("validate_json")
    ap.add_argument("--ids-at", help="keep the cases that data/validation had at this git rev")
    ap.add_argument("--exclude-prefix", action="append", default=[],
                    help="drop cases whose id starts with this (repeatable)")
    ap.add_argument("--only-prefix", action="append", default=[],
                    help="keep only cases whose id starts with this (repeatable)")
    args = ap.parse_args()
    cases = json.load(open(args.validate_json))["cases"]
    keep = ids_at(args.ids_at) if args.ids_at else None

    def kept(c):
        if keep is not None and c["id"] not in keep:
            return False
        if any(c["id"].startswith(p) for p in args.exclude_prefix):
            return False
        return not args.only_prefix or any(c["id"].startswith(p) for p in args.only_prefix)

    print(f"{'quantity':<20} {'n':>4}  {'in-sample median / p90':>23}  "
          f"{'held out median / p90':>22}  {'in range':>8}")
    # memory: each case once, by the reading it states (as validate's headline);
    # memory_every_reading: the further readings of the same run (reserved, NVML) too.
    for quantity in ("memory", "memory_every_reading", "throughput"):
        ins, cv, cv_cov = [], [], []
        for c in cases:
            if not kept(c):
                continue
            for m in c.get("comparisons") or []:
                if m.get("error") is None:
                    continue
                if m.get("quantity") != quantity.replace("_every_reading", ""):
                    continue
                if quantity == "memory" and m.get("extra_reading"):
                    continue
                ins.append(abs(m["error"]))
                if m.get("cv_error") is not None:
                    cv.append(abs(m["cv_error"]))
                if m.get("cv_in_range") is not None:
                    cv_cov.append(bool(m["cv_in_range"]))
        if not ins:
            continue
        share = lambda v: f"{100 * sum(v) / len(v):.1f}%" if v else "-"
        print(f"{quantity:<20} {len(ins):>4}  {100 * percentile(ins, 0.5):>10.1f}% / "
              f"{100 * percentile(ins, 0.9):>5.1f}%  "
              f"{100 * percentile(cv, 0.5):>9.1f}% / {100 * percentile(cv, 0.9):>5.1f}%  "
              f"{share(cv_cov):>8}")
    for label, ran in (("fit", False), ("fit, runs that ran", True)):
        verdicts = [bool(m.get("correct")) for c in cases if kept(c)
                    for m in c.get("comparisons") or []
                    if m.get("quantity") == "fit" and bool(m.get("ran")) == ran]
        if verdicts:
            print(f"{label:<20} {len(verdicts):>4}  right {sum(verdicts)} "
                  f"({100 * sum(verdicts) / len(verdicts):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
