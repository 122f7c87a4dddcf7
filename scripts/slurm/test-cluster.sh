#!/usr/bin/env bash
# End-to-end test of scripts/slurm/sweep.sbatch on a real, throwaway,
# single-node Slurm cluster on loopback:
#
#   1. installs slurm-wlm and munge from Debian if they are missing (root);
#   2. writes a munge key and a slurm.conf in a temporary directory and
#      starts munged, slurmctld and slurmd from there (own socket and ports,
#      so a system Slurm or munge is left alone);
#   3. submits a sweep as a 4-task job array plus a dependent merge job;
#   4. waits (bounded), runs the same sweep unsharded, and compares the
#      result files byte for byte;
#   5. stops the daemons it started, by PID, whether it passed or not.
#
# FLYWHEEL_SKIP_SLURM=1 skips it; FLYWHEEL_KEEP_SLURM_TMP=1 keeps the
# temporary directory (configuration, logs, results) for inspection.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
started=$(date +%s)
log() { printf '[slurm %3ss] %s\n' "$(($(date +%s) - started))" "$*"; }
fail() {
    log "FAILED: $*"
    echo "slurm-cluster: 0 passed, 1 failed"
    exit 1
}

if [ "${FLYWHEEL_SKIP_SLURM:-0}" = 1 ]; then
    log "skipped (FLYWHEEL_SKIP_SLURM=1)"
    exit 0
fi

shards=4
scenario="$root/tests/data/sweep_grid.toml"
timeout_s=180

# 1. Slurm and munge.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
    ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        fail "slurm-wlm and munge are not installed and this is not root; install them \
(apt-get install slurm-wlm munge) or set FLYWHEEL_SKIP_SLURM=1"
    fi
    log "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    installed=0
    for attempt in 1 2 3; do
        if apt-get update -q >/dev/null && apt-get install -y -q slurm-wlm munge >/dev/null; then
            installed=1
            break
        fi
        log "apt-get failed (attempt $attempt of 3)"
        sleep $((attempt * 5))
    done
    [ "$installed" = 1 ] || fail "could not install slurm-wlm and munge with apt-get"
fi
log "$(slurmctld -V), $(munged -V 2>&1 | head -n 1)"

# The release binary the tests use.
log "building the release binary"
cargo build --release --locked --quiet || fail "cargo build"
flywheel="${CARGO_TARGET_DIR:-$root/target}/release/flywheel"
[ -x "$flywheel" ] || fail "no binary at $flywheel"

# 2. A private cluster in a temporary directory.
work=$(mktemp -d "${TMPDIR:-/tmp}/flywheel-slurm.XXXXXX")
mkdir -p "$work"/{munge,state,spool,logs,jobs}
chmod 700 "$work/munge"
pids=()

cleanup() {
    local status=$?
    set +e
    if [ -n "${SLURM_CONF:-}" ] && [ "${#pids[@]}" -gt 0 ]; then
        scancel --quiet --full "--user=$(id -un)" 2>/dev/null
    fi
    # Stop in reverse order of start: slurmd, slurmctld, munged.
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
        kill "${pids[i]}" 2>/dev/null
    done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -9 "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    done
    [ "${#pids[@]}" -gt 0 ] && log "stopped the daemons it started (pids ${pids[*]})"
    if [ "$status" -ne 0 ]; then
        for f in "$work"/logs/* "$work"/jobs/*; do
            [ -f "$f" ] || continue
            echo "----- ${f#"$work"/} (last lines)"
            tail -n 25 "$f"
        done
    fi
    if [ "${FLYWHEEL_KEEP_SLURM_TMP:-0}" = 1 ]; then
        log "kept $work"
    else
        rm -rf "$work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$((20000 + RANDOM % 20000))
while ! port_free "$port" || ! port_free "$((port + 1))"; do
    port=$((port + 2))
done
host=$(hostname -s)
user=$(id -un)
cpus=$(nproc)

dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munge_socket="$work/munge/munge.socket"

cat >"$work/slurm.conf" <<EOF
ClusterName=flywheeltest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=512 State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$work/slurm.conf"

log "starting munged"
munged -F --force "--socket=$munge_socket" "--key-file=$work/munge/munge.key" \
    "--log-file=$work/logs/munged.log" "--pid-file=$work/munge/munged.pid" \
    "--seed-file=$work/munge/munged.seed" >"$work/logs/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
    [ -S "$munge_socket" ] && break
    sleep 0.1
done
[ -S "$munge_socket" ] || fail "munged did not create its socket"

log "starting slurmctld and slurmd ($host on 127.0.0.1, ports $port and $((port + 1)))"
slurmctld -D -i -f "$SLURM_CONF" >"$work/logs/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$work/logs/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 300); do
    state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.1
done
[ "$state" = idle ] || fail "the node did not become idle (state: '${state:-none}')"
log "cluster up: node $host idle with $cpus CPUs"

# 3. The sweep: an array of shards, then the merge once they all succeed.
cd "$work/jobs"
submit() { sbatch --parsable --export=ALL,FLYWHEEL="$flywheel" "$@" | cut -d';' -f1; }
array=$(submit "--array=1-$shards" --cpus-per-task=1 --output="$work/jobs/shard-%a.out" \
    "$root/scripts/slurm/sweep.sbatch" "$scenario" "$work/sweep")
merge=$(submit "--dependency=afterok:$array" --kill-on-invalid-dep=yes \
    --output="$work/jobs/merge.out" "$root/scripts/slurm/sweep.sbatch" "$scenario" "$work/sweep")
log "submitted job array $array ($shards shards) and merge job $merge"

deadline=$(($(date +%s) + timeout_s))
while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "jobs still queued or running after ${timeout_s}s"
    sleep 0.5
done
states=$(scontrol -o show job 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' ')
log "jobs finished:$states"
if scontrol -o show job | grep -o 'JobState=[A-Z_]*' | grep -qv 'JobState=COMPLETED'; then
    fail "not every job completed"
fi
[ "$(scontrol -o show job | grep -c 'JobState=COMPLETED')" -eq $((shards + 1)) ] ||
    fail "expected $((shards + 1)) completed jobs"
for k in $(seq "$shards"); do
    [ -f "$work/sweep/shard-$k-of-$shards/manifest.json" ] || fail "shard $k/$shards wrote no manifest"
done

# 4. The same sweep unsharded, compared byte for byte.
log "running the same sweep unsharded"
"$flywheel" sweep "$scenario" --out "$work/unsharded" --threads 2 --quiet ||
    fail "unsharded sweep"
for f in points.csv runs.csv aggregate.csv failures.csv; do
    cmp "$work/sweep/merged/$f" "$work/unsharded/$f" ||
        fail "$f of the merged shards differs from the unsharded sweep's"
done
rows=$(($(wc -l <"$work/unsharded/runs.csv") - 1))
log "merged shards equal the unsharded sweep: points, runs ($rows rows), aggregate, failures"
log "passed in $(($(date +%s) - started))s"
echo "slurm-cluster: 1 passed, 0 failed"
