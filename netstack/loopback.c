/* sbx netstack: bring lo up; see loopback.h.  */
#define _GNU_SOURCE
#include "loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/base/util.h"

/* A program in a sandbox runs as an ordinary user, yet `python3 -m
   http.server 80` is what people type: ports are the sandbox's own in its
   network namespace, so every port is unprivileged there (as in rootless
   containers).  Best effort: an older kernel keeps the default.  */
static void
unprivileged_ports (void)
{
  cleanup_close int fd
      = open ("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC);
  if (fd >= 0 && write (fd, "0", 1) < 0)
    return;
}

int
sbx_net_loopback_up (sbx_error_t *err)
{
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr;

  if (s < 0)
    return sbx_error_make (err, errno, "socket for the loopback interface");
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return sbx_error_make (err, errno, "read the flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return sbx_error_make (err, errno, "bring lo up");
  unprivileged_ports ();
  return 0;
}
