/* sbx: seccomp filters: the resolved policy (seccomp-policy.c) compiled to
   BPF with libseccomp, cached (seccomp-cache.c), loaded; see seccomp.h.  */
#define _GNU_SOURCE
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "caps.h"
#include "seccomp-cache.h"
#include "seccomp-policy.h"
#include "seccomp-tables.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* Every namespace flag: Docker's clone rule refuses all of them.  */
#define NS_FLAGS                                                                                   \
  (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID      \
   | CLONE_NEWNET)

/* The socket families a program gets; others are EAFNOSUPPORT, the
   answer of a kernel built without them, which programs handle.  */
static const int allowed_families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

/* personality(2) values that change nothing an exploit could use:
   PER_LINUX, PER_LINUX32, UNAME26 and both, and the query 0xffffffff.  */
static const unsigned long harmless_personalities[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

/* Highest family number the kernel might know; above it, one rule.  */
#define FAMILY_LIMIT 64

static uint32_t
refuse (bool log, int e)
{
  return log ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO (e);
}

static int
rule (scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n, const struct scmp_arg_cmp *cmp,
      const char *name, sbx_error_t *err)
{
  uint32_t def = 0;
  int r;

  /* libseccomp refuses a rule that only restates the default action (a
     refusal under --seccomp-log, where refusing is the default).  */
  if (seccomp_attr_get (ctx, SCMP_FLTATR_ACT_DEFAULT, &def) == 0 && def == action)
    return 0;
  r = seccomp_rule_add_array (ctx, action, nr, n, cmp);
  if (r < 0)
    return sbx_error_make (err, -r, "seccomp rule for %s", name);
  return 0;
}

/* ioctl requests refused by their low 32 bits: the kernel truncates the
   request to an unsigned int, so high bits must not hide one
   (CVE-2017-5226, CVE-2019-10063).  Sorted.  */
static const uint32_t refused_ioctls[] = { TIOCSTI, TIOCLINUX };

/* Allow every value of the low 32 bits but the refused ones.  A filter
   can only allow (mask, value) patterns, so walk the binary trie of the
   refused values: at each bit, the branch no refused value takes is
   allowed whole, one MASKED_EQ rule; 32 rules a refused value at most.
   Everything else falls to the default action, which under --seccomp-log
   also reports it.  */
static int
allow_ioctl_below (scmp_filter_ctx ctx, int nr, int depth, uint32_t prefix, const uint32_t *v,
                   size_t n, sbx_error_t *err)
{
  uint32_t mask = depth == 0 ? 0 : (uint32_t)(0xffffffffu << (32 - depth));
  size_t split = 0;

  if (n == 0)
    {
      struct scmp_arg_cmp c = SCMP_A1 (SCMP_CMP_MASKED_EQ, mask, prefix);
      return rule (ctx, SCMP_ACT_ALLOW, nr, 1, &c, "ioctl", err);
    }
  if (depth == 32)
    return 0; /* exactly a refused value */
  while (split < n && !(v[split] & (0x80000000u >> depth)))
    split++;
  if (allow_ioctl_below (ctx, nr, depth + 1, prefix, v, split, err) < 0)
    return -1;
  return allow_ioctl_below (ctx, nr, depth + 1, prefix | (0x80000000u >> depth), v + split,
                            n - split, err);
}

static int
allow_ioctl (scmp_filter_ctx ctx, int nr, sbx_error_t *err)
{
  return allow_ioctl_below (ctx, nr, 0, 0, refused_ioctls,
                            sizeof refused_ioctls / sizeof refused_ioctls[0], err);
}

/* The syscalls allowed only with certain arguments.  The argument checks
   compare all 64 bits, so stray high bits cannot slip a value past.  */
static int
add_checked (scmp_filter_ctx ctx, const char *name, int nr, const struct sbx_seccomp_policy *p,
             bool log, sbx_error_t *err)
{
  struct scmp_arg_cmp c;

  if (strcmp (name, "socket") == 0)
    {
      for (int fam = 0; fam < FAMILY_LIMIT; fam++)
        {
          bool ok = false;
          for (size_t i = 0; i < sizeof allowed_families / sizeof allowed_families[0]; i++)
            ok |= allowed_families[i] == fam;
          c = SCMP_A0 (SCMP_CMP_EQ, fam);
          if (rule (ctx, ok ? SCMP_ACT_ALLOW : refuse (log, EAFNOSUPPORT), nr, 1, &c, name, err)
              < 0)
            return -1;
        }
      c = SCMP_A0 (SCMP_CMP_GE, FAMILY_LIMIT);
      return rule (ctx, refuse (log, EAFNOSUPPORT), nr, 1, &c, name, err);
    }
  if (strcmp (name, "personality") == 0)
    {
      for (size_t i = 0; i < sizeof harmless_personalities / sizeof harmless_personalities[0]; i++)
        {
          c = SCMP_A0 (SCMP_CMP_EQ, harmless_personalities[i]);
          if (rule (ctx, SCMP_ACT_ALLOW, nr, 1, &c, name, err) < 0)
            return -1;
        }
      return 0;
    }
  if (strcmp (name, "clone") == 0 || strcmp (name, "unshare") == 0)
    {
      /* No new namespaces; with CAP_SYS_ADMIN kept, none but a user
         namespace (a sandbox must not build one around sbx's).  */
      uint64_t mask = p->admin ? CLONE_NEWUSER : NS_FLAGS;
      c = SCMP_A0 (SCMP_CMP_MASKED_EQ, mask, 0);
      if (rule (ctx, SCMP_ACT_ALLOW, nr, 1, &c, name, err) < 0)
        return -1;
      /* --nested-userns: a user namespace with PID, network and IPC
         ones, never a mount namespace (whose mounts would hide or
         replace what sbx set up), a cgroup or UTS one; unshare's
         CLONE_NEWTIME too (in clone, 0x80 is the exit signal).  Rules of
         one syscall are alternatives, so this adds to the one above.  */
      if (p->nested_userns)
        {
          uint64_t never = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS;
          if (strcmp (name, "unshare") == 0)
            never |= CLONE_NEWTIME;
          c = SCMP_A0 (SCMP_CMP_MASKED_EQ, never, 0);
          return rule (ctx, SCMP_ACT_ALLOW, nr, 1, &c, name, err);
        }
      return 0;
    }
  if (strcmp (name, "clone3") == 0)
    /* Its flags sit in memory a filter cannot read.  ENOSYS makes glibc
       fall back to clone, whose flags it can.  Not reported under
       --seccomp-log: it is the expected path of every thread start.  */
    return rule (ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0, NULL, name, err);
  return allow_ioctl (ctx, nr, err);
}

int
sbx_seccomp_export (void *ctx, struct sock_fprog *out, sbx_error_t *err)
{
  cleanup_close int fd = memfd_create ("sbx-seccomp", MFD_CLOEXEC);
  off_t size;
  int r;

  if (fd < 0)
    return sbx_error_make (err, errno, "memfd_create");
  r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return sbx_error_make (err, -r, "export the seccomp filter");
  size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % sizeof (struct sock_filter) != 0)
    return sbx_error_make (err, EINVAL, "export the seccomp filter: odd size %ld", (long)size);
  out->filter = xmalloc0 (size);
  out->len = size / sizeof (struct sock_filter);
  if (pread (fd, out->filter, size, 0) != size)
    return sbx_error_make (err, errno, "read the seccomp filter back");
  return 0;
}

static scmp_filter_ctx
new_ctx (uint32_t def, uint32_t badarch, sbx_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (def);
  if (ctx == NULL)
    {
      sbx_error_make (err, ENOMEM, "seccomp_init");
      return NULL;
    }
  /* sbx sets no_new_privs itself; the filters are only exported here.  */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  seccomp_attr_set (ctx, SCMP_FLTATR_ACT_BADARCH, badarch);
  /* A binary tree of syscall numbers instead of a linear scan: the
     difference between a few and a few hundred comparisons a call.  */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  return ctx;
}

static int
compile_main (const struct sbx_seccomp_policy *p, bool log, struct sock_fprog *out,
              sbx_error_t *err)
{
  /* Every ABI but the native one is refused outright: x32 syscall
     numbers and i386 through int $0x80 never reach a rule.  */
  scmp_filter_ctx ctx = new_ctx (refuse (log, EPERM), SCMP_ACT_ERRNO (ENOSYS), err);
  int ret = -1;

  if (ctx == NULL)
    return -1;
  for (size_t i = 0; i < p->n; i++)
    {
      const struct sbx_seccomp_entry *e = &p->v[i];
      int nr = seccomp_syscall_resolve_name (e->name);
      if (nr < 0)
        {
          if (e->origin)
            sbx_log_note ("%s %s: not a syscall on this architecture, skipped", e->origin, e->name);
          continue;
        }
      if (e->d == SBX_SC_ALLOW && rule (ctx, SCMP_ACT_ALLOW, nr, 0, NULL, e->name, err) < 0)
        goto out;
      if (e->d == SBX_SC_CHECKED && add_checked (ctx, e->name, nr, p, log, err) < 0)
        goto out;
      /* A refused clone3 must still say ENOSYS, or glibc cannot fall back
         and threads cannot start.  */
      if (e->d == SBX_SC_DENY && strcmp (e->name, "clone3") == 0
          && rule (ctx, SCMP_ACT_ERRNO (ENOSYS), nr, 0, NULL, e->name, err) < 0)
        goto out;
    }
  ret = sbx_seccomp_export (ctx, out, err);
out:
  seccomp_release (ctx);
  return ret;
}

/* The cache key of a resolved policy (seccomp-cache.h): a sha256 of the
   policy, the log flag, libseccomp's version, the architecture and the
   sbx binary by device, inode, size and time (a rebuilt or upgraded sbx
   never reads an old filter).  false when there is none to be had.  */
static bool
cache_key (struct sbx_seccomp_policy *p, bool log, unsigned char key[SBX_SECCOMP_KEY_LEN])
{
  struct stat st;
  struct sha256_ctx ctx;
  char head[256];
  const struct scmp_version *v = seccomp_version ();

  if (stat ("/proc/self/exe", &st) < 0)
    return false;
  sha256_init (&ctx);
  snprintf (head, sizeof head, "sbx-seccomp-1 %lu %lu %lld %lld.%ld %u.%u.%u %u %d %d %d",
            (unsigned long)st.st_dev, (unsigned long)st.st_ino, (long long)st.st_size,
            (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, v ? v->major : 0, v ? v->minor : 0,
            v ? v->micro : 0, seccomp_arch_native (), log, p->admin, p->nested_userns);
  sha256_update (&ctx, strlen (head), (const uint8_t *)head);
  qsort (p->v, p->n, sizeof *p->v, sbx_seccomp_entry_cmp);
  for (size_t i = 0; i < p->n; i++)
    {
      char d = '0' + p->v[i].d;
      sha256_update (&ctx, strlen (p->v[i].name) + 1, (const uint8_t *)p->v[i].name);
      sha256_update (&ctx, 1, (const uint8_t *)&d);
    }
  sha256_digest (&ctx, SBX_SECCOMP_KEY_LEN, key);
  return true;
}

int
sbx_seccomp_compile (const struct sbx_seccomp *sc, uint64_t caps_keep, struct sbx_seccomp_prog *out,
                     sbx_error_t *err)
{
  struct sbx_seccomp_policy p;
  int ret;

  memset (out, 0, sizeof *out);
  if (sc->mode == SBX_SECCOMP_UNCONFINED)
    {
      sbx_log_warn ("running without a seccomp filter (--seccomp unconfined): every syscall "
                    "reaches the kernel");
      return 0;
    }
  if (sbx_seccomp_resolve (sc, caps_keep, &p, err) < 0)
    {
      free (p.v);
      return -1;
    }
  out->enabled = true;
  out->log = sc->log;
  {
    unsigned char key[SBX_SECCOMP_KEY_LEN];
    bool keyed = cache_key (&p, sc->log, key);
    if (keyed && sbx_seccomp_cache_load (key, &out->main) == 0)
      {
        free (p.v);
        return 0;
      }
    ret = compile_main (&p, sc->log, &out->main, err);
    if (ret == 0 && keyed)
      sbx_seccomp_cache_store (key, &out->main);
  }
  free (p.v);
  if (ret < 0)
    sbx_seccomp_prog_free (out);
  return ret;
}

void
sbx_seccomp_prog_free (struct sbx_seccomp_prog *p)
{
  free (p->main.filter);
  memset (p, 0, sizeof *p);
}

int
sbx_seccomp_load (const struct sbx_seccomp_prog *p, int *listener, sbx_error_t *err)
{
  int fd;

  *listener = -1;
  if (!p->enabled)
    return 0;
  fd = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->log ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0,
                &p->main);
  if (fd < 0)
    return sbx_error_make (err, errno, "load the seccomp filter");
  if (p->log)
    *listener = fd;
  return 0;
}

int
sbx_seccomp_refusal_errno (uint32_t arch, int nr)
{
  char *name = seccomp_syscall_resolve_num_arch (arch, nr);
  int e = EPERM;
  if (name && strcmp (name, "socket") == 0)
    e = EAFNOSUPPORT;
  else if (name && strcmp (name, "clone3") == 0)
    e = ENOSYS;
  free (name);
  return e;
}

int
sbx_seccomp_query (const struct sbx_seccomp *sc, uint64_t caps_keep, const char *name,
                   enum sbx_seccomp_verdict *out, sbx_error_t *err)
{
  struct sbx_seccomp_policy p;
  *out = SBX_SECCOMP_REFUSED;
  if (sc->mode == SBX_SECCOMP_UNCONFINED)
    {
      *out = SBX_SECCOMP_ALLOWED;
      return 0;
    }
  if (sbx_seccomp_resolve (sc, caps_keep, &p, err) < 0)
    {
      free (p.v);
      return -1;
    }
  for (size_t i = 0; i < p.n; i++)
    if (strcmp (p.v[i].name, name) == 0)
      *out = p.v[i].d == SBX_SC_ALLOW     ? SBX_SECCOMP_ALLOWED
             : p.v[i].d == SBX_SC_CHECKED ? SBX_SECCOMP_CHECKED
                                          : SBX_SECCOMP_REFUSED;
  free (p.v);
  return 0;
}
