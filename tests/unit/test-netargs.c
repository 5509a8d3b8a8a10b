/* sbx unit test: the network helper's command line
 * (netstack/helper-args.c): what sbx writes, sbx-net reads back the same,
 * and a wrong version or a bad argument is an error.  Pure: no helper
 * runs, the fd numbers are just numbers.  */
#define _GNU_SOURCE
#include <string.h>

#include "config.h"
#include "core/base/log.h"
#include "netstack/helper-args.h"
#include "tap.h"

static int
count (char **v)
{
  int n = 0;
  while (v[n])
    n++;
  return n;
}

int
main (void)
{
  struct sbx_netspec net = { .mode = SBX_NET_SLIRP, .mtu = 1500, .no_ipv6 = true, .log = true };
  struct sbx_publish ports[2];
  int listeners_in[2] = { 7, -1 };
  struct sbx_net_helper_cfg in = { .net = &net,
                                   .tap = -1,
                                   .tap_socket = 4,
                                   .listeners = listeners_in,
                                   .portsock = 5,
                                   .status = 6,
                                   .record = 8 },
                            out;
  struct sbx_netspec back;
  int *listeners = NULL;
  sbx_error_t err = NULL;
  char **argv;

  TAP_OK (sbx_egress_add_preset (&net.egress, "no-lan", &err) == 0, "the no-lan preset parses");
  TAP_OK (sbx_egress_add (&net.egress, "deny:[fd00::/8]:53/udp", &err) == 0, "a v6 rule parses");
  TAP_OK (sbx_egress_add (&net.egress, "allow:host:*.Example.org:443/tcp", &err) == 0,
          "a host rule parses");
  TAP_OK (sbx_publish_parse ("127.0.0.1:8080:80", &ports[0], &err) == 0, "a TCP port parses");
  TAP_OK (sbx_publish_parse ("[::1]:5353:53/udp", &ports[1], &err) == 0, "a UDP port parses");
  net.ports = ports;
  net.n_ports = 2;
  sbx_log_set_level (SBX_LOG_DEBUG);

  argv = sbx_net_helper_argv ("/x/sbx-net", &in);
  TAP_IS_STR (argv[0], "/x/sbx-net", "argv[0] is where the helper was found");
  TAP_OK (sbx_net_helper_parse (count (argv), argv, &out, &back, &listeners, &err) == 0,
          "sbx-net reads what sbx wrote");
  TAP_IS_INT (out.tap_socket, 4, "the socket the tap comes on");
  TAP_IS_INT (out.portsock, 5, "the port socket's fd");
  TAP_IS_INT (out.status, 6, "the status socket's fd");
  TAP_IS_INT (out.record, 8, "the --net-record file's fd");
  TAP_IS_INT (back.mode, SBX_NET_SLIRP, "slirp");
  TAP_IS_UINT (back.mtu, 1500, "the MTU");
  TAP_OK (back.no_ipv6 && back.log && !back.allow_host_loopback, "the flags");
  TAP_IS_UINT (back.egress.n, net.egress.n, "every egress rule");
  for (size_t i = 0; i < net.egress.n && i < back.egress.n; i++)
    if (memcmp (&net.egress.v[i], &back.egress.v[i], offsetof (struct sbx_egress_rule, text)) != 0
        || strcmp (net.egress.v[i].text, back.egress.v[i].text) != 0
        || !net.egress.v[i].host != !back.egress.v[i].host
        || (net.egress.v[i].host && strcmp (net.egress.v[i].host, back.egress.v[i].host) != 0))
      TAP_OK (false, "egress rule %zu `%s` comes back the same", i, net.egress.v[i].text);
  TAP_IS_UINT (back.n_ports, 2, "both ports");
  if (back.n_ports == 2)
    {
      TAP_OK (memcmp (&back.ports[0], &ports[0], offsetof (struct sbx_publish, text)) == 0
                  && memcmp (&back.ports[1], &ports[1], offsetof (struct sbx_publish, text)) == 0,
              "the ports come back the same");
      TAP_IS_INT (out.listeners[0], 7, "the TCP port's listener");
      TAP_IS_INT (out.listeners[1], -1, "the UDP port has none");
    }
  TAP_IS_INT (sbx_log_get_level (), SBX_LOG_DEBUG, "the log level");

  /* Another build's helper, and a bad argument.  */
  free (argv[1]);
  argv[1] = strdup ("--sbx-version=0.0-other");
  sbx_error_release (&err);
  TAP_OK (sbx_net_helper_parse (count (argv), argv, &out, &back, &listeners, &err) < 0
              && out.status == 6,
          "another version is refused, and the status fd is still known to report it");
  TAP_HAS_STR (err ? err->msg : "", "is not the network helper of sbx " PACKAGE_VERSION,
               "the error says why");
  sbx_error_release (&err);
  free (argv[1]);
  argv[1] = strdup ("--sbx-version=" PACKAGE_VERSION);
  free (argv[3]);
  argv[3] = strdup ("--tap-socket=x");
  TAP_OK (sbx_net_helper_parse (count (argv), argv, &out, &back, &listeners, &err) < 0,
          "a bad fd number is refused");
  TAP_HAS_STR (err ? err->msg : "", "bad --tap-socket `x`", "the error names it");
  sbx_error_release (&err);
  sbx_net_helper_argv_free (argv);

  /* Without --net-record, no fd travels and none comes back.  */
  in.record = -1;
  argv = sbx_net_helper_argv ("/x/sbx-net", &in);
  for (char **a = argv; *a; a++)
    if (strncmp (*a, "--record", 8) == 0)
      TAP_OK (false, "no --record argument without a file (got `%s`)", *a);
  TAP_OK (sbx_net_helper_parse (count (argv), argv, &out, &back, &listeners, &err) == 0
              && out.record == -1,
          "without a file, the helper has no record fd");
  sbx_error_release (&err);
  sbx_net_helper_argv_free (argv);
  return tap_done ();
}
