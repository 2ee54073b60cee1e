#!/usr/bin/env python3
"""A synthetic Sorts training set: the shape of binary_encoded_training_data.csv, made from a seed.

Columns (21, all numeric, label first): is_vuln, the nine git features (num_commits, num_unique_authors,
file_age, midnight_commits, risky_commits, seldom_contributors, num_lines, busy_file, commit_frequency)
and extension_0..extension_10 (an 11-bit binary code of the file extension, as category_encoders'
BinaryEncoder gives Sorts).

How a row is drawn: heavy-tailed counts (log-normal commits, lines and age), authors no more than
commits, midnight and risky commits as binomial shares of the commits, seldom contributors among the
authors, busy_file = authors > 9, commit_frequency = round(commits / age, 4) (commits when age is 0),
an extension from a skewed mix. The planted signal: the log-odds of is_vuln rise with log(num_lines),
seldom_contributors, risky commits and with some extensions, so a model can learn it but not perfectly
(cross-validated F1 lands near the 70-77% Sorts reports). Classes are balanced 1:1, as Sorts balances
positives with random negatives.

Only the standard library's `random` (Mersenne Twister, stable across Python versions for the calls
used here), so the same seed gives the same bytes anywhere.

usage: make_dataset.py [--rows 40000] [--seed 7] [-o dataset.csv]
"""
import argparse
import math
import random
import sys

FEATURES = ["num_commits", "num_unique_authors", "file_age", "midnight_commits", "risky_commits",
            "seldom_contributors", "num_lines", "busy_file", "commit_frequency"]
EXTENSION_BITS = 11
COLUMNS = ["is_vuln", *FEATURES, *(f"extension_{i}" for i in range(EXTENSION_BITS))]

# (ordinal in the extension list, weight in the mix, effect on the log-odds)
EXTENSIONS = [(1, 30, 0.5), (2, 18, 0.3), (3, 12, 0.0), (4, 10, -0.2), (5, 8, 0.6), (6, 6, -0.6), (7, 5, 0.0),
              (8, 4, -0.4), (9, 3, 0.2), (10, 2, 0.0), (11, 1, -0.8), (12, 1, 0.0)]


def poisson(rng, mean):
    """Knuth's method for small means, a rounded normal for large ones."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def binomial(rng, n, p):
    """Counts successes one by one for small n, a rounded normal for large n."""
    if n < 64:
        return sum(1 for _ in range(n) if rng.random() < p)
    return max(0, min(n, round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))


def bits(ordinal):
    """The 11-bit code of an ordinal, most significant bit first (extension_0 is the top bit)."""
    return [(ordinal >> (EXTENSION_BITS - 1 - i)) & 1 for i in range(EXTENSION_BITS)]


def draw_file(rng):
    """One file's features and the log-odds of its being vulnerable."""
    commits = max(1, round(rng.lognormvariate(1.6, 1.0)))
    authors = min(commits, 1 + poisson(rng, 0.9 * math.sqrt(commits)))
    age = max(0, round(rng.lognormvariate(6.0, 1.1)))
    midnight = binomial(rng, commits, 0.12)
    risky = binomial(rng, commits, 0.07)
    seldom = binomial(rng, authors - 1, 0.55) if authors > 1 else 0
    lines = max(1, round(rng.lognormvariate(4.6, 1.2)))
    frequency = round(commits / age, 4) if age else float(commits)
    ordinal, _, effect = rng.choices(EXTENSIONS, weights=[w for _, w, _ in EXTENSIONS])[0]
    logit = (1.25 * (math.log(lines) - 4.6) + 0.35 * (seldom - 0.8) + 0.45 * min(risky, 3) + 0.25 * math.log(commits)
             + effect + rng.gauss(0, 0.7))
    row = [commits, authors, age, midnight, risky, seldom, lines, int(authors > 9), frequency, *bits(ordinal)]
    return row, logit


def make_rows(count, seed):
    """`count` rows, half of them vulnerable, drawn from `seed`, in a shuffled order."""
    rng = random.Random(seed)
    wanted = {1: count // 2, 0: count - count // 2}
    rows = []
    while wanted[0] or wanted[1]:
        row, logit = draw_file(rng)
        label = int(rng.random() < 1 / (1 + math.exp(-(logit - 0.3))))
        if wanted[label]:
            wanted[label] -= 1
            rows.append([label, *row])
    rng.shuffle(rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000, help="rows (default 40000, Sorts' DATASET_THRESHOLD)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("-o", "--output", default="-", help="CSV file (default: standard output)")
    args = parser.parse_args(argv)
    rows = make_rows(args.rows, args.seed)
    out = sys.stdout if args.output == "-" else open(args.output, "w")
    try:
        out.write(",".join(COLUMNS) + "\n")
        for row in rows:
            out.write(",".join(str(v) for v in row) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()


if __name__ == "__main__":
    main()
