# OCI runtime helpers for the tests (source after tap.sh; needs $SCRATCH).
#
# oci_bundle DIR [PYTHON]: an OCI bundle in DIR, made by hand as an engine
# would: a rootfs of the host's sh, cat, sleep, id, hostname, mkdir and
# ls; a config.json for an unprivileged runtime (a user namespace that
# maps the caller's own ids to 0, new pid, mount, ipc, uts and network
# namespaces, /proc, /dev, /dev/pts, /sys, a bind of $SCRATCH/out on
# /out).  PYTHON, if given, is run with `c` the config (a dict) to change
# it before it is written.
oci_bundle() {
  local dir=$1 tweak=${2:-}
  mkdir -p "$dir" "$SCRATCH/out"
  [ -d "$dir/rootfs" ] || mini_rootfs "$dir/rootfs" sh cat sleep id hostname mkdir ls grep
  mkdir -p "$dir/rootfs/proc" "$dir/rootfs/dev" "$dir/rootfs/sys" "$dir/rootfs/out" "$dir/rootfs/tmp"
  OCI_UID=$(id -u) OCI_GID=$(id -g) OCI_OUT=$SCRATCH/out python3 - "$dir/config.json" "$tweak" <<'EOF'
import json, os, sys
caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETUID", "CAP_SETGID",
        "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT"]
c = {
  "ociVersion": "1.0.2",
  "root": {"path": "rootfs"},
  "hostname": "ocitest",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": ["sh", "-c", "id -u > /out/uid; hostname > /out/hostname; echo $$ > /out/pid; exec sleep 1000"],
    "env": ["PATH=/usr/bin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {k: caps for k in ("bounding", "effective", "permitted")},
    "noNewPrivileges": True,
  },
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "mode=755"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/out", "type": "bind", "source": os.environ["OCI_OUT"], "options": ["rbind", "rw"]},
  ],
  "linux": {
    "namespaces": [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount", "user")],
    "uidMappings": [{"containerID": 0, "hostID": int(os.environ["OCI_UID"]), "size": 1}],
    "gidMappings": [{"containerID": 0, "hostID": int(os.environ["OCI_GID"]), "size": 1}],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/bus"],
    "readonlyPaths": ["/proc/sys"],
  },
}
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
}

# rt ARGS...: `sbx runtime --root $SCRATCH/root ARGS`; sets OUT, ERR, RC.
rt() { sbx_run runtime --root "$SCRATCH/root" "$@"; }

# rt_status ID: the container's status ("" when there is none).
rt_status() {
  "$SBX" runtime --root "$SCRATCH/root" state "$1" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null
}
