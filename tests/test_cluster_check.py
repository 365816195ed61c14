"""The checks `make test-cluster` relies on (tools/cluster/check_run.py) catch what they are for: a job that did
not run through SLURM or did not exit 0, a table that differs; and they ignore only wall-clock timings."""
import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("check_run", REPO / "tools" / "cluster" / "check_run.py")
check_run = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_run)


def _console(tmp_path, slurm_ids: dict) -> Path:
    """A Snakemake console log: jobs 1 (rule a) and 2 (rule b) via SLURM, job 0 the local target rule."""
    lines = []
    for jid, rule in (("1", "a"), ("2", "b")):
        lines += [f"rule {rule}:", f"    jobid: {jid}"]
        if jid in slurm_ids:
            log = tmp_path / f"{slurm_ids[jid]}.log"
            log.write_text(f"rule {rule}:\n")
            lines.append(f"Job {jid} has been submitted with SLURM jobid {slurm_ids[jid]} (log: {log}).")
        lines.append(f"Finished jobid: {jid} (Rule: {rule})")
    lines += ["localrule all:", "    jobid: 0", "Finished jobid: 0 (Rule: all)"]
    path = tmp_path / "console.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def _ctld(tmp_path, exits: dict, backfilled=()) -> Path:
    """slurmctld.log: each job started by the main scheduler, or by backfill for ids in `backfilled`, then its exit."""
    def start(s):
        return (f"[t] sched/backfill: _start_job: Started JobId={s} in debug on n1\n" if s in backfilled
                else f"[t] sched: Allocate JobId={s} NodeList=n1 #CPUs=1 Partition=debug\n")
    path = tmp_path / "slurmctld.log"
    path.write_text("".join(start(s) + f"[t] _job_complete: JobId={s} WEXITSTATUS {rc}\n" for s, rc in exits.items()))
    return path


def test_jobs_pass_when_every_job_ran_through_slurm(tmp_path, capsys):
    assert check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), _ctld(tmp_path, {"7": 0, "8": 0})) == []
    assert "2 of 3 jobs ran as SLURM jobs" in capsys.readouterr().out


def test_jobs_pass_when_the_backfill_scheduler_started_a_job(tmp_path, capsys):
    ctld = _ctld(tmp_path, {"7": 0, "8": 0}, backfilled={"8"})
    assert check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), ctld) == []
    assert "2 of 3 jobs ran as SLURM jobs" in capsys.readouterr().out


def test_jobs_fail_for_a_job_slurmctld_never_started(tmp_path):
    ctld = tmp_path / "slurmctld.log"
    ctld.write_text("[t] sched: Allocate JobId=7 NodeList=n1 #CPUs=1 Partition=debug\n"
                    "[t] _job_complete: JobId=7 WEXITSTATUS 0\n[t] _job_complete: JobId=8 WEXITSTATUS 0\n"
                    "[t] sched/backfill: _start_job: Started JobId=80 in debug on n1\n")
    assert check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), ctld) == [
        "job 2 (rule b): slurmctld has no allocation + exit 0 for JobId=8"]


def test_jobs_fail_for_a_local_job_or_a_nonzero_exit(tmp_path):
    local = check_run.check_jobs(_console(tmp_path, {"1": "7"}), _ctld(tmp_path, {"7": 0}))
    assert local == ["job 2 (rule b) finished without a SLURM job id"]
    failed = check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), _ctld(tmp_path, {"7": 0, "8": 1}))
    assert failed == ["job 2 (rule b): slurmctld has no allocation + exit 0 for JobId=8"]


def _results(root: Path, acc: float, seconds: float) -> Path:
    (root / "nn" / "logs").mkdir(parents=True)
    (root / "nn" / "metrics.json").write_text(json.dumps(
        {"acc": acc, "history": [{"loss": 1.0, "seconds": seconds}], "train_seconds_this_run": seconds}))
    (root / "nn" / "table.csv").write_text(f"method,acc,mc_seconds\nscaledrop,{acc},{seconds}\n")
    (root / "nn" / "logs" / "train.json").write_text(json.dumps({"host": str(seconds)}))
    return root


def test_tables_equal_up_to_timings(tmp_path):
    a = _results(tmp_path / "a", 0.9, 1.5)
    b = _results(tmp_path / "b", 0.9, 7.25)
    assert check_run.check_tables(a, b) == []


def test_tables_differ_on_a_result_or_a_missing_file(tmp_path):
    a = _results(tmp_path / "a", 0.9, 1.5)
    b = _results(tmp_path / "b", 0.91, 1.5)
    assert check_run.check_tables(a, b) == ["differs: nn/metrics.json", "differs: nn/table.csv"]
    (b / "nn" / "table.csv").unlink()
    assert check_run.check_tables(a, b)[0] == f"only in {a}: nn/table.csv"
