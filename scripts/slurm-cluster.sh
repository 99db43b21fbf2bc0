#!/usr/bin/env bash
# slurm-cluster.sh start DIR | stop DIR: a single-node Slurm cluster (slurmctld + slurmd on this
# machine, munge for authentication) for tests, demos and benchmarks, its configuration, state and
# logs in DIR. `start` prints the line to use it: SLURM_CONF=DIR/slurm.conf (also in DIR/env).
# Runs as root (slurmd starts jobs as their users). Needs the Debian packages slurm-wlm and munge.
set -euo pipefail
cmd=${1:?usage: slurm-cluster.sh start|stop DIR}
dir=${2:?usage: slurm-cluster.sh start|stop DIR}

stop() {
  for d in slurmd slurmctld; do
    if [ -f "$dir/$d.pid" ]; then
      kill "$(cat "$dir/$d.pid")" 2>/dev/null || true
    fi
  done
  for _ in $(seq 1 50); do  # at most 5 s
    alive=0
    for d in slurmd slurmctld; do
      [ -f "$dir/$d.pid" ] && kill -0 "$(cat "$dir/$d.pid")" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
}

case "$cmd" in
  start)
    [ "$(id -u)" = 0 ] || { echo "slurm-cluster: run as root" >&2; exit 1; }
    command -v slurmctld >/dev/null || { echo "slurm-cluster: slurmctld missing (apt-get install slurm-wlm munge)" >&2; exit 1; }
    mkdir -p "$dir/state" "$dir/spool"
    dir=$(cd "$dir" && pwd)
    # munge: one daemon for the machine, started if none answers.
    if ! munge -n </dev/null >/dev/null 2>&1; then
      install -d -o munge -g munge -m 0755 /run/munge
      [ -f /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
      runuser -u munge -- /usr/sbin/munged
      for _ in $(seq 1 50); do munge -n </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
    fi
    cpus=$(nproc)
    mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
    ctl_port=$((20000 + RANDOM % 20000))
    cat >"$dir/slurm.conf" <<CONF
ClusterName=lathe
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$((ctl_port + 1))
AuthType=auth/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
DependencyParameters=kill_invalid_depend
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=lathe Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    failed() {  # a daemon that did not start: say so, with its log's end
      echo "slurm-cluster: $1 did not start; the end of $dir/$1.log:" >&2
      tail -5 "$dir/$1.log" >&2 || true
      stop
      exit 1
    }
    slurmctld -f "$SLURM_CONF" -i || failed slurmctld
    slurmd -f "$SLURM_CONF" -N localhost || failed slurmd
    # Ready when the node takes jobs (at most 30 s).
    for _ in $(seq 1 300); do
      state=$(sinfo -h -N -o %T 2>/dev/null | head -1 || true)
      case "$state" in idle|mixed|allocated) break ;; esac
      sleep 0.1
    done
    case "$state" in
      idle|mixed|allocated) ;;
      *) echo "slurm-cluster: the node did not come up (state '$state'); logs in $dir" >&2
         tail -5 "$dir/slurmctld.log" "$dir/slurmd.log" >&2 || true
         stop; exit 1 ;;
    esac
    echo "SLURM_CONF=$SLURM_CONF" | tee "$dir/env"
    ;;
  stop)
    stop
    rm -rf "$dir"
    ;;
  *)
    echo "usage: slurm-cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
