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
# What the build reads (compilers, flags, reproducible-build settings) and
# how the CI system describes the run come in from the host, each by name:
# the credentials beside them (GITHUB_TOKEN, CI_JOB_TOKEN...) never do;
# pass one with --pass-env NAME where a job needs it.
pass-env CC,CXX,CPP,AR,LD,CFLAGS,CXXFLAGS,CPPFLAGS,LDFLAGS,LIBS,MAKEFLAGS,PKG_CONFIG_PATH
pass-env SOURCE_DATE_EPOCH,DEB_BUILD_OPTIONS,DEB_BUILD_PROFILES,RUSTFLAGS,CARGO_TERM_COLOR,GOFLAGS
pass-env GITHUB_ACTIONS,GITHUB_SHA,GITHUB_REF,GITHUB_REF_NAME,GITHUB_REPOSITORY,GITHUB_RUN_ID
pass-env GITHUB_RUN_NUMBER,GITHUB_JOB,GITHUB_WORKFLOW,GITHUB_EVENT_NAME,RUNNER_OS,RUNNER_ARCH
pass-env GITLAB_CI,CI_COMMIT_SHA,CI_COMMIT_REF_NAME,CI_PIPELINE_ID,CI_JOB_ID,CI_JOB_NAME
pass-env CI_PROJECT_PATH,BUILDKITE,BUILDKITE_COMMIT,BUILDKITE_BRANCH,BUILD_NUMBER,BUILD_ID,JOB_NAME
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
