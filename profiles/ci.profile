# sbx profile for CI jobs: `sbx --profile ci -- make test`.
# Root inside, so that package managers and build scripts that expect it
# work; it is still the invoking user outside.  The capabilities kept are
# the ones package managers use (Docker's default set without NET_RAW,
# MKNOD and AUDIT_WRITE), and they act only inside the sandbox's user
# namespace: on files of the sandbox's own ids, never on the host's.
#
# Package installs need a root whose files the sandbox owns: an image
# (`--image oci:DIR`, what `podman save --format oci-dir` writes).  Over
# the host's root, the host's root-only files (/var/lib/apt/lists/lock)
# stay closed, and sbx says so in one line.
include default
hostname ci
uid 0
cap-add CHOWN
cap-add DAC_OVERRIDE
cap-add FOWNER
cap-add FSETID
cap-add KILL
cap-add SETGID
cap-add SETUID
cap-add SETPCAP
cap-add SETFCAP
cap-add NET_BIND_SERVICE
cap-add SYS_CHROOT
# The job runs where it was started: that directory writable at its own
# path (also under /tmp, which is otherwise the sandbox's own), so the
# absolute paths a build tree records stay valid.  --workspace DIR names
# another.
workspace ${CWD}
# CI systems pass the job's settings in these; secrets stay out unless a
# job asks with --setenv.
setenv CI=true
# Limits a runaway job cannot pass (a fork bomb, a leak): three quarters
# of the machine's memory and 8192 processes.  The command line
# overrides them (--memory 8G, --pids max).  best-effort: where no cgroup
# is delegated the job still runs, after one warning (`sbx doctor` says
# how to delegate one; --limits strict makes it an error).
memory 75%
pids 8192
limits best-effort
# A job that hangs is stopped after six hours (GitHub's own job limit),
# exit 124; --timeout sets another, --timeout none lifts it.
timeout 6h
