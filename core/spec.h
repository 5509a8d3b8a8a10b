/* sbx: struct sbx_spec, the whole sandbox, resolved and validated.
 *
 * Data flows one way: CLI -> (profile) -> sbx_spec -> launcher -> child.
 * cmd/ fills the request fields; sbx_spec_resolve() checks them against
 * the host (user, home, environment) and fills the resolved fields.  After
 * that nothing reads argv again, and each module gets only its own part.  */
#ifndef SBX_SPEC_H
#define SBX_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../netstack/netspec.h"
#include "base/error.h"

enum sbx_mount_kind
{
  SBX_MOUNT_BIND,
  SBX_MOUNT_RO_BIND,
  SBX_MOUNT_TMPFS,
  SBX_MOUNT_DEV_BIND,   /* writable, device nodes usable (no nodev): /dev/dri for a GPU */
  SBX_MOUNT_REMOUNT_RO, /* a path of the sandbox's own, bound read-only over itself */
};

struct sbx_mount_op
{
  enum sbx_mount_kind kind;
  char *src;     /* absolute host path; NULL for tmpfs and remount-ro */
  char *dst;     /* absolute path inside the sandbox */
  bool optional; /* --bind-try, --ro-bind-try: a missing source is skipped with a note */
  bool create;   /* the source is sbx's own (--persist-home): made 0700 when missing */
};

struct sbx_mounts
{
  struct sbx_mount_op *ops;
  size_t n;
  uint64_t shm_size; /* --shm-size: bytes for /dev/shm; 0: tmpfs's default (half of RAM) */
};

enum sbx_env_op_kind
{
  SBX_ENV_SET,
  SBX_ENV_UNSET,
  SBX_ENV_PASS, /* the host's value of name, where it has one */
};

struct sbx_env_op
{
  enum sbx_env_op_kind kind;
  char *name;
  char *value;
};

/* The caller, as the host knows them.  */
struct sbx_user
{
  uid_t uid;
  gid_t gid;
  char *name;
  char *home;
};

/* Identity inside the sandbox.  The caller's own uid/gid always map to
   these, so files the caller owns stay theirs.  */
struct sbx_ids
{
  uid_t uid;
  gid_t gid;
  bool uid_set, gid_set;
};

struct sbx_env
{
  struct sbx_env_op *ops;
  size_t n_ops;
  bool keep_all;
  char **resolved; /* NULL-terminated, after sbx_spec_resolve */
};

struct sbx_process
{
  char **argv;     /* NULL-terminated; borrowed from main's argv */
  char *cwd;       /* --chdir; NULL: the caller's cwd if visible inside, else HOME, else / */
  char *host_cwd;  /* resolved: the caller's cwd, tried first when cwd is NULL */
  char *workspace; /* --workspace: bound writable at its own path, started in */
  uint64_t caps_add, caps_drop; /* request */
  uint64_t caps_keep;           /* resolved: what the program keeps */
  char **owned_argv;            /* an image's Entrypoint/Cmd, when argv came from there */
  long run_uid, run_gid;        /* >= 0: switch to these inside before execve (an image's User) */
};

enum sbx_seccomp_mode
{
  SBX_SECCOMP_DEFAULT = 0,
  SBX_SECCOMP_UNCONFINED,
};

/* One --seccomp-allow/--seccomp-deny, in the order given.  */
struct sbx_seccomp_op
{
  bool allow;
  char *name;   /* a syscall or an @group */
  char *origin; /* "--seccomp-allow", "profile ci.profile:4", for notes */
};

struct sbx_seccomp
{
  enum sbx_seccomp_mode mode;
  struct sbx_seccomp_op *ops;
  size_t n_ops;
  bool log; /* report each refused syscall by name (--seccomp-log) */
  /* --nested-userns: clone/unshare may make user, PID, network and IPC
     namespaces, and chroot is allowed, for a program's own sandbox
     (Chromium's); mount namespaces, setns and mounts stay refused.  */
  bool nested_userns;
};

enum sbx_overlay_kind
{
  SBX_OVERLAY_FUSE = 0, /* fuse-overlayfs: the default */
  SBX_OVERLAY_KERNEL,   /* the kernel's overlayfs in the user namespace */
  SBX_OVERLAY_AUTO,     /* kernel where it works, else fuse */
  SBX_OVERLAY_NONE,     /* no copy-on-write: the lower read-only */
};

/* What the sandbox's root stands on.  */
struct sbx_rootspec
{
  char *dir;           /* --rootfs: a directory tree as the lower layer; NULL: the host's / */
  char *image;         /* --image oci:DIR[:TAG] */
  char **image_layers; /* resolved: unpacked layers, bottom first */
  size_t n_image_layers;
  char *name; /* --name: keep the upper layer as this named sandbox */
  enum sbx_overlay_kind overlay;
  bool overlay_set; /* chosen by the user, not the default */
  /* --host-tree: when any, only these host paths (absolute, each with
     what lies below it) are shown of the host's tree; the top-level
     links (/lib -> usr/lib) stay.  What a learnt profile lists.  */
  char **host_tree;
  size_t n_host_tree;
};

/* Resource limits, enforced through a delegated cgroup (cgroup.h).
   Zero means "no limit" for each; with none asked (and no --stats)
   nothing of cgroup.c runs.  */
#define SBX_HUGETLB_MAX 4
#define SBX_TIMEOUT_GRACE_S 5
struct sbx_limits
{
  uint64_t memory;      /* bytes; --memory */
  char *memory_text;    /* --memory as the user wrote it, for messages */
  uint64_t memory_swap; /* bytes of swap beyond memory; valid if swap_set */
  bool swap_set;        /* --memory-swap given (0: no swap) */
  uint64_t pids;        /* --pids */
  uint32_t cpu_milli;   /* --cpus, in thousandths of a CPU */
  uint32_t io_weight;   /* --io-weight, 1-10000 (the cgroup v2 scale) */
  /* --hugetlb: huge pages per page size (the v2 hierarchy's one
     controller on hybrid hosts, which is how its backend is tested).  */
  struct sbx_hugetlb
  {
    uint64_t page;  /* bytes: 2M */
    uint64_t limit; /* bytes */
  } hugetlb[SBX_HUGETLB_MAX];
  size_t n_hugetlb;
  bool best_effort; /* --limits best-effort: warn and run without */
  /* --timeout: wall-clock time from start after which sbx stops the
     sandbox (SIGTERM to the program, SIGKILL SBX_TIMEOUT_GRACE_S later)
     and exits 124, as timeout(1) does; 0: none.  Not a cgroup's.  */
  uint64_t timeout_ms;
  char *timeout_text; /* as the user wrote it, for the message */
  bool stats;         /* --stats: report usage at exit */
};

/* The D-Bus buses the sandbox gets (dbus.h), in the words of flatpak and
   xdg-dbus-proxy.  */
enum sbx_dbus_mode
{
  SBX_DBUS_NONE = 0, /* no bus: the default (/run and /tmp are the sandbox's own) */
  SBX_DBUS_FILTER,   /* the bus through xdg-dbus-proxy --filter, with the rules */
  SBX_DBUS_OPEN,     /* the bus through xdg-dbus-proxy, unfiltered */
};

enum sbx_dbus_rule_kind
{
  SBX_DBUS_SEE,       /* --see=NAME */
  SBX_DBUS_TALK,      /* --talk=NAME */
  SBX_DBUS_OWN,       /* --own=NAME */
  SBX_DBUS_CALL,      /* --call=NAME=RULE */
  SBX_DBUS_BROADCAST, /* --broadcast=NAME=RULE */
};

struct sbx_dbus_rule
{
  enum sbx_dbus_rule_kind kind;
  char *arg; /* NAME, or NAME=RULE */
};

enum sbx_dbus_which
{
  SBX_DBUS_SESSION, /* --dbus-user, --dbus-talk... */
  SBX_DBUS_SYSTEM,  /* --dbus-system, --dbus-system-talk... */
  SBX_DBUS_N,
};

struct sbx_dbus_bus
{
  enum sbx_dbus_mode mode;
  struct sbx_dbus_rule *rules;
  size_t n_rules;
  char *address; /* resolved: the host's bus; NULL: the sandbox gets none */
  char *inside;  /* resolved: where the proxy's socket is bound */
};

struct sbx_dbus
{
  struct sbx_dbus_bus bus[SBX_DBUS_N];
};

struct sbx_uts
{
  char *hostname;
};

/* How the sandbox is known and kept while it runs (record.h).  */
struct sbx_lifecycle
{
  char *name;            /* resolved: --name, or one made up (sbx-XXXXXX) */
  bool named;            /* the user chose the name */
  bool detach;           /* -d: in the background, its output to a capped log */
  bool remove;           /* --rm: nothing kept when it ends, not even a --name's layers */
  char **options;        /* run's options as given, borrowed from argv (inspect) */
  const char **profiles; /* the --profile names, in order (ps, inspect) */
  int ready_fd;          /* -d: the launcher writes "ok" here once the program runs, or -1 */
};

/* `sbx learn` (cmd/learn.c): what a run records for the profile writer.
   All off (fds -1) in every other run.  */
struct sbx_learnspec
{
  /* >= 0: sbx-learnfs is stacked over the copy-on-write root and logs
     each distinct (operation, path) here (learn-log.h).  */
  int fs_log_fd;
  /* The caller's real home in the lower layer (copy-on-write, so the
     program changes nothing of it), its secrets (~/.ssh...) hidden by
     sbx-learnfs, which logs each attempt.  */
  bool show_home;
  /* >= 0: each syscall the policy refuses, once per name, as
     `seccomp-allow NAME` (grantable) or `seccomp-never NAME`.  */
  int seccomp_log_fd;
  /* Let the grantable ones through (learning), rather than refuse them
     as the policy says (verifying).  */
  bool permissive;
};

struct sbx_spec
{
  struct sbx_user user;
  struct sbx_ids ids;
  struct sbx_mounts mounts;
  struct sbx_env env;
  struct sbx_process process;
  struct sbx_uts uts;
  struct sbx_seccomp seccomp;
  struct sbx_netspec net; /* netstack/netspec.h */
  struct sbx_rootspec root;
  struct sbx_limits limits;
  struct sbx_lifecycle life;
  struct sbx_dbus dbus;
  struct sbx_learnspec learn;
};

void sbx_spec_init (struct sbx_spec *spec);
void sbx_spec_free (struct sbx_spec *spec);

int sbx_spec_add_mount (struct sbx_spec *spec, enum sbx_mount_kind kind, const char *arg,
                        const char *cwd, const char *home, sbx_error_t *err);
void sbx_spec_add_env (struct sbx_spec *spec, enum sbx_env_op_kind kind, const char *name,
                       const char *value);

/* Look the caller up (name, home) alone, for verbs that run no sandbox.  */
int sbx_spec_resolve_user (struct sbx_spec *spec, sbx_error_t *err);

/* Look the caller up, check every field, build the environment.  */
int sbx_spec_resolve (struct sbx_spec *spec, char **host_environ, sbx_error_t *err);

/* Hostname rules of RFC 1123, as sethostname(2) callers expect.  */
bool sbx_hostname_valid (const char *name);

#endif
