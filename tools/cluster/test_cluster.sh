#!/usr/bin/env bash
# make test-cluster: the smoke pipeline through workflow/profiles/slurm on a single-node SLURM on this machine
# (docs/cluster.md). Steps: install slurm-wlm + munge (apt) and the executor plugin (.venv); write a loopback-only
# slurm.conf under $CLUSTER_DIR; start munged, slurmctld, slurmd; wait for the node to be idle; run the smoke config
# locally and through SLURM; check every job ran as a SLURM job and the tables are equal; scancel one running job
# (the run must fail naming the rule) and rerun (must complete). The daemons it started are stopped by their pid
# files on every exit. Root is used only for apt and the daemons.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
D=${CLUSTER_DIR:-$REPO/build/cluster}
BOUND=${CLUSTER_DAEMON_TIMEOUT:-60}   # seconds each daemon (and the node) gets to come up
KILL_RULE=${CLUSTER_KILL_RULE:-train} # rule whose running job the scancel step kills
SMOKE=$REPO/config/smoke.yaml
PY=$REPO/.venv/bin/python
SM=$REPO/.venv/bin/snakemake
CHECK="$PY $REPO/tools/cluster/check_run.py"
HOST=$(hostname -s)
SUDO=
SM_PID=

say() { echo "test-cluster: $*"; }
DIED=
die() { echo "test-cluster: $*" >&2; DIED=1; exit 1; }

# --- root and packages -------------------------------------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
  sudo -n true 2>/dev/null || die "needs root (or passwordless sudo) for apt and the munge/SLURM daemons"
  SUDO="sudo -n"
fi
missing=""
for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || die "no apt-get to install$missing"
  say "apt: installing$missing"
  $SUDO apt-get update -q >/dev/null || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing >/dev/null || die "apt-get install$missing failed"
fi
"$PY" -m pip install -q -r "$REPO/workflow/profiles/slurm/requirements.txt" 2>&1 | grep -v "is ignored" || true
"$PY" -c "import snakemake_executor_plugin_slurm" 2>/dev/null || die "snakemake-executor-plugin-slurm not installed in .venv"

# --- daemons: stopped by their pid files, also on failure ------------------------------------------------------
alive() {  # alive PIDFILE NAME: the pid in PIDFILE runs a process named NAME (not a recycled pid)
  [ -s "$1" ] && [ "$(cat "/proc/$(cat "$1")/comm" 2>/dev/null)" = "$2" ]
}
stop_pidfile() {  # stop_pidfile FILE NAME: TERM, wait up to 15 s, then KILL the daemon whose pid FILE holds
  local f=$1 pid i
  alive "$f" "$2" || { $SUDO rm -f "$f"; return 0; }
  pid=$(cat "$f")
  $SUDO kill "$pid" 2>/dev/null || true
  for i in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -0 "$pid" 2>/dev/null && $SUDO kill -9 "$pid" 2>/dev/null || true
  $SUDO rm -f "$f"
}
stop_all() {
  if [ -n "$SM_PID" ] && kill -0 "$SM_PID" 2>/dev/null; then kill "$SM_PID" 2>/dev/null || true; wait "$SM_PID" 2>/dev/null || true; fi
  if alive "$D/slurm/slurmctld.pid" slurmctld; then  # jobs still running would leave slurmstepd behind slurmd
    scancel --partition="${PART:-debug}" 2>/dev/null || true
    for _ in $(seq 20); do [ -z "$(squeue -h -t RUNNING,COMPLETING 2>/dev/null)" ] && break; sleep 0.5; done
  fi
  stop_pidfile "$D/slurm/slurmd.pid" slurmd
  stop_pidfile "$D/slurm/slurmctld.pid" slurmctld
  stop_pidfile "$D/munge/munged.pid" munged
}
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  [ $rc = 0 ] || [ -n "$DIED" ] || echo "test-cluster: FAILED (rc $rc); logs under $D" >&2
  exit $rc
}
wait_for() {  # wait_for WHAT LOG CMD...: poll CMD for up to $BOUND s, else stop naming WHAT
  local what=$1 log=$2 i; shift 2
  for i in $(seq $((BOUND * 2))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what did not come up within $BOUND s (log: $log)"
}

export SLURM_CONF=$D/slurm/slurm.conf
stop_all  # leftovers of an earlier, interrupted run (same pid files): idempotent
trap on_exit EXIT
trap 'exit 130' INT TERM

# --- config: everything under $D, every address loopback -------------------------------------------------------
$SUDO rm -rf "$D/slurm" "$D/munge" "$D/bin"
mkdir -p "$D/slurm/state" "$D/slurm/spool" "$D/slurm/log" "$D/munge" "$D/bin"
chmod 755 "$D/munge"   # munged: the socket's directory must be searchable by everyone
dd if=/dev/urandom of="$D/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$D/munge/munge.key"
MEM=$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)
cat > "$SLURM_CONF" <<EOF
# Written by tools/cluster/test_cluster.sh: single node, loopback only, no accounting.
ClusterName=scaledrop-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$D/slurm/state
SlurmdSpoolDir=$D/slurm/spool
SlurmctldPidFile=$D/slurm/slurmctld.pid
SlurmdPidFile=$D/slurm/slurmd.pid
SlurmctldLogFile=$D/slurm/log/slurmctld.log
SlurmdLogFile=$D/slurm/log/slurmd.log
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$D/slurm/log/jobcomp.log
MpiDefault=none
ReturnToService=2
MinJobAge=300
NodeName=$HOST NodeAddr=127.0.0.1 NodeHostname=$HOST CPUs=$(nproc) RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
# The slurm-jobstep plugin drops every SLURM_* variable (SLURM_CONF too) before its srun inside the job; a real
# cluster's srun finds /etc/slurm/slurm.conf, this one's finds its config through this wrapper on PATH.
printf '#!/bin/sh\nSLURM_CONF=%s exec %s "$@"\n' "$SLURM_CONF" "$(command -v srun)" > "$D/bin/srun"
chmod +x "$D/bin/srun"

# --- start -----------------------------------------------------------------------------------------------------
$SUDO munged --key-file="$D/munge/munge.key" --socket="$D/munge/munge.socket" --pid-file="$D/munge/munged.pid" \
  --log-file="$D/munge/munged.log" --seed-file="$D/munge/munged.seed" --origin=127.0.0.1 \
  || die "munged did not start (log: $D/munge/munged.log)"
munge_ok() { munge -n -S "$D/munge/munge.socket" | unmunge -S "$D/munge/munge.socket"; }
wait_for munged "$D/munge/munged.log" munge_ok
$SUDO slurmctld -f "$SLURM_CONF" || die "slurmctld did not start (log: $D/slurm/log/slurmctld.log)"
wait_for slurmctld "$D/slurm/log/slurmctld.log" scontrol ping
$SUDO slurmd -f "$SLURM_CONF" -N "$HOST" || die "slurmd did not start (log: $D/slurm/log/slurmd.log)"
node_idle() { [ "$(sinfo -h -N -n "$HOST" -o %T)" = idle ]; }
wait_for "slurmd (node $HOST idle)" "$D/slurm/log/slurmd.log" node_idle
PART=$(sinfo -h -o %P | head -n1 | tr -d '*')
say "cluster up: node $HOST idle, partition $PART ($(nproc) CPUs, $MEM MB)"

# --- profile layer with the partition sinfo found (default-resources is replaced as a whole, so it is copied) ---
mkdir -p "$D/partition"
"$PY" - "$REPO/workflow/profiles/slurm/config.yaml" "$PART" > "$D/partition/config.yaml" <<'EOF'
import sys, yaml
res = dict(yaml.safe_load(open(sys.argv[1]))["default-resources"], slurm_partition=sys.argv[2])
print(yaml.safe_dump({"default-resources": res}, sort_keys=False), end="")
EOF
PROFILES=(--profile "$REPO/workflow/profiles/slurm" --profile "$REPO/workflow/profiles/slurm-test"
          --profile "$D/partition")
export PATH=$D/bin:$PATH PYTHONPATH=$REPO${PYTHONPATH:+:$PYTHONPATH} OMP_NUM_THREADS=1
SMK=("$SM" -s "$REPO/Snakefile" --configfile "$SMOKE")

# --- local reference run (reused while the pipeline's files are unchanged; rm -rf $D/local to force one) --------
stamp=$(cd "$REPO" && git ls-files -co --exclude-standard -- Snakefile workflow/rules workflow/scripts \
        workflow/schemas workflow/report config devices nn cim netlists | sort | xargs sha256sum | sha256sum | cut -c1-16)
if [ "$(cat "$D/local/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "local smoke run: reused ($D/local: same pipeline files)"
else
  rm -rf "$D/local"; mkdir -p "$D/local"; SECONDS=0
  "${SMK[@]}" --directory "$D/local" --cores 1 > "$D/local.log" 2>&1 || die "local smoke run failed (log: $D/local.log)"
  echo "$stamp" > "$D/local/.stamp"
  say "local smoke run: ${SECONDS} s"
fi

# --- cluster run from a clean results/ ---------------------------------------------------------------------------
rm -rf "$D/run"; mkdir -p "$D/run"; SECONDS=0
"${SMK[@]}" "${PROFILES[@]}" --directory "$D/run" > "$D/run.log" 2>&1 || die "SLURM smoke run failed (log: $D/run.log)"
say "SLURM smoke run: ${SECONDS} s wall"
$CHECK jobs "$D/run.log" "$D/slurm/log/jobcomp.log"
$CHECK tables "$D/local/results" "$D/run/results"

# --- a job killed by the scheduler fails the run with the rule's name; a rerun completes --------------------------
KILL=("${SMK[@]}" "${PROFILES[@]}" --directory "$D/run" --forcerun "$KILL_RULE" --until "$KILL_RULE")
"${KILL[@]}" > "$D/kill.log" 2>&1 & SM_PID=$!
victim=
for _ in $(seq $((BOUND * 4))); do
  victim=$(squeue -h -t RUNNING -o '%i %k' | awk -v r="rule_$KILL_RULE" '$2 == r || index($2, r "_wildcards") == 1 {print $1; exit}')
  [ -n "$victim" ] && break
  kill -0 "$SM_PID" 2>/dev/null || break
  sleep 0.5
done
[ -n "$victim" ] || die "no running $KILL_RULE job to cancel within $((BOUND * 2)) s (log: $D/kill.log)"
scancel "$victim"
rc=0; wait "$SM_PID" || rc=$?; SM_PID=
[ $rc != 0 ] || die "run went on after scancel of SLURM job $victim (log: $D/kill.log)"
grep -q "^Error in rule $KILL_RULE:" "$D/kill.log" && grep -q "SLURM-job '$victim' failed, SLURM status is: 'CANCELLED'" "$D/kill.log" \
  || die "failed run does not name rule $KILL_RULE and CANCELLED job $victim (log: $D/kill.log)"
say "scancel of SLURM job $victim (rule $KILL_RULE): run failed (rc $rc) with 'Error in rule $KILL_RULE'"
"${SMK[@]}" "${PROFILES[@]}" --directory "$D/run" --until "$KILL_RULE" > "$D/rerun.log" 2>&1 \
  || die "rerun after scancel failed (log: $D/rerun.log)"
$CHECK jobs "$D/rerun.log" "$D/slurm/log/jobcomp.log" | sed 's/^/rerun: /'
$CHECK tables "$D/local/results" "$D/run/results" | sed 's/^/after rerun: /'
say "rerun completed; PASSED"
