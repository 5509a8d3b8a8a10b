/* sbx netstack: the server name a TLS client asks for; see tls.h.
 *
 * A small reader over `struct cursor`: each step checks its length
 * against what is left and fails the whole read otherwise.  No library
 * of ours parses a ClientHello outside a handshake (OpenSSL's
 * SSL_client_hello_get0_ext works only inside a server's callback).  */
#define _GNU_SOURCE
#include "tls.h"

#include <string.h>

struct cursor
{
  const uint8_t *p;
  size_t left;
};

static bool
take (struct cursor *c, size_t n, const uint8_t **out)
{
  if (c->left < n)
    return false;
  if (out)
    *out = c->p;
  c->p += n;
  c->left -= n;
  return true;
}

/* A big-endian number of `bytes` bytes (1 to 3).  */
static bool
num (struct cursor *c, size_t bytes, size_t *v)
{
  const uint8_t *b;

  if (!take (c, bytes, &b))
    return false;
  *v = 0;
  for (size_t i = 0; i < bytes; i++)
    *v = *v << 8 | b[i];
  return true;
}

/* A sub-cursor over the next `n` bytes; false when they are not all
   there.  */
static bool
sub (struct cursor *c, size_t n, struct cursor *out)
{
  out->p = c->p;
  out->left = n;
  return take (c, n, NULL);
}

/* A vector with a 1- or 2-byte length.  */
static bool
skip_vec (struct cursor *c, int width)
{
  size_t n;

  return num (c, (size_t)width, &n) && take (c, n, NULL);
}

static bool
copy_name (const uint8_t *s, size_t n, char name[SBX_TLS_NAME_MAX])
{
  if (n == 0 || n >= SBX_TLS_NAME_MAX)
    return false;
  for (size_t i = 0; i < n; i++)
    {
      char ch = (char)s[i];

      if (ch >= 'A' && ch <= 'Z')
        ch = (char)(ch - 'A' + 'a');
      else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'
                 || ch == '.'))
        return false;
      name[i] = ch;
    }
  name[n] = '\0';
  /* A trailing dot is not part of the name (RFC 6066 forbids it).  */
  if (name[n - 1] == '.')
    name[n - 1] = '\0';
  return name[0] != '\0';
}

/* The server_name extension's body: a list of (type, name); the first
   host_name (type 0) is the one.  */
static bool
server_name (struct cursor ext, char name[SBX_TLS_NAME_MAX])
{
  struct cursor list;
  size_t n;

  if (!num (&ext, 2, &n) || !sub (&ext, n, &list))
    return false;
  while (list.left > 0)
    {
      const uint8_t *s;
      size_t type, len;

      if (!num (&list, 1, &type) || !num (&list, 2, &len) || !take (&list, len, &s))
        return false;
      if (type == 0)
        return copy_name (s, len, name);
    }
  return false;
}

bool
sbx_tls_client_hello_sni (const uint8_t *data, size_t len, char name[SBX_TLS_NAME_MAX])
{
  struct cursor c = { data, len }, hello, exts;
  size_t type, n, major, minor;

  /* The record: handshake (22), version 3.x, its length (a hello split
     across records or segments is read as far as this one goes).  */
  if (!num (&c, 1, &type) || type != 22 || !num (&c, 1, &major) || major != 3
      || !num (&c, 1, &minor) || !num (&c, 2, &n))
    return false;
  if (n < c.left)
    c.left = n;
  /* The handshake message: ClientHello (1).  */
  if (!num (&c, 1, &type) || type != 1 || !num (&c, 3, &n))
    return false;
  hello.p = c.p;
  hello.left = n < c.left ? n : c.left;
  /* client_version, random, session_id, cipher_suites,
     compression_methods, then the extensions.  */
  if (!take (&hello, 2 + 32, NULL) || !skip_vec (&hello, 1) || !skip_vec (&hello, 2)
      || !skip_vec (&hello, 1) || !num (&hello, 2, &n))
    return false;
  exts.p = hello.p;
  exts.left = n < hello.left ? n : hello.left;
  while (exts.left > 0)
    {
      struct cursor body;
      size_t ext_type;

      if (!num (&exts, 2, &ext_type) || !num (&exts, 2, &n) || !sub (&exts, n, &body))
        return false;
      if (ext_type == 0)
        return server_name (body, name);
    }
  return false;
}
