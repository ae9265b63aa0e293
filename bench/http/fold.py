"""Folds async-profiler's collapsed stacks into a small file for the repo.

Reads collapsed stacks (one "frame;frame;... count" line per stack) on stdin and writes them to
stdout with lambdas' and hidden classes' addresses merged (so one lambda is one frame across
runs) and thread ids dropped, stacks cut at 60 frames, and every stack under 0.1% of the samples folded into its first 8
frames plus "[small stacks]": the profile keeps its shape and stays a few hundred lines.
"""
import collections
import re
import sys

DEPTH, SMALL_SHARE, SMALL_DEPTH = 60, 0.001, 8
THREAD_ID = re.compile(r" tid=\d+\]$")
ADDRESS = re.compile(r"(\$\$Lambda\$\d+|\$\$Lambda)(/0x[0-9a-f]+|\.0x[0-9a-f]+)?|0x[0-9a-f]{8,}")


def frames(stack):
    thread, *rest = stack.split(";")
    merged = [ADDRESS.sub(lambda m: "$$Lambda" if m.group(0).startswith("$$") else "0x", f) for f in rest]
    return [THREAD_ID.sub("]", thread)] + merged[:DEPTH - 1]


def main():
    merged = collections.Counter()
    for line in sys.stdin:
        stack, _, count = line.rstrip("\n").rpartition(" ")
        if stack and count.isdigit():
            merged[tuple(frames(stack))] += int(count)
    total = sum(merged.values()) or 1
    folded = collections.Counter()
    for stack, count in merged.items():
        if count / total < SMALL_SHARE:
            stack = stack[:SMALL_DEPTH] + ("[small stacks]",)
        folded[stack] += count
    for stack, count in sorted(folded.items()):
        print(";".join(stack), count)


if __name__ == "__main__":
    main()
