"""Where a cold `asl predict IMAGE` spends its time, in one fresh process (issue 13).

Usage: python benchmarks/startup.py IMAGE --model MODEL [--mode auto|crop] [--warm N]

Prints one JSON object: seconds to import what `asl predict` imports, to load the model (and build
the landmark models it reads with), to read the first image (decoding included) and the median
of ``--warm`` further reads of the same image in the same process (the per-image latency of a
long-running reader). The interpreter's own start is not inside; the benchmark times the whole
command from outside as well.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

started = time.perf_counter()
import argparse  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", type=Path)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--mode", default="auto")
    parser.add_argument("--warm", type=int, default=10)
    args = parser.parse_args()

    t = time.perf_counter()
    import asl.cli  # noqa: F401  what the `asl` entry point imports
    from asl.images import read_image
    from asl.predictors import load_predictor
    imports = time.perf_counter() - t

    t = time.perf_counter()
    predictor = load_predictor([args.model], mode=args.mode)
    load = time.perf_counter() - t

    t = time.perf_counter()
    reading = predictor.read([read_image(args.image)])[0]
    first = time.perf_counter() - t

    warm = []
    image = read_image(args.image)
    for _ in range(args.warm):
        t = time.perf_counter()
        predictor.read([image])
        warm.append(time.perf_counter() - t)
    print(json.dumps({"imports": imports, "model_load": load, "first_image": first,
                      "warm_image_median": statistics.median(warm) if warm else None,
                      "in_process_total": imports + load + first, "letter": reading.letter,
                      "found_by": reading.found_by, "since_script_start": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
