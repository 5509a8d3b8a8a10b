/* sbx netstack: the network helper's command line.  The helper is its
   own executable, sbx-net (core/base/libexec.h says why), exec'd by the
   process sbx forks for it: what it needs of the spec and the fds it
   inherits travel as arguments, one writer and one reader here, so the
   two cannot drift apart.  Rules and ports travel as the user wrote
   them and go through the same parsers again.  */
#ifndef SBX_NET_HELPER_ARGS_H
#define SBX_NET_HELPER_ARGS_H

#include "../core/base/error.h"
#include "helper.h"

/* argv for sbx-net (argv[0] is `prog`), NULL-terminated; free with
   sbx_net_helper_argv_free.  Also carries the log level.  */
char **sbx_net_helper_argv (const char *prog, const struct sbx_net_helper_cfg *cfg);
void sbx_net_helper_argv_free (char **argv);

/* In sbx-net: rebuild `cfg` (and the netspec and listener array it
   points to, which `net` and `listeners` own) from the arguments.
   cfg->status is the first thing read, so that even a later error can
   be reported where sbx waits for one.  */
int sbx_net_helper_parse (int argc, char **argv, struct sbx_net_helper_cfg *cfg,
                          struct sbx_netspec *net, int **listeners, sbx_error_t *err);

#endif
