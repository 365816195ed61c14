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


def _jobcomp(tmp_path, records: dict) -> Path:
    """A jobcomp/filetxt log as slurmctld 22.05 writes it (each record ends in a blank): SLURM id -> (JobState,
    ExitCode)."""
    path = tmp_path / "jobcomp.log"
    path.write_text("".join(
        f"JobId={s} UserId=root(0) GroupId=root(0) Name=snakejob JobState={state} Partition=debug "
        f"TimeLimit=UNLIMITED StartTime=2026-11-30T14:42:14 EndTime=2026-11-30T14:42:23 NodeList=n1 NodeCnt=1 "
        f"ProcCnt=1 WorkDir=/w ReservationName= Tres=cpu=1,mem=1000M,node=1,billing=1 Account= QOS= WcKey= "
        f"Cluster=scaledrop-test SubmitTime=2026-11-30T14:42:13 EligibleTime=2026-11-30T14:42:13 "
        f"DerivedExitCode=0:0 ExitCode={code} \n" for s, (state, code) in records.items()))
    return path


def test_jobs_pass_when_every_job_ran_through_slurm(tmp_path, capsys):
    done = _jobcomp(tmp_path, {"7": ("COMPLETED", "0:0"), "8": ("COMPLETED", "0:0")})
    assert check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), done) == []
    assert "2 of 3 jobs ran as SLURM jobs" in capsys.readouterr().out


def test_jobs_fail_for_a_local_job_a_failed_or_a_missing_record(tmp_path):
    ok = ("COMPLETED", "0:0")
    local = check_run.check_jobs(_console(tmp_path, {"1": "7"}), _jobcomp(tmp_path, {"7": ok}))
    assert local == ["job 2 (rule b) finished without a SLURM job id"]
    failed = check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}),
                                  _jobcomp(tmp_path, {"7": ok, "8": ("FAILED", "1:0")}))
    assert failed == ["job 2 (rule b): SLURM job 8 in jobcomp.log: JobState=FAILED NodeList=n1 ExitCode=1:0 "
                      "(want COMPLETED on a node, 0:0)"]
    missing = check_run.check_jobs(_console(tmp_path, {"1": "7", "2": "8"}), _jobcomp(tmp_path, {"7": ok, "80": ok}))
    assert missing == ["job 2 (rule b): SLURM job 8 in jobcomp.log: JobState=absent NodeList= ExitCode= "
                       "(want COMPLETED on a node, 0:0)"]


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
