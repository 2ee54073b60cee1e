#!/usr/bin/env python3
"""A synthetic git repository with a long history, for measuring extract_features.py (files/s).

`git fast-import` writes it in seconds: COMMITS commits over FILES source files, by a pool of authors
in several time zones (some working past midnight), with big and small edits, renames, and about one
commit in 60 whose subject names a security fix (CVE ids, XSS, injection, ...). Deterministic from
--seed.

usage: make_repo.py DIR [--commits 5000] [--files 2000] [--seed 1]
"""
import argparse
import random
import subprocess
from pathlib import Path

SUBJECTS = ["Refactor {m}", "Fix typo in {m}", "Add tests for {m}", "Update {m} docs", "Speed up {m}",
            "Handle empty input in {m}", "Bump dependencies", "Clean up {m}"]
FIX_SUBJECTS = ["Fix XSS in {m} templates", "Fix SQL injection in {m}", "Security: validate {m} paths",
                "Fix CVE-2021-{n} in {m}", "Prevent path traversal in {m}", "Fix buffer overflow in {m} parser"]
EXTENSIONS = ["py", "java", "js", "ts", "go", "c", "h", "rb", "php", "yml", "md", "json"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--commits", type=int, default=5000)
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    repo = Path(args.directory)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    authors = [(f"dev{i}", f"dev{i}@example.com", rng.choice(["+0000", "-0500", "+0100", "+0530", "-0800"]))
               for i in range(40)]
    weights = [1 / (i + 1) for i in range(len(authors))]
    files, sizes = [], {}
    time = 1_500_000_000
    out = []
    for n in range(args.commits):
        time += rng.randint(600, 40_000)
        name, email, zone = rng.choices(authors, weights)[0]
        module = f"mod{rng.randrange(50)}"
        fix = rng.random() < 1 / 60
        subject = rng.choice(FIX_SUBJECTS if fix else SUBJECTS).format(m=module, n=1000 + n)
        ops = []
        if len(files) < args.files and (rng.random() < 0.6 or not files):
            for _ in range(rng.randint(1, 4)):
                path = f"src/{module}/f{len(files)}.{rng.choice(EXTENSIONS)}"
                files.append(path)
                sizes[path] = rng.randint(5, 400)
                ops.append(("M", path, sizes[path]))
        for _ in range(rng.choice([1, 1, 2, 3, 5])):
            path = rng.choice(files)
            if any(op[1] == path for op in ops):
                continue
            if rng.random() < 0.01:
                new = path.replace("/f", "/renamed_f", 1)
                if new not in sizes:
                    ops.append(("R", path, new))
                    files[files.index(path)] = new
                    sizes[new] = sizes.pop(path)
                    continue
            sizes[path] = max(1, sizes[path] + rng.choice([-3, 2, 5, 10, 20, 250]))
            ops.append(("M", path, sizes[path]))
        message = subject.encode()
        out.append(f"commit refs/heads/main\nmark :{n + 1}\n".encode())
        out.append(f"author {name} <{email}> {time} {zone}\ncommitter {name} <{email}> {time} {zone}\n".encode())
        out.append(f"data {len(message)}\n".encode() + message + b"\n")
        if n:
            out.append(f"from :{n}\n".encode())
        for op in ops:
            if op[0] == "R":
                out.append(f"R {op[1]} {op[2]}\n".encode())
            else:
                body = ("".join(f"line {i} of {op[1]}\n" for i in range(op[2])) + f"revision {n}\n").encode()
                out.append(f"M 100644 inline {op[1]}\ndata {len(body)}\n".encode() + body + b"\n")
        out.append(b"\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], input=b"".join(out), check=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "main"], check=True)
    print(f"make_repo: {args.commits} commits, {len(files)} files in {repo}")


if __name__ == "__main__":
    main()
