/* sbx-net: the network helper, exec'd by the process sbx forks for it
   (netstack/netstack.c) before the sandbox exists, with the fds it
   inherits and what it needs of the spec on its command line
   (netstack/helper-args.h); the sandbox's tap comes later, over a socket.  Its own
   executable so that libslirp and glib load only where they run.  */
#include <stdio.h>
#include <unistd.h>

#include "core/base/error.h"
#include "core/base/sync.h"
#include "netstack/helper-args.h"

int
main (int argc, char **argv)
{
  struct sbx_net_helper_cfg cfg;
  struct sbx_netspec net;
  int *listeners = NULL;
  sbx_error_t err = NULL;

  if (sbx_net_helper_parse (argc, argv, &cfg, &net, &listeners, &err) < 0)
    {
      /* sbx waits on the status socket for this; anyone else who ran
         it by hand reads stderr.  */
      if (cfg.status < 0 || sbx_sync_write (cfg.status, SBX_SYNC_ERROR, err) < 0)
        fprintf (stderr, "sbx-net: %s (sbx runs this helper itself)\n", err->msg);
      return SBX_EXIT_FAILURE;
    }
  /* Started before the sandbox exists (libslirp and glib load meanwhile):
     wait for its tap.  EOF: sbx gave up on the sandbox; it says why.  */
  {
    struct sbx_sync_msg m;
    if (sbx_sync_recv (cfg.tap_socket, &m, &cfg.tap) <= 0 || m.type != SBX_SYNC_TAP || cfg.tap < 0)
      return SBX_EXIT_FAILURE;
    close (cfg.tap_socket);
    cfg.tap_socket = -1;
  }
  sbx_net_helper_main (&cfg);
}
