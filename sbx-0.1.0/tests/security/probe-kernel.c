/* sbx-probe kernel: the kernel's machine-wide surfaces stay closed.
 *
 * - the kernel log: /dev/kmsg is not there, /proc/kmsg refuses (syslog(2)
 *   itself is a row of `refused`);
 * - kernel tunables: writes to /proc/sys and /sys fail, with the errno of
 *   the first barrier: EACCES where the file belongs to the host's root,
 *   EROFS where only the read-only mount stands (a net sysctl of the
 *   sandbox's own network namespace, writable to CAP_NET_ADMIN inside);
 * - open_by_handle_at (the "shocker" escape) on a handle that
 *   name_to_handle_at, which stays allowed, just gave: EPERM;
 * - nftables and rtnetlink: a netlink socket opens, but every change is
 *   refused with EPERM (no CAP_NET_ADMIN), in the sandbox's own network
 *   namespace anyway.
 *
 * --caps runs the same under --uid 0 --cap-add ALL and wants what
 * capabilities inside the sandbox give: the host's tunables stay closed
 * and the read-only mounts hold (EROFS).  A program that keeps
 * CAP_SYS_ADMIN runs in a user namespace of its own (it locks the mounts),
 * which does not own the sandbox's network namespace: its network stays
 * closed to it too (EACCES on the net sysctls, EPERM from netlink).  */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "probe.h"

static int caps_mode;

/* ----------------------------------------------------- files of the kernel */

enum file_op
{
  F_READ,
  F_WRITE,
  F_CHMOD,
};

struct kfile
{
  const char *path;
  enum file_op op;
  int want;      /* no capabilities (the default sandbox) */
  int want_caps; /* --uid 0 --cap-add ALL */
  const char *why;
  const char *why_caps;
};

#define HOST_ROOT "owned by the host's root"
#define RO_MOUNT "the read-only mount"

static const struct kfile kfiles[] = {
  { "/dev/kmsg", F_READ, ENOENT, ENOENT, "not in the sandbox's /dev", NULL },
  { "/proc/kmsg", F_READ, EACCES, EACCES, HOST_ROOT, NULL },
  { "/proc/sys/kernel/core_pattern", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/proc/sys/kernel/modprobe", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/proc/sys/kernel/hostname", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/proc/sys/vm/drop_caches", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/proc/sys/net/ipv4/ip_forward", F_WRITE, EACCES, EACCES, "no CAP_NET_ADMIN",
    "the sandbox's netns belongs to the user namespace outside the program's" },
  { "/proc/sys/net/core/somaxconn", F_WRITE, EACCES, EACCES, "no CAP_NET_ADMIN",
    "the sandbox's netns belongs to the user namespace outside the program's" },
  { "/proc/sys/user/max_user_namespaces", F_WRITE, EACCES, EROFS, "no CAP_SYS_RESOURCE",
    "the sandbox's own user namespace, behind " RO_MOUNT },
  /* chmod asks the mount first: EROFS, where a writable mount would give
     EPERM (not the owner).  */
  { "/proc/sys/kernel/core_pattern", F_CHMOD, EROFS, EROFS, RO_MOUNT, NULL },
  { "/proc/sysrq-trigger", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/sys/kernel/uevent_helper", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/sys/kernel/mm/transparent_hugepage/enabled", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/sys/power/state", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/sys/class/net/lo/mtu", F_WRITE, EACCES, EACCES, HOST_ROOT, NULL },
  { "/sys/kernel/mm/transparent_hugepage/enabled", F_CHMOD, EROFS, EROFS, RO_MOUNT, NULL },
};

static void
check_kfile (const void *arg, struct result *r)
{
  const struct kfile *k = arg;
  int want = caps_mode ? k->want_caps : k->want;
  const char *why = caps_mode && k->why_caps ? k->why_caps : k->why;
  int fd = -1, got;
  struct stat st;
  char dir[512];

  if (k->op == F_CHMOD)
    {
      got = chmod (k->path, 0666) < 0 ? errno : 0;
      expect_errno (r, got, 0, want, why);
      return;
    }
  fd = open (k->path, (k->op == F_READ ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
  got = fd < 0 ? errno : 0;
  if (fd >= 0)
    close (fd);
  /* A kernel built without the file (no sysrq, no uevent helper) cannot
     be asked: say so rather than pass.  Its directory is there.  */
  snprintf (dir, sizeof dir, "%s", k->path);
  *strrchr (dir, '/') = '\0';
  if (got == ENOENT && want != ENOENT && stat (dir, &st) == 0)
    set_result (r, V_SKIP, "this kernel has no %s", k->path);
  else
    expect_errno (r, got, fd, want, why);
}

/* ----------------------------------------------------------------- netlink */

struct nlbuf
{
  char data[1024] __attribute__ ((aligned (NLMSG_ALIGNTO)));
  size_t len;
};

static struct nlmsghdr *
nl_msg (struct nlbuf *b, unsigned type, unsigned flags, unsigned seq, const void *hdr,
        size_t hdrlen)
{
  struct nlmsghdr *h = (struct nlmsghdr *)(b->data + b->len);

  memset (h, 0, NLMSG_SPACE (hdrlen));
  h->nlmsg_len = NLMSG_LENGTH (hdrlen);
  h->nlmsg_type = type;
  h->nlmsg_flags = flags;
  h->nlmsg_seq = seq;
  memcpy (NLMSG_DATA (h), hdr, hdrlen);
  b->len += NLMSG_ALIGN (h->nlmsg_len);
  return h;
}

/* An attribute at the end of message H (the last in B).  */
static struct nlattr *
nl_attr (struct nlbuf *b, struct nlmsghdr *h, unsigned type, const void *data, size_t len)
{
  struct nlattr *a = (struct nlattr *)((char *)h + NLMSG_ALIGN (h->nlmsg_len));

  a->nla_type = type;
  a->nla_len = NLA_HDRLEN + len;
  if (len)
    memcpy ((char *)a + NLA_HDRLEN, data, len);
  memset ((char *)a + NLA_HDRLEN + len, 0, NLA_ALIGN (len) - len);
  h->nlmsg_len = NLMSG_ALIGN (h->nlmsg_len) + NLA_ALIGN (a->nla_len);
  b->len = ((char *)h - b->data) + NLMSG_ALIGN (h->nlmsg_len);
  return a;
}

/* Close a nested attribute opened by nl_attr (A, no data) at the end of H.  */
static void
nl_nest_end (struct nlmsghdr *h, struct nlattr *a)
{
  a->nla_len = (char *)h + h->nlmsg_len - (char *)a;
}

/* Send B on a netlink socket of PROTOCOL and read the acks until the one
   for WANT_SEQ or an error: 0, the first negative ack's errno, or the
   errno of a failed call (*WHERE names it).  */
static int
nl_talk (int protocol, const struct nlbuf *b, unsigned want_seq, const char **where)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  struct timeval tv = { 2, 0 };
  char buf[8192] __attribute__ ((aligned (NLMSG_ALIGNTO)));
  int fd, e;

  *where = "socket";
  fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
  if (fd < 0)
    return errno;
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  *where = "sendto";
  if (sendto (fd, b->data, b->len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0)
    {
      e = errno;
      close (fd);
      return e;
    }
  *where = "the ack";
  for (;;)
    {
      ssize_t n = recv (fd, buf, sizeof buf, 0);
      struct nlmsghdr *h;
      if (n < 0)
        {
          e = errno == EAGAIN ? ETIMEDOUT : errno;
          close (fd);
          return e;
        }
      for (h = (struct nlmsghdr *)buf; NLMSG_OK (h, (size_t)n); h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_type != NLMSG_ERROR)
            continue;
          e = -((struct nlmsgerr *)NLMSG_DATA (h))->error;
          if (e != 0 || h->nlmsg_seq == want_seq)
            {
              close (fd);
              return e;
            }
        }
    }
}

static void
check_nft_socket (const void *arg, struct result *r)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);

  (void)arg;
  if (fd >= 0)
    close (fd);
  expect_errno (r, fd < 0 ? errno : 0, 0, 0, "allowed: the request is what gets refused");
}

/* A batch that creates the table "sbx_probe", the way nft(8) sends it.  */
static void
check_nft_newtable (const void *arg, struct result *r)
{
  struct nfgenmsg batch = { .nfgen_family = AF_UNSPEC,
                            .version = NFNETLINK_V0,
                            .res_id = htons (NFNL_SUBSYS_NFTABLES) };
  struct nfgenmsg table = { .nfgen_family = NFPROTO_INET, .version = NFNETLINK_V0 };
  struct nlbuf b = { .len = 0 };
  struct nlmsghdr *h;
  const char *where;
  int got;

  (void)arg;
  nl_msg (&b, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 1, &batch, sizeof batch);
  h = nl_msg (&b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWTABLE,
              NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK, 2, &table, sizeof table);
  nl_attr (&b, h, NFTA_TABLE_NAME, "sbx_probe", sizeof "sbx_probe");
  nl_msg (&b, NFNL_MSG_BATCH_END, NLM_F_REQUEST, 3, &batch, sizeof batch);
  got = nl_talk (NETLINK_NETFILTER, &b, 2, &where);
  if (strcmp (where, "the ack") != 0)
    set_result (r, V_FAIL, "%s: %s", where, errname (got));
  else if (caps_mode)
    expect_errno (r, got, 0, EPERM,
                  "the netns belongs to the user namespace outside the program's own");
  else
    expect_errno (r, got, 0, EPERM, "the error ack: no CAP_NET_ADMIN");
}

/* RTM_NEWLINK for a dummy link "sbxprobe0".  Under --caps, anything but
   EPERM: a kernel without the dummy driver answers EOPNOTSUPP after the
   capability check.  */
static void
check_rtm_newlink (const void *arg, struct result *r)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct nlbuf b = { .len = 0 };
  struct nlmsghdr *h;
  struct nlattr *info;
  const char *where;
  int got;

  (void)arg;
  h = nl_msg (&b, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK, 1, &ifi,
              sizeof ifi);
  nl_attr (&b, h, IFLA_IFNAME, "sbxprobe0", sizeof "sbxprobe0");
  info = nl_attr (&b, h, IFLA_LINKINFO | NLA_F_NESTED, NULL, 0);
  nl_attr (&b, h, IFLA_INFO_KIND, "dummy", sizeof "dummy");
  nl_nest_end (h, info);
  got = nl_talk (NETLINK_ROUTE, &b, 1, &where);
  if (strcmp (where, "the ack") != 0)
    set_result (r, V_FAIL, "%s: %s", where, errname (got));
  else
    expect_errno (r, got, 0, EPERM,
                  caps_mode ? "the netns belongs to the user namespace outside the program's own"
                            : "the error ack: no CAP_NET_ADMIN");
}

/* The "shocker" escape (2014): name_to_handle_at gives a handle, and
   open_by_handle_at opens it without a path, from any mount of the same
   filesystem, the host's root included.  The first is harmless and
   allowed; the second needs CAP_DAC_READ_SEARCH over the host and the
   filter refuses it anyway.  */
static void
check_shocker (const void *arg, struct result *r)
{
  struct
  {
    struct file_handle fh;
    unsigned char bytes[MAX_HANDLE_SZ];
  } h;
  int mount_id, mfd, fd, got;

  (void)arg;
  h.fh.handle_bytes = MAX_HANDLE_SZ;
  if (name_to_handle_at (AT_FDCWD, "/etc", &h.fh, &mount_id, 0) < 0)
    {
      set_result (r, V_FAIL, "name_to_handle_at(/etc): got %s want success", errname (errno));
      return;
    }
  mfd = open ("/etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (mfd < 0)
    {
      set_result (r, V_FAIL, "open /etc: %s", errname (errno));
      return;
    }
  fd = (int)syscall (SYS_open_by_handle_at, mfd, &h.fh, O_RDONLY | O_CLOEXEC);
  got = fd < 0 ? errno : 0;
  if (fd >= 0)
    close (fd);
  close (mfd);
  expect_errno (r, got, fd, EPERM, "name_to_handle_at(/etc) gave a handle");
}

static void
check_syslog (const void *arg, struct result *r)
{
  long ret = syscall (SYS_syslog, 3 /* SYSLOG_ACTION_READ_ALL */, NULL, 0);

  (void)arg;
  expect_errno (r, ret < 0 ? errno : 0, ret, EPERM,
                caps_mode ? "CAP_SYSLOG inside is not the host's" : NULL);
}

int
cmd_kernel (int argc, char **argv)
{
  static const char *const opts[] = { "--caps", NULL };
  static const struct probe_check net_checks[] = {
    { "open_by_handle_at(handle of /etc)", check_shocker, NULL },
    { "socket(AF_NETLINK, NETLINK_NETFILTER)", check_nft_socket, NULL },
    { "nftables: NFT_MSG_NEWTABLE", check_nft_newtable, NULL },
    { "rtnetlink: RTM_NEWLINK dummy", check_rtm_newlink, NULL },
  };
  struct selection sel;
  unsigned flags;
  size_t i;

  if (parse_args (argc, argv, opts, &flags, &sel))
    return 2;
  caps_mode = flags & 1;
  /* Without capabilities syslog is a row of `refused`.  */
  if (caps_mode && selected ("syslog(SYSLOG_ACTION_READ_ALL)", &sel))
    run_check ("syslog(SYSLOG_ACTION_READ_ALL)", check_syslog, NULL);
  for (i = 0; i < ARRAY_SIZE (kfiles); i++)
    {
      char name[160];
      snprintf (name, sizeof name, "%s(%s)",
                kfiles[i].op == F_CHMOD  ? "chmod"
                : kfiles[i].op == F_READ ? "open"
                                         : "write",
                kfiles[i].path);
      if (selected (name, &sel))
        run_check (name, check_kfile, &kfiles[i]);
    }
  run_checks (net_checks, ARRAY_SIZE (net_checks), &sel);
  return finish (&sel);
}
