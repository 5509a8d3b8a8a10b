/* Unit tests for the seccomp policy (core/seccomp.c): the default refuses
   everything Docker's default profile refuses to a container without
   added capabilities, plus sbx's own refusals; groups and options change
   it as documented.  Docker's profile is read with json-c from
   $SBX_DOCKER_SECCOMP (the runner points it at shared/reference).  */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/seccomp-tables.h"
#include "../../core/seccomp.h"
#include "tap.h"

static enum sbx_seccomp_verdict
verdict (const struct sbx_seccomp *sc, uint64_t caps, const char *name)
{
  enum sbx_seccomp_verdict v = SBX_SECCOMP_REFUSED;
  sbx_error_t err = NULL;
  if (sbx_seccomp_query (sc, caps, name, &v, &err) < 0)
    {
      tap_diag ("query %s: %s", name, err->msg);
      sbx_error_release (&err);
    }
  return v;
}

static bool
arch_matches (json_object *includes)
{
  json_object *arches;
  if (includes == NULL || !json_object_object_get_ex (includes, "arches", &arches))
    return true;
  for (size_t i = 0; i < json_object_array_length (arches); i++)
    {
      const char *a = json_object_get_string (json_object_array_get_idx (arches, i));
      if (strcmp (a, "amd64") == 0)
        return true;
    }
  return false;
}

/* Names Docker allows on amd64 to a container without added
   capabilities, with no argument condition.  */
static json_object *
docker_unconditional (json_object *root)
{
  json_object *set = json_object_new_object ();
  json_object *syscalls;

  json_object_object_get_ex (root, "syscalls", &syscalls);
  for (size_t i = 0; i < json_object_array_length (syscalls); i++)
    {
      json_object *r = json_object_array_get_idx (syscalls, i);
      json_object *action, *names, *includes = NULL, *caps, *args;
      json_object_object_get_ex (r, "action", &action);
      if (strcmp (json_object_get_string (action), "SCMP_ACT_ALLOW") != 0)
        continue;
      json_object_object_get_ex (r, "includes", &includes);
      if (includes && json_object_object_get_ex (includes, "caps", &caps))
        continue;
      if (!arch_matches (includes))
        continue;
      if (json_object_object_get_ex (r, "args", &args) && json_object_array_length (args) > 0)
        continue;
      json_object_object_get_ex (r, "names", &names);
      for (size_t k = 0; k < json_object_array_length (names); k++)
        json_object_object_add (set, json_object_get_string (json_object_array_get_idx (names, k)),
                                json_object_new_boolean (1));
    }
  return set;
}

static void
test_against_docker (const struct sbx_seccomp *def)
{
  const char *path = getenv ("SBX_DOCKER_SECCOMP");
  json_object *root, *allowed;
  int extra = 0, checked = 0;

  if (path == NULL || (root = json_object_from_file (path)) == NULL)
    {
      TAP_OK (true, "# SKIP Docker's profile not found (set SBX_DOCKER_SECCOMP)");
      return;
    }
  allowed = docker_unconditional (root);
  /* Every syscall of this architecture.  */
  for (int nr = 0; nr < 1024; nr++)
    {
      char *name = seccomp_syscall_resolve_num_arch (SCMP_ARCH_NATIVE, nr);
      json_object *hit;
      if (name == NULL)
        continue;
      checked++;
      if (verdict (def, 0, name) == SBX_SECCOMP_ALLOWED
          && !json_object_object_get_ex (allowed, name, &hit))
        {
          tap_diag ("sbx allows %s, Docker's default does not", name);
          extra++;
        }
      free (name);
    }
  TAP_OK (checked > 300, "walked %d syscalls of this architecture", checked);
  TAP_IS_INT (extra, 0, "the default allows nothing Docker's default refuses without caps");
  json_object_put (allowed);
  json_object_put (root);
}

int
main (void)
{
  struct sbx_seccomp def = { 0 };
  static const char *const refused[] = { "keyctl",
                                         "add_key",
                                         "request_key",
                                         "bpf",
                                         "perf_event_open",
                                         "userfaultfd",
                                         "io_uring_setup",
                                         "io_uring_enter",
                                         "io_uring_register",
                                         "open_by_handle_at",
                                         "fsopen",
                                         "fsconfig",
                                         "fsmount",
                                         "fspick",
                                         "move_mount",
                                         "open_tree",
                                         "mount_setattr",
                                         "mount",
                                         "umount2",
                                         "pivot_root",
                                         "chroot",
                                         "unshare",
                                         "setns",
                                         "ptrace",
                                         "process_vm_readv",
                                         "process_vm_writev",
                                         "kcmp",
                                         "pidfd_getfd",
                                         "syslog",
                                         "reboot",
                                         "kexec_load",
                                         "swapon",
                                         "init_module",
                                         "finit_module",
                                         "delete_module",
                                         "acct",
                                         "sethostname",
                                         "settimeofday",
                                         "clock_settime",
                                         "iopl",
                                         "ioperm",
                                         "quotactl",
                                         "lookup_dcookie",
                                         "vhangup",
                                         NULL };
  static const char *const checked[]
      = { "socket", "personality", "clone", "clone3", "ioctl", NULL };
  static const char *const allowed[]
      = { "read",      "write",        "openat",  "execve",     "seccomp",
          "prctl",     "mmap",         "futex",   "wait4",      "rt_sigaction",
          "getrandom", "memfd_create", "sendmsg", "arch_prctl", NULL };

  for (const char *const *n = refused; *n; n++)
    TAP_IS_INT (verdict (&def, 0, *n), SBX_SECCOMP_REFUSED, "default refuses %s", *n);
  for (const char *const *n = checked; *n; n++)
    TAP_IS_INT (verdict (&def, 0, *n), SBX_SECCOMP_CHECKED, "default checks the arguments of %s",
                *n);
  for (const char *const *n = allowed; *n; n++)
    TAP_IS_INT (verdict (&def, 0, *n), SBX_SECCOMP_ALLOWED, "default allows %s", *n);

  /* Capabilities kept open Docker's capability-gated syscalls, never the
     ones sbx refuses whatever the capabilities.  */
  TAP_IS_INT (verdict (&def, 1ULL << 19, "ptrace"), SBX_SECCOMP_ALLOWED,
              "CAP_SYS_PTRACE kept: ptrace allowed");
  TAP_IS_INT (verdict (&def, 1ULL << 18, "chroot"), SBX_SECCOMP_ALLOWED,
              "CAP_SYS_CHROOT kept: chroot allowed");
  TAP_IS_INT (verdict (&def, 1ULL << 21, "mount"), SBX_SECCOMP_ALLOWED,
              "CAP_SYS_ADMIN kept: mount allowed");
  TAP_IS_INT (verdict (&def, 1ULL << 21, "unshare"), SBX_SECCOMP_CHECKED,
              "CAP_SYS_ADMIN kept: unshare allowed without CLONE_NEWUSER");
  for (const char *const *n = sbx_seccomp_always_refused; *n; n++)
    TAP_IS_INT (verdict (&def, ~0ULL, *n), SBX_SECCOMP_REFUSED,
                "%s refused even with every capability", *n);

  {
    struct sbx_seccomp_op ops[] = { { true, "ptrace", "--seccomp-allow" },
                                    { false, "@network-io", "--seccomp-deny" },
                                    { true, "sendmsg", "--seccomp-allow" } };
    struct sbx_seccomp sc = { SBX_SECCOMP_DEFAULT, ops, 3, false, false };
    TAP_IS_INT (verdict (&sc, 0, "ptrace"), SBX_SECCOMP_ALLOWED, "--seccomp-allow ptrace");
    TAP_IS_INT (verdict (&sc, 0, "keyctl"), SBX_SECCOMP_REFUSED, "... keyctl still refused");
    TAP_IS_INT (verdict (&sc, 0, "connect"), SBX_SECCOMP_REFUSED, "--seccomp-deny @network-io");
    TAP_IS_INT (verdict (&sc, 0, "socket"), SBX_SECCOMP_REFUSED, "... takes socket too");
    TAP_IS_INT (verdict (&sc, 0, "sendmsg"), SBX_SECCOMP_ALLOWED, "a later allow wins");
  }
  {
    struct sbx_seccomp_op ops[] = { { true, "@nosuch", "--seccomp-allow" } };
    struct sbx_seccomp sc = { SBX_SECCOMP_DEFAULT, ops, 1, false, false };
    enum sbx_seccomp_verdict v;
    sbx_error_t err = NULL;
    TAP_OK (sbx_seccomp_query (&sc, 0, "read", &v, &err) < 0, "an unknown group is an error");
    TAP_HAS_STR (err ? err->msg : "", "unknown syscall group `@nosuch`", "... naming it");
    sbx_error_release (&err);
  }
  {
    sbx_error_t err = NULL;
    TAP_OK (sbx_seccomp_check_name ("keyctl", &err) == 0, "keyctl is a known name");
    TAP_OK (sbx_seccomp_check_name ("socketcall", &err) == 0,
            "socketcall is known (on other architectures)");
    TAP_OK (sbx_seccomp_check_name ("bogus", &err) < 0, "bogus is not");
    sbx_error_release (&err);
    TAP_OK (sbx_seccomp_check_name ("@keyring", &err) == 0, "@keyring is a group");
  }
  /* Every group member is a real syscall name somewhere, or a group.  */
  {
    int bad = 0;
    for (const struct sbx_seccomp_group *g = sbx_seccomp_groups; g->name; g++)
      for (const char *const *m = g->members; *m; m++)
        {
          sbx_error_t err = NULL;
          if (sbx_seccomp_check_name (*m, &err) < 0)
            {
              tap_diag ("%s: %s", g->name, err->msg);
              bad++;
            }
          sbx_error_release (&err);
        }
    TAP_IS_INT (bad, 0, "every group member is a known syscall or group");
  }
  /* It compiles, with and without --seccomp-log.  */
  {
    struct sbx_seccomp_prog prog;
    sbx_error_t err = NULL;
    struct sbx_seccomp lg = { .log = true };
    TAP_IS_INT (sbx_seccomp_compile (&def, 0, &prog, &err), 0, "the default compiles");
    TAP_OK (prog.main.len > 50, "one filter of %u instructions", prog.main.len);
    sbx_seccomp_prog_free (&prog);
    TAP_IS_INT (sbx_seccomp_compile (&lg, 0, &prog, &err), 0,
                "the default compiles for --seccomp-log");
    sbx_seccomp_prog_free (&prog);
    sbx_error_release (&err);
  }
  test_against_docker (&def);
  return tap_done ();
}
