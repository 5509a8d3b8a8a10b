/* sbx netstack: bring lo up; see loopback.h.  */
#define _GNU_SOURCE
#include "loopback.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/util.h"

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
  return 0;
}
