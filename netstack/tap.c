/* sbx netstack: tap0 inside the sandbox; see tap.h.  Plain ioctls, as
   slirp4netns does: a handful of settings do not need a netlink stack.  */
#define _GNU_SOURCE
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/util.h"
#include "netspec.h"

#define TAP_NAME "tap0"

/* The kernel's struct in6_ifreq (linux/ipv6.h clashes with netinet/in.h).  */
struct sbx_in6_ifreq
{
  struct in6_addr addr;
  uint32_t prefixlen;
  int ifindex;
};

static int
set_ipv4 (int s, sbx_error_t *err)
{
  struct ifreq ifr;
  struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
  struct rtentry rt;

  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, TAP_NAME, IFNAMSIZ - 1);
  sin->sin_family = AF_INET;
  inet_pton (AF_INET, SBX_NET_GUEST4, &sin->sin_addr);
  if (ioctl (s, SIOCSIFADDR, &ifr) < 0)
    return sbx_error_make (err, errno, "set the address of " TAP_NAME);
  inet_pton (AF_INET, "255.255.255.0", &sin->sin_addr);
  if (ioctl (s, SIOCSIFNETMASK, &ifr) < 0)
    return sbx_error_make (err, errno, "set the netmask of " TAP_NAME);

  memset (&rt, 0, sizeof rt);
  ((struct sockaddr_in *)&rt.rt_dst)->sin_family = AF_INET;
  ((struct sockaddr_in *)&rt.rt_genmask)->sin_family = AF_INET;
  ((struct sockaddr_in *)&rt.rt_gateway)->sin_family = AF_INET;
  inet_pton (AF_INET, SBX_NET_GATEWAY4, &((struct sockaddr_in *)&rt.rt_gateway)->sin_addr);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  rt.rt_dev = (char *)TAP_NAME;
  if (ioctl (s, SIOCADDRT, &rt) < 0)
    return sbx_error_make (err, errno, "add the default route");
  return 0;
}

/* Turn off /proc/sys/net/ipv6/conf/tap0/NAME (the sandbox's own network
   namespace's setting).  A kernel without IPv6 has no such file.  */
static int
ipv6_conf (const char *name, sbx_error_t *err)
{
  cleanup_free char *path = xasprintf ("/proc/sys/net/ipv6/conf/" TAP_NAME "/%s", name);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0 && errno == ENOENT)
    return 0;
  if (fd < 0 || write (fd, "0", 1) != 1)
    return sbx_error_make (err, errno, "write 0 to %s", path);
  return 0;
}

static int
set_ipv6 (int ifindex, sbx_error_t *err)
{
  cleanup_close int s6 = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct sbx_in6_ifreq ifr6;
  struct in6_rtmsg rt;

  if (s6 < 0)
    return sbx_error_make (err, errno, "socket(AF_INET6)");
  /* No duplicate address detection: nothing else is on this link, and
     DAD would hold the address back for a second after the program
     starts.  This is the sandbox's own network namespace's setting.  */
  {
    cleanup_close int fd
        = open ("/proc/sys/net/ipv6/conf/" TAP_NAME "/accept_dad", O_WRONLY | O_CLOEXEC);
    if (fd >= 0 && write (fd, "0", 1) < 0)
      {
        /* An older kernel: the address is usable after DAD anyway.  */
      }
  }
  memset (&ifr6, 0, sizeof ifr6);
  inet_pton (AF_INET6, SBX_NET_GUEST6, &ifr6.addr);
  ifr6.prefixlen = 64;
  ifr6.ifindex = ifindex;
  if (ioctl (s6, SIOCSIFADDR, &ifr6) < 0)
    return sbx_error_make (err, errno, "set the IPv6 address of " TAP_NAME);

  memset (&rt, 0, sizeof rt);
  inet_pton (AF_INET6, SBX_NET_GATEWAY6, &rt.rtmsg_gateway);
  rt.rtmsg_dst_len = 0;
  rt.rtmsg_flags = RTF_UP | RTF_GATEWAY;
  rt.rtmsg_metric = 1;
  rt.rtmsg_ifindex = ifindex;
  if (ioctl (s6, SIOCADDRT, &rt) < 0)
    return sbx_error_make (err, errno, "add the IPv6 default route");
  return 0;
}

int
sbx_net_tap_setup (unsigned mtu, bool ipv6, sbx_error_t *err)
{
  cleanup_close int tap = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;
  int ifindex;

  if (tap < 0)
    {
      int e = errno; /* before anything below can change it */
      sbx_error_make (err, e, "open /dev/net/tun for --net slirp");
      if (e == ENOENT)
        sbx_error_hint (err, "this kernel has no tun/tap support (CONFIG_TUN; as root: "
                             "modprobe tun)");
      else if (e == EACCES || e == EPERM)
        sbx_error_hint (err, "users may not open it here; as root: chmod 0666 /dev/net/tun (a "
                             "udev rule does this where udev runs)");
      return sbx_error_about_host (err);
    }
  if (s < 0)
    return sbx_error_make (err, errno, "socket(AF_INET)");
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, TAP_NAME, IFNAMSIZ - 1);
  /* IFF_NO_PI: plain Ethernet frames, what slirp_input takes.  */
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (ioctl (tap, TUNSETIFF, &ifr) < 0)
    return sbx_error_make (err, errno, "create " TAP_NAME);
  /* Persistent, so that closing the last fd (the helper's exit) does not
     unregister the device: unregister_netdevice waits for an RCU barrier,
     17-40 ms that sbx, waiting for its helper, added to the end of every
     --net slirp run (issue 15).  The device lives no longer for it: it
     belongs to the sandbox's network namespace, which the kernel tears
     down, tap0 with it, in its own worker once the last process and the
     helper's fd are gone.  A kernel that refuses only makes the end
     slower.  */
  if (ioctl (tap, TUNSETPERSIST, 1) < 0)
    {
      /* Nothing to undo: the device simply goes with its last fd.  */
    }

  /* Before the link is up: its router solicitation reaches libslirp,
     whose advertisement would make the kernel add a second, SLAAC
     address.  A reply from a socket bound to :: may then leave from that
     address instead of the one the request came to, and libslirp, which
     matches a published port's flow by address, loses it (a published
     UDP port answered only in the first seconds of a sandbox).  sbx sets
     the address and the routes itself: no autoconfiguration.  */
  if (ipv6 && (ipv6_conf ("autoconf", err) < 0 || ipv6_conf ("accept_ra", err) < 0))
    return -1;
  ifr.ifr_mtu = mtu;
  if (ioctl (s, SIOCSIFMTU, &ifr) < 0)
    return sbx_error_make (err, errno, "set the MTU of " TAP_NAME " to %u", mtu);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return sbx_error_make (err, errno, "read the flags of " TAP_NAME);
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return sbx_error_make (err, errno, "bring " TAP_NAME " up");
  if (ioctl (s, SIOCGIFINDEX, &ifr) < 0)
    return sbx_error_make (err, errno, "read the index of " TAP_NAME);
  ifindex = ifr.ifr_ifindex;

  if (set_ipv4 (s, err) < 0)
    return -1;
  if (ipv6 && set_ipv6 (ifindex, err) < 0)
    return -1;
  return steal_fd (&tap);
}
