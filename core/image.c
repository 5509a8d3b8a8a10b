/* sbx: OCI image layouts, read and checked in the launcher (json-c and
   nettle, which it links anyway); unpacking a missing layer is
   sbx-image's (image-unpack.c, libarchive).  See image.h.  */
#define _GNU_SOURCE
#include "image.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "state.h"
#include "trust.h"
#include "userns.h"

#define MEDIA_INDEX "application/vnd.oci.image.index.v1+json"
#define MAX_JSON_BLOB (4u << 20)

/* "sha256:HEX" with 64 lower-case hex digits, nothing else: the hex
   becomes a path, so it must not hold a '/' or "..".  */
const char *
sbx_image_digest_hex (const char *digest)
{
  if (digest == NULL || strncmp (digest, "sha256:", 7) != 0 || strlen (digest) != 71)
    return NULL;
  for (const char *p = digest + 7; *p; p++)
    if (!isdigit ((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
      return NULL;
  return digest + 7;
}

/* sha256 of a file, as lower-case hex.  */
static int
file_sha256 (const char *path, char out[65], sbx_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct sha256_ctx ctx;
  unsigned char md[SHA256_DIGEST_SIZE], buf[65536];
  ssize_t n;

  if (fd < 0)
    return sbx_error_make (err, errno, "open `%s`", path);
  sha256_init (&ctx);
  while ((n = read (fd, buf, sizeof buf)) > 0)
    sha256_update (&ctx, n, buf);
  if (n < 0)
    return sbx_error_make (err, errno, "read `%s`", path);
  sha256_digest (&ctx, sizeof md, md);
  for (int i = 0; i < 32; i++)
    sprintf (out + 2 * i, "%02x", md[i]);
  return 0;
}

char *
sbx_image_verified_blob (const char *dir, const char *digest, sbx_error_t *err)
{
  const char *hex = sbx_image_digest_hex (digest);
  char got[65];
  char *path;

  if (hex == NULL)
    {
      sbx_error_make (err, 0, "image `%s`: `%s` is not a sha256 digest", dir,
                      digest ? digest : "(none)");
      return NULL;
    }
  path = xasprintf ("%s/blobs/sha256/%s", dir, hex);
  if (file_sha256 (path, got, err) < 0)
    {
      free (path);
      sbx_error_prefix (err, "image `%s`", dir);
      return NULL;
    }
  if (strcmp (got, hex) != 0)
    {
      sbx_error_make (err, 0,
                      "image `%s`: blob %s does not match its digest (its content hashes to "
                      "sha256:%s): the image is corrupt or truncated; copy it again",
                      dir, digest, got);
      free (path);
      return NULL;
    }
  return path;
}

static json_object *
read_json_blob (const char *dir, const char *digest, sbx_error_t *err)
{
  cleanup_free char *path = sbx_image_verified_blob (dir, digest, err);
  json_object *j;
  struct stat st;

  if (path == NULL)
    return NULL;
  if (stat (path, &st) == 0 && (size_t)st.st_size > MAX_JSON_BLOB)
    {
      sbx_error_make (err, EFBIG, "image `%s`: blob %s", dir, digest);
      return NULL;
    }
  j = json_object_from_file (path);
  if (j == NULL)
    sbx_error_make (err, 0, "image `%s`: blob %s is not JSON", dir, digest);
  return j;
}

static const char *
str_field (json_object *o, const char *key)
{
  json_object *v;
  if (o == NULL || !json_object_object_get_ex (o, key, &v)
      || !json_object_is_type (v, json_type_string))
    return NULL;
  return json_object_get_string (v);
}

static json_object *
arr_field (json_object *o, const char *key)
{
  json_object *v;
  if (o == NULL || !json_object_object_get_ex (o, key, &v)
      || !json_object_is_type (v, json_type_array))
    return NULL;
  return v;
}

static const char *
go_arch (void)
{
  static struct utsname u;
  uname (&u);
  if (strcmp (u.machine, "x86_64") == 0)
    return "amd64";
  if (strcmp (u.machine, "aarch64") == 0)
    return "arm64";
  return u.machine;
}

/* The references an index holds, for an error: "`a`, `b`", or "no
   tagged manifest".  */
static char *
ref_names (json_object *list)
{
  size_t n = list ? json_object_array_length (list) : 0;
  char *out = NULL;

  for (size_t i = 0; i < n; i++)
    {
      json_object *ann = NULL;
      const char *name;
      char *next;
      json_object_object_get_ex (json_object_array_get_idx (list, i), "annotations", &ann);
      name = str_field (ann, "org.opencontainers.image.ref.name");
      if (name == NULL)
        continue;
      next = xasprintf ("%s%s`%s`", out ? out : "", out ? ", " : "", name);
      free (out);
      out = next;
    }
  return out ? out : xstrdup ("no tagged manifest");
}

/* Pick the manifest descriptor of `tag` in an index (or an image index
   inside it, by platform).  Returns a new reference.  */
static json_object *
pick_manifest (const char *dir, json_object *index, const char *tag, int depth, sbx_error_t *err)
{
  json_object *list = arr_field (index, "manifests");
  json_object *found = NULL;
  size_t n = list ? json_object_array_length (list) : 0;

  for (size_t i = 0; i < n && found == NULL; i++)
    {
      json_object *m = json_object_array_get_idx (list, i);
      json_object *ann = NULL, *plat = NULL;
      const char *name;
      json_object_object_get_ex (m, "annotations", &ann);
      json_object_object_get_ex (m, "platform", &plat);
      name = str_field (ann, "org.opencontainers.image.ref.name");
      if (depth == 0 && tag && (name == NULL || strcmp (name, tag) != 0))
        continue;
      if (depth > 0 && plat
          && (!str_field (plat, "architecture")
              || strcmp (str_field (plat, "architecture"), go_arch ()) != 0))
        continue;
      found = m;
    }
  if (found == NULL && depth == 0 && tag == NULL && n == 1)
    found = json_object_array_get_idx (list, 0);
  if (found == NULL && depth > 0)
    {
      sbx_error_make (err, 0, "image `%s`: no manifest for this architecture (%s)", dir,
                      go_arch ());
      return NULL;
    }
  if (found == NULL)
    {
      cleanup_free char *names = ref_names (list);
      if (tag)
        sbx_error_make (err, 0,
                        "image `%s`: no manifest with that tag `%s` "
                        "(org.opencontainers.image.ref.name); the image holds %s",
                        dir, tag, names);
      else
        sbx_error_make (err, 0, "image `%s`: several manifests: give one, oci:%s:REF; it holds %s",
                        dir, dir, names);
      return NULL;
    }
  if (str_field (found, "mediaType") && strcmp (str_field (found, "mediaType"), MEDIA_INDEX) == 0)
    {
      json_object *inner = read_json_blob (dir, str_field (found, "digest"), err);
      json_object *r;
      if (inner == NULL || depth > 2)
        {
          json_object_put (inner);
          return NULL;
        }
      r = pick_manifest (dir, inner, tag, depth + 1, err);
      json_object_put (inner);
      return r;
    }
  return json_object_get (found);
}

static char **
strings (json_object *arr1, json_object *arr2)
{
  size_t n1 = arr1 ? json_object_array_length (arr1) : 0;
  size_t n2 = arr2 ? json_object_array_length (arr2) : 0;
  char **v = xmalloc0 ((n1 + n2 + 1) * sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < n1; i++)
    v[k++] = xstrdup (json_object_get_string (json_object_array_get_idx (arr1, i)));
  for (size_t i = 0; i < n2; i++)
    v[k++] = xstrdup (json_object_get_string (json_object_array_get_idx (arr2, i)));
  return v;
}

/* Whether the store holds the layer `hex`: 1 yes, 0 no.  The store is
   hidden in every sandbox (trust.h) and an entry appears whole by a
   rename; still, an entry that is not a plain directory (a symlink would
   make the sandbox's lower layer whatever it names) is removed here and
   unpacked anew.  The layer's own top directory carries the owner and
   mode its tar says, so only its type is checked.  */
int
sbx_image_layer_present (int storefd, const char *hex)
{
  struct stat st;

  if (fstatat (storefd, hex, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISDIR (st.st_mode))
    return 1;
  sbx_log_debug ("layer store: %s is not a directory: removed, unpacked anew", hex);
  unlinkat (storefd, hex, 0);
  return 0;
}

int
sbx_image_prepare (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                   sbx_error_t *err)
{
  cleanup_free char *index_path = NULL, *data = NULL, *store = NULL;
  cleanup_close int storefd = -1;
  json_object *index = NULL, *desc = NULL, *manifest = NULL, *config = NULL, *layers, *cfg;
  const char **missing = NULL;
  size_t n_missing = 0;
  int ret = -1;

  memset (img, 0, sizeof *img);
  if (sbx_image_parse_ref (ref, &img->dir, &img->tag, err) < 0)
    return -1;
  index_path = xasprintf ("%s/index.json", img->dir);
  if (access (index_path, R_OK) < 0)
    return sbx_error_make (err, errno, "--image `%s`: `%s`", ref, index_path);
  index = json_object_from_file (index_path);
  if (index == NULL)
    return sbx_error_make (err, 0, "--image `%s`: `%s` is not JSON", ref, index_path);
  desc = pick_manifest (img->dir, index, img->tag, 0, err);
  if (desc == NULL)
    goto out;
  manifest = read_json_blob (img->dir, str_field (desc, "digest"), err);
  if (manifest == NULL)
    goto out;
  {
    json_object *c = NULL;
    json_object_object_get_ex (manifest, "config", &c);
    config = read_json_blob (img->dir, str_field (c, "digest"), err);
    if (config == NULL)
      goto out;
  }
  cfg = NULL;
  json_object_object_get_ex (config, "config", &cfg);
  img->env = strings (arr_field (cfg, "Env"), NULL);
  img->cmd = strings (arr_field (cfg, "Entrypoint"), arr_field (cfg, "Cmd"));
  if (str_field (cfg, "WorkingDir") && *str_field (cfg, "WorkingDir"))
    img->workdir = xstrdup (str_field (cfg, "WorkingDir"));
  if (str_field (cfg, "User") && *str_field (cfg, "User"))
    img->user = xstrdup (str_field (cfg, "User"));

  data = sbx_state_data_dir ();
  store = xasprintf ("%s/layers/sha256", data);
  storefd = sbx_own_open (SBX_OWN_DATA, "layers/sha256", true, err);
  if (storefd < 0)
    {
      sbx_error_prefix (err, "the layer store");
      goto out;
    }
  layers = arr_field (manifest, "layers");
  for (size_t i = 0; layers && i < json_object_array_length (layers); i++)
    {
      const char *digest = str_field (json_object_array_get_idx (layers, i), "digest");
      const char *hex = sbx_image_digest_hex (digest);
      if (hex == NULL)
        {
          sbx_error_make (err, 0, "image `%s`: `%s` is not a sha256 digest", img->dir,
                          digest ? digest : "(none)");
          goto out;
        }
      /* Unpacked layers are used as they are; the rest sbx-image
         unpacks, all in one run, below.  */
      if (!sbx_image_layer_present (storefd, hex))
        {
          missing = xrealloc (missing, (n_missing + 1) * sizeof *missing);
          missing[n_missing++] = digest;
        }
      img->layers = xrealloc (img->layers, (img->n_layers + 1) * sizeof *img->layers);
      img->layers[img->n_layers++] = xasprintf ("%s/%s", store, hex);
    }
  if (img->n_layers == 0)
    {
      sbx_error_make (err, 0, "--image `%s`: the image has no layers", ref);
      goto out;
    }
  if (n_missing > 0 && sbx_image_run_unpacker (ref, img->dir, missing, n_missing, user, err) < 0)
    goto out;
  ret = 0;
out:
  free (missing);
  json_object_put (index);
  json_object_put (desc);
  json_object_put (manifest);
  json_object_put (config);
  return ret;
}
