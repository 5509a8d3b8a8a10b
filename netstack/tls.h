/* sbx netstack: the server name a TLS client asks for.  The recorder
   (record.h) reads it from the first data a sandbox's TCP connection
   sends, as the `sni` line: the name a program meant, where the flow
   only shows an address.
 *
 * The bytes come from the sandbox: every length in them is checked
 * against what is there, and the parser is fuzzed
 * (tests/unit/test-egress-fuzz).  */
#ifndef SBX_NET_TLS_H
#define SBX_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A host name: at most 253 characters and a NUL.  */
#define SBX_TLS_NAME_MAX 254

/* Whether `data` (`len` bytes, the start of a TCP stream) begins with a
   TLS ClientHello that carries a server_name extension (RFC 6066 3) whose
   host_name is a plausible DNS name (letters, digits, `-`, `_`, `.`);
   if so, it is copied to `name`, lowercase.  A hello longer than `data`
   is read as far as it goes.  */
bool sbx_tls_client_hello_sni (const uint8_t *data, size_t len, char name[SBX_TLS_NAME_MAX]);

#endif
