"""Checks of `make test-cluster` (tools/cluster/test_cluster.sh, docs/cluster.md).

  check_run.py jobs CONSOLE_LOG JOBCOMP_LOG   every job but local ones ran as a SLURM job that exited 0
  check_run.py tables LOCAL_RESULTS SLURM_RESULTS   the CSV/JSON tables of two runs are equal

Each prints one summary line and exits 0, or prints what differs and exits 1.
"""
import csv
import json
import re
import sys
from pathlib import Path

# Wall-clock measurements differ between any two runs of the same config and seed; everything else must not.
TIMING = re.compile(r"^(seconds|\w+_seconds(_\w+)?|wall\w*|elapsed\w*|hostname|host|timestamp|date)$")
SKIP_DIRS = {"benchmarks", "logs"}  # Snakemake benchmark TSVs and rule logs: timing and host by design

RULE = re.compile(r"^(local)?rule (\w+):$")
JOBID = re.compile(r"^\s+jobid: (\d+)$")
SUBMITTED = re.compile(r"^Job (\d+) has been submitted with SLURM jobid (\d+) \(log: (.+)\)\.$")
FINISHED = re.compile(r"^Finished jobid: (\d+) \(Rule: (\w+)\)$")

# One line per finished job, written by slurmctld's jobcomp/filetxt plugin (slurm.conf JobCompType/JobCompLoc):
# a structured record, unlike slurmctld.log whose start message depends on which scheduler (main, backfill) ran it.
JOBCOMP = re.compile(r"^JobId=(\d+) .*\bJobState=(\S+) .*\bNodeList=(\S*) .*\bExitCode=(\d+:\d+) *$")


def parse_console(text: str) -> tuple[dict, dict, set]:
    """(snakemake jobid -> (rule, is_local), snakemake jobid -> (slurm id, slurm log), finished jobids)."""
    jobs, slurm, finished, pending = {}, {}, set(), None
    for line in text.splitlines():
        if m := RULE.match(line):
            pending = (m.group(2), bool(m.group(1)))
        elif (m := JOBID.match(line)) and pending:
            jobs[m.group(1)], pending = pending, None
        elif m := SUBMITTED.match(line):
            slurm[m.group(1)] = (m.group(2), m.group(3))
        elif m := FINISHED.match(line):
            finished.add(m.group(1))
    return jobs, slurm, finished


def parse_jobcomp(text: str) -> dict:
    """SLURM job id -> (JobState, NodeList, ExitCode) from a jobcomp/filetxt log (the last record of each id)."""
    return {m.group(1): m.group(2, 3, 4) for line in text.splitlines() if (m := JOBCOMP.match(line))}


def check_jobs(console: Path, jobcomp: Path) -> list[str]:
    """Problems found; prints the summary line when there are none."""
    jobs, slurm, finished = parse_console(console.read_text())
    done = parse_jobcomp(jobcomp.read_text()) if jobcomp.is_file() else {}
    problems = []
    if not finished:
        problems.append(f"{console}: no finished job")
    for jid in sorted(finished, key=int):
        rule, local = jobs.get(jid, ("?", False))
        if local:
            continue
        if jid not in slurm:
            problems.append(f"job {jid} (rule {rule}) finished without a SLURM job id")
            continue
        sid, log = slurm[jid]
        if not Path(log).is_file() or f"rule {rule}:" not in Path(log).read_text():
            problems.append(f"job {jid} (rule {rule}): SLURM log {log} missing or not this rule's")
        state, nodes, code = done.get(sid, ("absent", "", ""))
        if state != "COMPLETED" or code != "0:0" or nodes in ("", "(null)"):
            problems.append(f"job {jid} (rule {rule}): SLURM job {sid} in {jobcomp.name}: "
                            f"JobState={state} NodeList={nodes} ExitCode={code} (want COMPLETED on a node, 0:0)")
    if not problems:
        n_local = sum(1 for j in finished if jobs.get(j, ("", False))[1])
        ids = sorted(int(slurm[j][0]) for j in finished if j in slurm)
        print(f"slurm jobs: {len(ids)} of {len(finished)} jobs ran as SLURM jobs (COMPLETED, exit 0:0 on a node in "
              f"{jobcomp.name}, ids {ids[0]}-{ids[-1]}); {n_local} local (target-only) rule(s)")
    return problems


def _drop_timing(obj):
    if isinstance(obj, dict):
        return {k: _drop_timing(v) for k, v in obj.items() if not TIMING.match(str(k))}
    if isinstance(obj, list):
        return [_drop_timing(v) for v in obj]
    return obj


def load_table(path: Path):
    """JSON as an object, CSV as (header, rows), both without timing keys / columns."""
    if path.suffix == ".json":
        return _drop_timing(json.loads(path.read_text()))
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    keep = [i for i, name in enumerate(rows[0] if rows else []) if not TIMING.match(name)]
    return [[row[i] for i in keep if i < len(row)] for row in rows]


def tables(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*"))
            if p.suffix in (".csv", ".json") and not SKIP_DIRS & set(p.relative_to(root).parts)}


def check_tables(local: Path, remote: Path) -> list[str]:
    a, b = tables(local), tables(remote)
    problems = [f"only in {local}: {k}" for k in sorted(a.keys() - b.keys())]
    problems += [f"only in {remote}: {k}" for k in sorted(b.keys() - a.keys())]
    problems += [f"differs: {k}" for k in sorted(a.keys() & b.keys()) if load_table(a[k]) != load_table(b[k])]
    if not a:
        problems.append(f"{local}: no CSV/JSON tables")
    if not problems:
        print(f"tables: {len(a)} CSV/JSON files equal (timing keys/columns dropped: {TIMING.pattern}; "
              f"{'/'.join(sorted(SKIP_DIRS))}/ not compared)")
    return problems


def main(argv: list[str]) -> int:
    checks = {"jobs": check_jobs, "tables": check_tables}
    if len(argv) != 3 or argv[0] not in checks:
        print("\n".join(__doc__.strip().splitlines()[2:4]), file=sys.stderr)
        return 2
    problems = checks[argv[0]](Path(argv[1]), Path(argv[2]))
    for p in problems:
        print(f"{argv[0]}: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
