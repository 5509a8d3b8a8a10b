/* sbx netstack: the network part of the sandbox's spec, and the
   addresses of slirp's virtual network.  It belongs to netstack: core's
   struct sbx_spec embeds it (core/spec.h includes this header, the one
   way the two meet besides netstack.h), and netstack's functions take
   only this part, never the whole spec.  So this header includes nothing
   of core/ but core/base/.  */
#ifndef SBX_NETSPEC_H
#define SBX_NETSPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "egress.h"
#include "publish.h"

/* The addresses slirp's virtual network uses, and the sandbox's own.  */
#define SBX_NET_GUEST4 "10.0.2.100"
#define SBX_NET_GATEWAY4 "10.0.2.2"
#define SBX_NET_DNS4 "10.0.2.3"
#define SBX_NET_GUEST6 "fd00::100"
#define SBX_NET_GATEWAY6 "fd00::2"
#define SBX_NET_DNS6 "fd00::3"

enum sbx_net_mode
{
  SBX_NET_NONE = 0, /* loopback only */
  SBX_NET_SLIRP,    /* user-mode networking through libslirp */
  SBX_NET_HOST,     /* the host's network namespace, shared */
};

struct sbx_netspec
{
  enum sbx_net_mode mode;
  unsigned mtu; /* 0: the default, 65520 */
  bool no_ipv6;
  bool allow_host_loopback;
  struct sbx_publish *ports;
  size_t n_ports;
  struct sbx_egress egress;
  bool log; /* --net-log: one line per refused connection, rate-limited */
  /* --net-record FILE (and `sbx learn`): an absolute path; sbx opens it
     for appending before the helper starts and the helper writes what
     the sandbox reached there (record.h).  NULL: nothing recorded.  */
  char *record_path;
  char *needs_slirp; /* the first setting that needs --net slirp, for the error */
};

#endif
