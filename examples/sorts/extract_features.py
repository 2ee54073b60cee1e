#!/usr/bin/env python3
"""Sorts' per-file features from a git repository's history, with security-fix labels.

One `git log --no-merges --numstat` pass (oldest first, renames detected) gives every file's commits;
one `git cat-file --batch` process reads the blobs whose lines are counted. Output: a CSV of Sorts'
training shape, is_vuln + nine features + extension_0..extension_10 (21 numeric columns), optionally
with the file path, its extension and the fix commit.

Features of a file, over the non-merge commits that touched it (following renames back), at a
reference time T (for files at HEAD: --now, default the current UTC time):
  num_commits         CM  how many commits touched the file
  num_unique_authors  AU  distinct authors, an author being an email's local part (before '@'): Sorts
                          merges emails whose local parts repeat, e.g. ana@corp.com and ana@users.noreply
  file_age            FA  whole days from the oldest commit (author date) to T
  midnight_commits    MC  commits whose author-local hour (the hour in the author's own time zone) is
                          in [0, 6)
  risky_commits       RC  commits whose insertions + deletions for this file exceed 200
  seldom_contributors SC  authors with fewer commits to the file than the mean commits per author
  num_lines           LC  '\\n' bytes in the file's content (HEAD's blob, which is the working tree of
                          a fresh clone)
  busy_file           BF  1 if num_unique_authors > 9, else 0
  commit_frequency    CF  round(num_commits / file_age, 4), or num_commits when file_age is 0
  extension           -   the basename's last '.'-suffix, lower-cased (the whole name when it has no
                          dot, e.g. 'makefile'), binary-encoded as an 11-bit ordinal in EXTENSIONS
                          (0 for an unknown extension), extension_0 the top bit
Rows with no history (file_age -1) or no lines (num_lines 0) are dropped, as Sorts drops them.

Labels: a commit is a security fix when its subject matches SECURITY_FIX (CVE and GHSA ids,
"security", "vulnerab", XSS, injection, buffer/integer overflows, use-after-free, DoS, XXE, path
traversal, SSRF, CSRF, RCE, ...). Each file a fix touched is a positive (is_vuln=1) whose features are
computed from the history *before* its latest fix, so the fix cannot leak into them: commits that
precede the fix in the log, T = the fix's author date, and num_lines from `<fix>^:<path>`. A fix that
created the file gives no row. Negatives (is_vuln=0) are the files at HEAD no fix touched, drawn at
random (seeded) to --negatives times the positives (Sorts' 1:1 balance), or all of them with
--negatives 0. "Before the fix" is the log's order: on a linear history exactly `git log <fix>^ --
<file>`; on a branchy one it also counts older commits of parallel branches.

Where this differs from Sorts' code (on purpose): a numstat path must equal the file's path (Sorts
tests `file in line`, which also counts files whose path ends with this one's), and renames are
followed in both numstat forms ('{old => new}' and 'old => new'; Sorts only the first).

usage: extract_features.py REPO [-o features.csv] [--now ISO] [--negatives 1] [--seed 42]
                           [--with-paths] [--no-labels]
"""
import argparse
import csv
import random
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

FEATURES = ["num_commits", "num_unique_authors", "file_age", "midnight_commits", "risky_commits",
            "seldom_contributors", "num_lines", "busy_file", "commit_frequency"]
EXTENSION_BITS = 11
COLUMNS = ["is_vuln", *FEATURES, *(f"extension_{i}" for i in range(EXTENSION_BITS))]

SECURITY_FIX = re.compile(
    r"\bCVE-\d{4}-\d{4,}|\bGHSA(?:-[0-9a-z]{4}){3}\b|securit|vulnerab|\bxss\b|cross[- ]site|\binjection\b"
    r"|\b(?:buffer|heap|stack|integer) (?:over|under)flow|use[- ]after[- ]free|denial[- ]of[- ]service|\bxxe\b"
    r"|(?:path|directory) traversal|\bssrf\b|\bcsrf\b|\brce\b|remote code execution|\bsanitiz", re.IGNORECASE)
DOS = re.compile(r"\bDoS\b")  # case-sensitive: 'dos' also means line endings

# The extension list the binary code indexes (ordinal = position + 1). Sorts fits category_encoders'
# BinaryEncoder on static/extensions.lst (809 unique extensions and script names, mostly from
# GitHub linguist); this is a shorter list of common ones with the same 11-bit width.
EXTENSIONS = """
c h cc cpp cxx hpp hh m mm cs java kt kts scala groovy gradle go rs swift py pyi pyx rb erb php phtml
js mjs cjs jsx ts tsx vue svelte coffee html htm xhtml jsp jspx asp aspx cshtml css scss sass less
sql pl pm t sh bash zsh ksh fish ps1 psm1 bat cmd vb vbs fs fsx ml mli hs lhs elm clj cljs cljc edn
ex exs erl hrl lua r jl dart nim zig d pas pp asm s f f90 for cob cbl ada adb ads tcl tf hcl
yaml yml json json5 toml ini cfg conf properties xml xsd xsl xslt wsdl plist proto thrift graphql gql
md markdown rst txt adoc tex csv tsv lock mod sum dockerfile makefile cmake mk am in ac rake gemspec
podspec cabal nix bzl bazel build workspace jenkinsfile vagrantfile gemfile rakefile procfile
""".split()
EXTENSION_ORDINAL = {ext: i + 1 for i, ext in enumerate(EXTENSIONS)}


def extension_of(path):
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower()


def extension_bits(extension):
    ordinal = EXTENSION_ORDINAL.get(extension, 0)
    return [(ordinal >> (EXTENSION_BITS - 1 - i)) & 1 for i in range(EXTENSION_BITS)]


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, "-c", "core.quotepath=false", *args], check=True,
                          capture_output=True).stdout


def unquote(path):
    """A path as git prints it: C-quoted ("a\\tb", octal escapes) when it holds unusual bytes."""
    if not path.startswith('"'):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
    return raw.decode("utf-8", "replace")


def rename_paths(field):
    """(old, new) from a numstat path: 'a/{x => y}/f', 'old => new' or a plain path."""
    if " => " not in field:
        path = unquote(field)
        return path, path
    match = re.fullmatch(r"(.*)\{(.*) => (.*)\}(.*)", field)
    if match:
        prefix, old, new, suffix = match.groups()
        join = lambda middle: re.sub("/+", "/", prefix + middle + suffix).strip("/")  # noqa: E731
        return join(old), join(new)
    old, new = field.split(" => ", 1)
    return unquote(old), unquote(new)


class Commit:
    __slots__ = ("sha", "parent", "author", "date", "hour", "fix")

    def __init__(self, sha, parent, email, iso, subject):
        self.sha, self.parent = sha, parent
        self.author = email.split("@", 1)[0]
        self.date = datetime.fromisoformat(iso).timestamp()
        self.hour = int(iso[11:13])  # the author's own local hour, from the ISO date with its offset
        self.fix = bool(SECURITY_FIX.search(subject) or DOS.search(subject))


def read_history(repo):
    """Commits oldest first, and for each file identity its (commit index, churn) list, its current path,
    and the (file id, commit index, path before the commit) of every touch by a security fix."""
    log = git(repo, "log", "--no-merges", "--numstat", "-M", "--reverse", "--format=%x1e%H%x1f%P%x1f%ae%x1f%aI%x1f%s")
    commits, histories, path_to_id, fix_touches = [], [], {}, []
    for record in log.decode("utf-8", "replace").split("\x1e")[1:]:
        header, _, body = record.partition("\n")
        sha, parents, email, iso, subject = header.split("\x1f", 4)
        commit = Commit(sha, parents.split(" ")[0] if parents else None, email, iso, subject)
        index = len(commits)
        commits.append(commit)
        for line in body.splitlines():
            if not line:
                continue
            added, deleted, field = line.split("\t", 2)
            churn = (int(added) if added != "-" else 0) + (int(deleted) if deleted != "-" else 0)
            old, new = rename_paths(field)
            file_id = path_to_id.pop(old, None) if old != new else path_to_id.get(new)
            if file_id is None:
                file_id = len(histories)
                histories.append([])
            path_to_id[new] = file_id
            histories[file_id].append((index, churn))
            if commit.fix:
                fix_touches.append((file_id, index, old))
    return commits, histories, path_to_id, fix_touches


def features(commits, history, reference, num_lines):
    """The nine features of one file from its (commit index, churn) history at reference time T."""
    per_author = {}
    for index, _ in history:
        author = commits[index].author
        per_author[author] = per_author.get(author, 0) + 1
    count = len(history)
    authors = len(per_author)
    oldest = min(commits[index].date for index, _ in history)
    age = max(0, int((reference - oldest) // 86400))
    mean = count / authors
    return {
        "num_commits": count,
        "num_unique_authors": authors,
        "file_age": age,
        "midnight_commits": sum(1 for index, _ in history if commits[index].hour < 6),
        "risky_commits": sum(1 for _, churn in history if churn > 200),
        "seldom_contributors": sum(1 for n in per_author.values() if n < mean),
        "num_lines": num_lines,
        "busy_file": int(authors > 9),
        "commit_frequency": round(count / age, 4) if age else count,
    }


def count_lines(repo, specs):
    """'\\n' counts of blobs named 'rev:path', read by one `git cat-file --batch` (None when missing)."""
    proc = subprocess.Popen(["git", "-C", repo, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def feed():
        for spec in specs:
            proc.stdin.write(spec.encode() + b"\n")
        proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    counts, out = [], proc.stdout
    for _ in specs:
        header = out.readline().split()
        if len(header) != 3:  # '<spec> missing' or 'ambiguous'
            counts.append(None)
            continue
        size = int(header[2])
        content = out.read(size)
        out.read(1)
        counts.append(content.count(b"\n") if header[1] == b"blob" else None)
    writer.join()
    proc.wait()
    return counts


def extract(repo, now=None, negatives=1.0, seed=42, labels=True):
    """Rows (dicts with the 21 columns plus 'file', 'extension' and 'commit') and a summary."""
    started = time.time()
    reference = (now or datetime.now(timezone.utc)).timestamp()
    commits, histories, path_to_id, fix_touches = read_history(repo)
    head = [p for p in git(repo, "ls-tree", "-r", "-z", "--name-only", "HEAD").decode("utf-8", "replace").split("\0") if p]

    latest_fix = {}
    if labels:
        for file_id, index, path_before in fix_touches:
            latest_fix[file_id] = (index, path_before)  # touches come oldest first: the last one wins
    id_to_path = {file_id: path for path, file_id in path_to_id.items()}
    candidates = []  # (file_id, label, commit index bound, reference time, blob spec, path, fix sha)
    for file_id, (index, path_before) in latest_fix.items():
        fix = commits[index]
        if fix.parent is None:
            continue
        path = id_to_path.get(file_id, path_before)
        candidates.append((file_id, 1, index, fix.date, f"{fix.parent}:{path_before}", path, fix.sha))
    for path in head:
        file_id = path_to_id.get(path)
        if file_id is not None and file_id not in latest_fix:
            candidates.append((file_id, 0, len(commits), reference, f"HEAD:{path}", path, ""))

    lines = count_lines(repo, [c[4] for c in candidates]) if candidates else []
    rows = []
    for (file_id, label, bound, when, _, path, sha), num_lines in zip(candidates, lines):
        history = [h for h in histories[file_id] if h[0] < bound]
        if not history or not num_lines:
            continue  # Sorts drops rows with file_age -1 (no history) and num_lines 0
        extension = extension_of(path)
        row = {"is_vuln": label, **features(commits, history, when, num_lines)}
        row.update({f"extension_{i}": bit for i, bit in enumerate(extension_bits(extension))})
        row.update(file=path, extension=extension, commit=sha)
        rows.append(row)
    featurized = len(rows)
    positives = [r for r in rows if r["is_vuln"]]
    negative_rows = [r for r in rows if not r["is_vuln"]]
    if labels and negatives > 0 and positives:
        keep = min(len(negative_rows), round(len(positives) * negatives))
        negative_rows = random.Random(seed).sample(negative_rows, keep)
    rows = positives + negative_rows
    seconds = time.time() - started
    summary = {"commits": len(commits), "fix_commits": sum(c.fix for c in commits), "head_files": len(head),
               "featurized": featurized, "positives": len(positives), "negatives": len(negative_rows),
               "seconds": seconds, "files_per_second": featurized / seconds if seconds else float("inf")}
    return rows, summary


def write_csv(rows, handle, with_paths=False):
    columns = COLUMNS + (["file", "extension", "commit"] if with_paths else [])
    writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("-o", "--output", default="-", help="CSV file (default: standard output)")
    parser.add_argument("--now", help="reference time for files at HEAD, ISO 8601 (default: now, UTC)")
    parser.add_argument("--negatives", type=float, default=1.0,
                        help="negatives per positive, drawn at random (default 1, Sorts' balance; 0: every one)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--with-paths", action="store_true", help="also write file, extension and commit columns")
    parser.add_argument("--no-labels", action="store_true", help="every file at HEAD as is_vuln=0 (for prediction)")
    args = parser.parse_args(argv)
    now = datetime.fromisoformat(args.now) if args.now else None
    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    rows, summary = extract(args.repo, now=now, negatives=args.negatives, seed=args.seed, labels=not args.no_labels)
    if args.output == "-":
        write_csv(rows, sys.stdout, args.with_paths)
    else:
        with open(args.output, "w", newline="") as handle:
            write_csv(rows, handle, args.with_paths)
    print(f"extract_features: {summary['commits']} commits ({summary['fix_commits']} security fixes), "
          f"{summary['head_files']} files at HEAD; {summary['featurized']} files featurized in "
          f"{summary['seconds']:.2f} s ({summary['files_per_second']:.0f} files/s); wrote {summary['positives']} "
          f"positives and {summary['negatives']} negatives", file=sys.stderr)


if __name__ == "__main__":
    main()
