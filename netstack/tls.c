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

static bool
u8 (struct cursor *c, size_t *v)
{
  const uint8_t *b;

  if (!take (c, 1, &b))
    return false;
  *v = b[0];
  return true;
}

static bool
u16 (struct cursor *c, size_t *v)
{
  const uint8_t *b;

  if (!take (c, 2, &b))
    return false;
  *v = (size_t)(b[0] << 8 | b[1]);
  return true;
}

static bool
u24 (struct cursor *c, size_t *v)
{
  const uint8_t *b;

  if (!take (c, 3, &b))
    return false;
  *v = (size_t)b[0] << 16 | (size_t)b[1] << 8 | b[2];
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

  return (width == 1 ? u8 (c, &n) : u16 (c, &n)) && take (c, n, NULL);
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

  if (!u16 (&ext, &n) || !sub (&ext, n, &list))
    return false;
  while (list.left > 0)
    {
      const uint8_t *s;
      size_t type, len;

      if (!u8 (&list, &type) || !u16 (&list, &len) || !take (&list, len, &s))
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
  if (!u8 (&c, &type) || type != 22 || !u8 (&c, &major) || major != 3 || !u8 (&c, &minor)
      || !u16 (&c, &n))
    return false;
  if (n < c.left)
    c.left = n;
  /* The handshake message: ClientHello (1).  */
  if (!u8 (&c, &type) || type != 1 || !u24 (&c, &n))
    return false;
  hello.p = c.p;
  hello.left = n < c.left ? n : c.left;
  /* client_version, random, session_id, cipher_suites,
     compression_methods, then the extensions.  */
  if (!take (&hello, 2 + 32, NULL) || !skip_vec (&hello, 1) || !skip_vec (&hello, 2)
      || !skip_vec (&hello, 1) || !u16 (&hello, &n))
    return false;
  exts.p = hello.p;
  exts.left = n < hello.left ? n : hello.left;
  while (exts.left > 0)
    {
      struct cursor body;
      size_t ext_type;

      if (!u16 (&exts, &ext_type) || !u16 (&exts, &n) || !sub (&exts, n, &body))
        return false;
      if (ext_type == 0)
        return server_name (body, name);
    }
  return false;
}
