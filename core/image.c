/* sbx: OCI image layouts; see image.h.  */
#define _GNU_SOURCE
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/xattr.h>
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
static const char *
digest_hex (const char *digest)
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

/* The path of a blob, checked against its digest.  */
static char *
verified_blob (const char *dir, const char *digest, sbx_error_t *err)
{
  const char *hex = digest_hex (digest);
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
  cleanup_free char *path = verified_blob (dir, digest, err);
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

/* --- unpacking, inside the user namespace ------------------------------ */

struct unpack
{
  const char *blob, *tmp, *final;
  char msg[512];
};

static int
whiteout (const char *rel, struct unpack *u)
{
  cleanup_free char *copy = xstrdup (rel);
  char *slash = strrchr (copy, '/');
  const char *base = slash ? slash + 1 : copy;
  const char *parent = slash ? (*slash = '\0', copy) : ".";

  if (strcmp (base, ".wh..wh..opq") == 0)
    {
      /* Opaque: what lies below in older layers is hidden.  */
      if (setxattr (parent, "user.overlay.opaque", "y", 1, 0) < 0
          || setxattr (parent, "user.fuseoverlayfs.opaque", "y", 1, 0) < 0)
        {
          snprintf (u->msg, sizeof u->msg, "mark `%s` opaque: %s", parent, strerror (errno));
          return -1;
        }
      return 0;
    }
  {
    cleanup_free char *target = slash ? xasprintf ("%s/%s", parent, base + 4) : xstrdup (base + 4);
    if (mknod (target, S_IFCHR | 0000, makedev (0, 0)) < 0 && errno != EEXIST)
      {
        snprintf (u->msg, sizeof u->msg, "whiteout `%s`: %s", target, strerror (errno));
        return -1;
      }
  }
  return 0;
}

static bool
path_is_safe (const char *p)
{
  if (p[0] == '/')
    return false;
  for (const char *s = p; (s = strstr (s, "..")) != NULL; s += 2)
    if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
      return false;
  return true;
}

/* The data of the entry just written, block by block.  */
static int
copy_data (struct archive *a, struct archive *w, const char *name, struct unpack *u)
{
  const void *buf;
  size_t size;
  la_int64_t off;
  int r;

  while ((r = archive_read_data_block (a, &buf, &size, &off)) == ARCHIVE_OK)
    if (archive_write_data_block (w, buf, size, off) < ARCHIVE_WARN)
      {
        snprintf (u->msg, sizeof u->msg, "entry `%s`: %s", name, archive_error_string (w));
        return -1;
      }
  if (r != ARCHIVE_EOF)
    {
      snprintf (u->msg, sizeof u->msg, "entry `%s`: %s", name, archive_error_string (a));
      return -1;
    }
  return 0;
}

/* One entry of the layer's tar: refused if it would land outside the
   layer, a whiteout turned into what overlays read, a device node
   skipped, anything else written with its owner, mode and times.  -1
   with u->msg filled.  */
static int
unpack_entry (struct archive *a, struct archive *w, struct archive_entry *e, struct unpack *u)
{
  const char *name = archive_entry_pathname (e);
  const char *base, *link = archive_entry_hardlink (e);
  mode_t type = archive_entry_filetype (e);

  while (name && name[0] == '.' && name[1] == '/')
    name += 2;
  if (name == NULL || *name == '\0' || strcmp (name, ".") == 0)
    return 0;
  if (!path_is_safe (name) || (link && !path_is_safe (link)))
    {
      snprintf (u->msg, sizeof u->msg, "entry `%s` would land outside the layer", name);
      return -1;
    }
  archive_entry_set_pathname (e, name);
  base = strrchr (name, '/') ? strrchr (name, '/') + 1 : name;
  if (strncmp (base, ".wh.", 4) == 0)
    return whiteout (name, u);
  /* A user namespace cannot make device nodes; the sandbox brings its
     own /dev anyway.  */
  if (type == AE_IFCHR || type == AE_IFBLK)
    return 0;
  if (archive_write_header (w, e) < ARCHIVE_WARN)
    {
      snprintf (u->msg, sizeof u->msg, "entry `%s`: %s", name, archive_error_string (w));
      return -1;
    }
  if (archive_entry_size (e) > 0 && copy_data (a, w, name, u) < 0)
    return -1;
  if (archive_write_finish_entry (w) < ARCHIVE_WARN)
    {
      snprintf (u->msg, sizeof u->msg, "entry `%s`: %s", name, archive_error_string (w));
      return -1;
    }
  return 0;
}

/* Nothing half-unpacked stays in the store.  */
static void
discard_tmp (const struct unpack *u)
{
  cleanup_free char *parent = xstrdup (u->tmp);
  char *slash = strrchr (parent, '/');
  int fd;

  if (chdir ("/") < 0)
    {
      /* the removal below goes by fd */
    }
  *slash = '\0';
  fd = open (parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      sbx_state_remove_tree (fd, slash + 1);
      close (fd);
    }
}

/* implements sbx_userns_call's fn: unpack the layer into u->tmp, then
   rename it to u->final, in the sandboxes' mapping (root inside).  */
static int
unpack_inside (void *arg, sbx_error_t *err)
{
  struct unpack *u = arg;
  struct archive *a = archive_read_new ();
  struct archive *w = archive_write_disk_new ();
  struct archive_entry *e;
  int r, ret = -1;

  archive_read_support_filter_all (a);
  archive_read_support_format_tar (a);
  /* Owners (we have CAP_CHOWN over the mapped ids), modes, times; and the
     guards that keep every entry inside the layer.  */
  archive_write_disk_set_options (
      w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR
             | ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS
             | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK);
  if (mkdir (u->tmp, 0755) < 0 || chdir (u->tmp) < 0)
    {
      snprintf (u->msg, sizeof u->msg, "make `%s`: %s", u->tmp, strerror (errno));
      goto out;
    }
  if (archive_read_open_filename (a, u->blob, 65536) != ARCHIVE_OK)
    {
      snprintf (u->msg, sizeof u->msg, "%s", archive_error_string (a));
      goto out;
    }
  while ((r = archive_read_next_header (a, &e)) == ARCHIVE_OK)
    if (unpack_entry (a, w, e, u) < 0)
      goto out;
  if (r != ARCHIVE_EOF || archive_write_close (w) != ARCHIVE_OK)
    {
      snprintf (u->msg, sizeof u->msg, "%s",
                r != ARCHIVE_EOF ? archive_error_string (a) : archive_error_string (w));
      goto out;
    }
  if (chdir ("/") < 0 || rename (u->tmp, u->final) < 0)
    {
      snprintf (u->msg, sizeof u->msg, "store the layer: %s", strerror (errno));
      goto out;
    }
  ret = 0;
out:
  archive_read_free (a);
  archive_write_free (w);
  if (ret < 0)
    {
      discard_tmp (u);
      sbx_error_make (err, 0, "%s", u->msg);
    }
  return ret;
}

/* Whether the store holds the layer `hex`: 1 yes, 0 no.  The store is
   hidden in every sandbox (trust.h) and an entry appears whole by a
   rename; still, an entry that is not a plain directory (a symlink would
   make the sandbox's lower layer whatever it names) is removed here and
   unpacked anew.  The layer's own top directory carries the owner and
   mode its tar says, so only its type is checked.  */
static int
layer_present (int storefd, const char *hex)
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

static int
unpack_layer (const char *dir, const char *digest, const struct sbx_user *user, const char *store,
              int storefd, char **out, sbx_error_t *err)
{
  const char *hex = digest_hex (digest);
  cleanup_free char *final = NULL, *tmp = NULL, *blob = NULL;
  struct unpack u = { 0 };
  int r;

  if (hex == NULL)
    return sbx_error_make (err, 0, "image `%s`: `%s` is not a sha256 digest", dir,
                           digest ? digest : "(none)");
  final = xasprintf ("%s/%s", store, hex);
  if (layer_present (storefd, hex))
    {
      *out = steal_pointer (&final);
      return 0;
    }
  blob = verified_blob (dir, digest, err);
  if (blob == NULL)
    return -1;
  tmp = xasprintf ("%s/.tmp-%s-%d", store, hex, (int)getpid ());
  u.blob = blob;
  u.tmp = tmp;
  u.final = final;
  {
    /* The mapping of sandboxes of images: the caller is root inside.  */
    struct sbx_ids root = { .uid = 0, .gid = 0 };
    r = sbx_userns_call (user, &root, unpack_inside, &u, err);
  }
  if (r < 0)
    return sbx_error_prefix (err,
                             "image `%s`: layer %s could not be unpacked (nothing of it was "
                             "kept)",
                             dir, digest);
  *out = steal_pointer (&final);
  return 0;
}

int
sbx_image_load (const char *ref, const struct sbx_user *user, struct sbx_image *img,
                sbx_error_t *err)
{
  cleanup_free char *index_path = NULL, *data = NULL, *store = NULL;
  cleanup_close int storefd = -1;
  json_object *index = NULL, *desc = NULL, *manifest = NULL, *config = NULL, *layers, *cfg;
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
      json_object *l = json_object_array_get_idx (layers, i);
      char *path;
      if (unpack_layer (img->dir, str_field (l, "digest"), user, store, storefd, &path, err) < 0)
        goto out;
      img->layers = xrealloc (img->layers, (img->n_layers + 1) * sizeof *img->layers);
      img->layers[img->n_layers++] = path;
    }
  if (img->n_layers == 0)
    {
      sbx_error_make (err, 0, "--image `%s`: the image has no layers", ref);
      goto out;
    }
  ret = 0;
out:
  json_object_put (index);
  json_object_put (desc);
  json_object_put (manifest);
  json_object_put (config);
  return ret;
}
