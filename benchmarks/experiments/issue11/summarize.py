"""Summary table of results.jsonl, and miss analysis (found_by, per-letter confusions) of a variant's predictions."""
import json
import sys
from collections import Counter
from pathlib import Path

import pandas as pd

HERE = Path("/work/scratch/issue11")


def table():
    rows = [json.loads(l) for l in open(HERE / "results.jsonl")]
    print("| variant | trees | photo w | LOSO mean | LOSO pooled | LOSO min (signer) | dev | SL-MNIST test | size MB (joblib / z3) | fit s (fold mean) | full fit s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s = r["spec"]
        print(f"| {r['variant']} | {s['trees']} | {s['weight'][0]} {s['weight'][1]} | {100*r['loso_mean']:.1f} | {100*r['loso_pooled']:.1f} | "
              f"{100*r['loso_min']:.1f} ({r['loso_min_signer']}) | {100*r.get('dev', float('nan')):.1f} | {100*r.get('mnist_test', float('nan')):.2f} | "
              f"{r.get('size_mb', float('nan')):.0f} / {r.get('size_mb_z3', float('nan')):.0f} | {r['fit_s_mean']:.0f} | {r.get('full_train_s', float('nan')):.0f} |")
    print()
    for r in rows:
        print(r["variant"], " ".join(f"{k}:{100*v:.0f}" for k, v in r["per_signer"].items()))


def misses(name, signer=None):
    p = pd.read_parquet(HERE / "preds" / f"{name}.parquet")
    for ds, d in (("asl-hg", p[p.signer != "dev"]), ("dev", p[p.signer == "dev"])):
        d = d.assign(right=d.pred == d.letter)
        print(f"\n{name} {ds}: accuracy by found_by")
        print(d.groupby("found_by").right.agg(["count", "mean"]).round(3).to_string())
    hg = p[p.signer != "dev"]
    sg = signer or hg.assign(r=hg.pred == hg.letter).groupby("signer").r.mean().idxmin()
    d = hg[hg.signer == sg]
    print(f"\n{name} signer {sg}: accuracy {(d.pred == d.letter).mean():.3f}; per letter (right/n) and what the misses were read as:")
    for L, g in d.groupby("letter"):
        wrong = Counter(g.pred[g.pred != g.letter])
        print(f"  {L}: {(g.pred == g.letter).sum()}/{len(g)}  {dict(wrong.most_common(4))}")
    print("\nmost common confusions over all signers (true->pred):")
    w = hg[hg.pred != hg.letter]
    print(Counter(zip(w.letter, w.pred)).most_common(15))


if __name__ == "__main__":
    if len(sys.argv) == 1:
        table()
    else:
        misses(*sys.argv[1:])
