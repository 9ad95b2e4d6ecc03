"""``python -m tests.support.fake_llm --latency 1 --rpm-cap 60``: the fake, standalone (the
benchmarks drive it from outside)."""

from __future__ import annotations

import argparse
import time

from tests.support.fake_llm import __doc__ as about
from tests.support.fake_llm.server import FakeLLM


def main() -> None:
    parser = argparse.ArgumentParser(description=about)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--jitter", type=float, default=0.2)
    parser.add_argument("--rpm-cap", type=int, default=None)
    parser.add_argument("--parallel", type=int, default=None, help="slots; the rest queue")
    parser.add_argument("--variable", action="store_true", help="answers of different lengths")
    args = parser.parse_args()
    fake = FakeLLM(
        latency=args.latency,
        jitter=args.jitter,
        rpm_cap=args.rpm_cap,
        parallel=args.parallel,
        variable=args.variable,
    ).start()
    print(fake.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
