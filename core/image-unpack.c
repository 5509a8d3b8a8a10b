/* sbx: unpacking an OCI image's layers into the layer store, inside a
   user namespace with the sandboxes' mapping.  Only sbx-image links this
   (libarchive); the launcher reads the image itself (image.c) and runs
   sbx-image for the layers the store lacks.  See image.h.  */
#define _GNU_SOURCE
#include "image.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "state.h"
#include "trust.h"
#include "userns.h"

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

static int
unpack_layer (const char *dir, const char *digest, const struct sbx_user *user, const char *store,
              int storefd, sbx_error_t *err)
{
  const char *hex = sbx_image_digest_hex (digest);
  cleanup_free char *final = NULL, *tmp = NULL, *blob = NULL;
  struct unpack u = { 0 };
  int r;

  if (hex == NULL)
    return sbx_error_make (err, 0, "image `%s`: `%s` is not a sha256 digest", dir,
                           digest ? digest : "(none)");
  final = xasprintf ("%s/%s", store, hex);
  /* Another sbx may have unpacked it since the launcher looked.  */
  if (sbx_image_layer_present (storefd, hex))
    return 0;
  blob = sbx_image_verified_blob (dir, digest, err);
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
  return 0;
}

int
sbx_image_unpack (const char *dir, char *const *digests, size_t n, const struct sbx_user *user,
                  sbx_error_t *err)
{
  cleanup_free char *data = sbx_state_data_dir ();
  cleanup_free char *store = xasprintf ("%s/layers/sha256", data);
  cleanup_close int storefd = sbx_own_open (SBX_OWN_DATA, "layers/sha256", true, err);

  if (storefd < 0)
    return sbx_error_prefix (err, "the layer store");
  for (size_t i = 0; i < n; i++)
    if (unpack_layer (dir, digests[i], user, store, storefd, err) < 0)
      return -1;
  return 0;
}
