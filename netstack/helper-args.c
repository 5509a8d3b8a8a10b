/* sbx netstack: the network helper's command line; see helper-args.h.  */
#define _GNU_SOURCE
#include "helper-args.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/base/libexec.h"
#include "../core/base/log.h"
#include "../core/base/util.h"

char **
sbx_net_helper_argv (const char *prog, const struct sbx_net_helper_cfg *cfg)
{
  const struct sbx_netspec *net = cfg->net;
  char **v = xmalloc0 ((13 + net->egress.n + net->n_ports) * sizeof *v);
  size_t a = 0;

  v[a++] = xstrdup (prog);
  v[a++] = xstrdup (SBX_LIBEXEC_VERSION_ARG);
  /* First: sbx-net reports every later error on it.  */
  v[a++] = xasprintf ("--status=%d", cfg->status);
  v[a++] = xasprintf ("--tap-socket=%d", cfg->tap_socket);
  v[a++] = xasprintf ("--portsock=%d", cfg->portsock);
  v[a++] = xasprintf ("--log-level=%d", (int)sbx_log_get_level ());
  if (sbx_log_raw_terminal ())
    v[a++] = xstrdup ("--raw-terminal");
  v[a++] = xasprintf ("--mtu=%u", net->mtu);
  if (net->no_ipv6)
    v[a++] = xstrdup ("--no-ipv6");
  if (net->allow_host_loopback)
    v[a++] = xstrdup ("--allow-host-loopback");
  if (net->log)
    v[a++] = xstrdup ("--net-log");
  if (cfg->record >= 0)
    v[a++] = xasprintf ("--record=%d", cfg->record);
  for (size_t i = 0; i < net->egress.n; i++)
    v[a++] = xasprintf ("--egress=%s", net->egress.v[i].text);
  /* The listener's fd (-1 for UDP) first: the text has colons.  */
  for (size_t i = 0; i < net->n_ports; i++)
    v[a++] = xasprintf ("--publish=%d,%s", cfg->listeners[i], net->ports[i].text);
  v[a] = NULL;
  return v;
}

void
sbx_net_helper_argv_free (char **argv)
{
  for (char **a = argv; a && *a; a++)
    free (*a);
  free (argv);
}

/* A number from `s`, which must be all of it.  */
static int
number (const char *opt, const char *s, long lo, long hi, long *out, sbx_error_t *err)
{
  char *end;
  long v;

  errno = 0;
  v = strtol (s, &end, 10);
  if (errno || end == s || (*end && *end != ',') || v < lo || v > hi)
    return sbx_error_make (err, 0, "sbx-net: bad %s `%s`", opt, s);
  *out = v;
  return 0;
}

int
sbx_net_helper_parse (int argc, char **argv, struct sbx_net_helper_cfg *cfg,
                      struct sbx_netspec *net, int **listeners, sbx_error_t *err)
{
  const char *s;
  long v;

  memset (net, 0, sizeof *net);
  *cfg = (struct sbx_net_helper_cfg){
    .net = net, .tap = -1, .tap_socket = -1, .portsock = -1, .status = -1, .record = -1
  };
  *listeners = xmalloc0 (((size_t)argc + 1) * sizeof **listeners);
  cfg->listeners = *listeners;
  if (argc > 2 && (s = sbx_libexec_arg (argv[2], "--status"))
      && number ("--status", s, 3, INT_MAX, &v, err) == 0)
    cfg->status = (int)v;
  if (argc < 2 || strcmp (argv[1], SBX_LIBEXEC_VERSION_ARG) != 0)
    return sbx_error_make (err, 0, "sbx-net is not the network helper of sbx %s; reinstall sbx",
                           PACKAGE_VERSION);
  if (*err)
    return -1;
  for (int i = 3; i < argc; i++)
    {
      const char *a = argv[i];
      if ((s = sbx_libexec_arg (a, "--tap-socket")))
        {
          if (number ("--tap-socket", s, 0, INT_MAX, &v, err) < 0)
            return -1;
          cfg->tap_socket = (int)v;
        }
      else if ((s = sbx_libexec_arg (a, "--portsock")))
        {
          if (number ("--portsock", s, 0, INT_MAX, &v, err) < 0)
            return -1;
          cfg->portsock = (int)v;
        }
      else if ((s = sbx_libexec_arg (a, "--log-level")))
        {
          if (number ("--log-level", s, SBX_LOG_QUIET, SBX_LOG_DEBUG, &v, err) < 0)
            return -1;
          sbx_log_set_level ((enum sbx_log_level)v);
        }
      else if (strcmp (a, "--raw-terminal") == 0)
        sbx_log_set_raw_terminal (1);
      else if ((s = sbx_libexec_arg (a, "--mtu")))
        {
          if (number ("--mtu", s, 0, UINT16_MAX, &v, err) < 0)
            return -1;
          net->mtu = (unsigned)v;
        }
      else if (strcmp (a, "--no-ipv6") == 0)
        net->no_ipv6 = true;
      else if (strcmp (a, "--allow-host-loopback") == 0)
        net->allow_host_loopback = true;
      else if (strcmp (a, "--net-log") == 0)
        net->log = true;
      else if ((s = sbx_libexec_arg (a, "--record")))
        {
          if (number ("--record", s, 0, INT_MAX, &v, err) < 0)
            return -1;
          cfg->record = (int)v;
        }
      else if ((s = sbx_libexec_arg (a, "--egress")))
        {
          if (sbx_egress_add (&net->egress, s, err) < 0)
            return -1;
        }
      else if ((s = sbx_libexec_arg (a, "--publish")))
        {
          const char *comma = strchr (s, ',');
          if (comma == NULL || number ("--publish", s, -1, INT_MAX, &v, err) < 0)
            return comma ? -1 : sbx_error_make (err, 0, "sbx-net: bad --publish `%s`", s);
          net->ports = xrealloc (net->ports, (net->n_ports + 1) * sizeof *net->ports);
          if (sbx_publish_parse (comma + 1, &net->ports[net->n_ports], err) < 0)
            return -1;
          (*listeners)[net->n_ports++] = (int)v;
        }
      else
        return sbx_error_make (err, 0, "sbx-net: unknown argument `%s`", a);
    }
  if (cfg->tap_socket < 0 || cfg->portsock < 0)
    return sbx_error_make (err, 0, "sbx-net: --tap-socket and --portsock are needed");
  net->mode = SBX_NET_SLIRP;
  return 0;
}
