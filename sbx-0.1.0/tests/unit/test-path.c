/* sbx unit test: path helpers and the symlink-safe walk (core/path.c).  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/path.h"
#include "tap.h"

static void
check_absolute (const char *arg, const char *cwd, const char *home, const char *want)
{
  char *got = sbx_path_absolute (arg, cwd, home);
  TAP_IS_STR (got, want, "absolute '%s' (cwd %s, home %s)", arg, cwd ? cwd : "NULL",
              home ? home : "NULL");
  free (got);
}

static void
test_absolute (void)
{
  const char *cwd = "/work/dir", *home = "/home/alice";

  check_absolute ("~/x", cwd, home, "/home/alice/x");
  check_absolute ("~/x/y/", cwd, home, "/home/alice/x/y");
  check_absolute ("~", cwd, home, "/home/alice");
  check_absolute ("~/", cwd, home, "/home/alice");
  check_absolute ("~bob/x", cwd, home, "/work/dir/~bob/x");
  check_absolute ("~/x", cwd, NULL, "/work/dir/~/x");
  check_absolute ("x", cwd, home, "/work/dir/x");
  check_absolute ("x/y", "/work/dir/", home, "/work/dir/x/y");
  check_absolute ("./x", cwd, home, "/work/dir/x");
  check_absolute (".", cwd, home, "/work/dir");
  check_absolute ("", cwd, home, "/work/dir");
  check_absolute ("x", NULL, home, "/x");
  check_absolute ("x", "/", home, "/x");
  check_absolute ("/a//b///c", cwd, home, "/a/b/c");
  check_absolute ("//a", cwd, home, "/a");
  check_absolute ("/a/./b/.", cwd, home, "/a/b");
  check_absolute ("/./a/././b", cwd, home, "/a/b");
  check_absolute ("/a/b/", cwd, home, "/a/b");
  check_absolute ("/a/b//", cwd, home, "/a/b");
  check_absolute ("/", cwd, home, "/");
  check_absolute ("//", cwd, home, "/");
  check_absolute ("/./", cwd, home, "/");
  check_absolute ("/.", cwd, home, "/");
  check_absolute ("/a/../b", cwd, home, "/a/../b");
  check_absolute ("../x", cwd, home, "/work/dir/../x");
  check_absolute ("/a/.hidden/..x/x..", cwd, home, "/a/.hidden/..x/x..");
}

static void
test_dotdot (void)
{
  static const struct
  {
    const char *path;
    bool want;
  } cases[] = {
    { "/a/../b", true }, { "/..", true },       { "/a/..", true },     { "..", true },
    { "../a", true },    { "/a/b", false },     { "/", false },        { "/..a", false },
    { "/a..", false },   { "/a..b/c", false },  { "/a/.../b", false }, { "/a/b..", false },
    { "/.a/.b", false }, { "/a/..b/..", true }, { "/a/.b./x", false },
  };

  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    TAP_IS_INT (sbx_path_has_dotdot (cases[i].path), cases[i].want, "has_dotdot '%s' is %s",
                cases[i].path, cases[i].want ? "true" : "false");
}

/* The temporary tree the walk runs in.  */
static char root[] = "/tmp/sbx-test-path-XXXXXX";
static int rootfd = -1;

static char *
in_root (const char *rel)
{
  char *p;
  if (asprintf (&p, "%s/%s", root, rel) < 0)
    abort ();
  return p;
}

static void
make_dir (const char *rel)
{
  char *p = in_root (rel);
  if (mkdir (p, 0755) < 0)
    {
      perror (p);
      abort ();
    }
  free (p);
}

static void
make_file (const char *rel)
{
  char *p = in_root (rel);
  int fd = open (p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      perror (p);
      abort ();
    }
  close (fd);
  free (p);
}

static void
make_link (const char *target, const char *rel)
{
  char *p = in_root (rel);
  if (symlink (target, p) < 0)
    {
      perror (p);
      abort ();
    }
  free (p);
}

static int
remove_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  if (remove (path) < 0)
    perror (path);
  return 0;
}

static void
remove_tree (void)
{
  nftw (root, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

static int
count_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;
  int n = 0;

  if (d == NULL)
    return -1;
  while ((de = readdir (d)) != NULL)
    if (de->d_name[0] != '.')
      n++;
  closedir (d);
  return n;
}

/* Open `path` in the root; it must succeed and be the file at `real`
   (relative to the temp root, no symlinks in it).  */
static void
check_opens (const char *path, int flags, const char *real, const char *desc)
{
  sbx_error_t err = NULL;
  int fd = sbx_path_open_in_root (rootfd, path, flags, &err);
  struct stat got, want;
  char *rp = in_root (real);

  if (!TAP_OK (fd >= 0, "%s: opens `%s`", desc, path))
    tap_diag ("error: %s", err ? err->msg : "(none)");
  else
    {
      bool same = fstat (fd, &got) == 0 && stat (rp, &want) == 0 && got.st_ino == want.st_ino
                  && got.st_dev == want.st_dev;
      if (!TAP_OK (same, "%s: lands on <root>/%s", desc, real))
        tap_diag ("inode %lu, expected %lu", (unsigned long)got.st_ino, (unsigned long)want.st_ino);
      close (fd);
    }
  sbx_error_release (&err);
  free (rp);
}

/* Open `path`; it must fail with errno `status` (0: any) and a message
   containing `words`.  */
static void
check_fails (const char *path, int flags, int status, const char *words, const char *desc)
{
  sbx_error_t err = NULL;
  int fd = sbx_path_open_in_root (rootfd, path, flags, &err);

  TAP_IS_INT (fd, -1, "%s: `%s` is an error", desc, path);
  if (fd >= 0)
    close (fd);
  if (status)
    TAP_IS_INT (err ? err->status : -1, status, "%s: errno %s", desc, strerror (status));
  TAP_HAS_STR (err ? err->msg : NULL, words, "%s: message mentions `%s`", desc, words);
  sbx_error_release (&err);
}

static void
setup_tree (void)
{
  make_dir ("dir");
  make_dir ("dir/sub");
  make_file ("dir/sub/file");
  make_file ("dir/file2");
  make_dir ("etc");
  make_file ("etc/passwd");
  make_link ("dir/sub", "rel");                        /* relative, inside */
  make_link ("../dir/sub/file", "dir/up");             /* relative, `..` staying inside */
  make_link ("/dir/sub", "abs");                       /* absolute: means <root>/dir/sub */
  make_link ("/etc", "dir/sub/etc");                   /* absolute: <root>/etc, not the host's */
  make_link ("/", "toroot");                           /* absolute: the root itself */
  make_link ("../../../../../../../../etc", "escape"); /* climbs above the root */
  make_link ("../../x", "dir/escape2");                /* climbs one above the root */
  make_link ("sub/../../..", "dir/escape3");           /* the same, by a detour */
  make_link ("loop2", "loop1");
  make_link ("loop1", "loop2");
  make_link ("self", "self");
  make_link ("/made/by/link", "dangling"); /* absolute and dangling */
  make_link ("chain2", "chain1");
  make_link ("dir/../rel", "chain2");
}

static void
test_open_in_root (void)
{
  int fds_before;

  if (mkdtemp (root) == NULL)
    {
      TAP_OK (false, "mkdtemp: %s", strerror (errno));
      return;
    }
  setup_tree ();
  rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    abort ();
  fds_before = count_fds ();

  check_opens ("/", 0, ".", "the root itself");
  check_opens ("", 0, ".", "the empty path");
  check_opens ("/dir/sub/file", 0, "dir/sub/file", "plain path");
  check_opens ("dir//sub/./file", 0, "dir/sub/file", "relative, // and /./");
  check_opens ("/dir/sub/", 0, "dir/sub", "trailing slash");
  check_opens ("/rel", 0, "dir/sub", "relative symlink");
  check_opens ("/rel/file", 0, "dir/sub/file", "through a relative symlink");
  check_opens ("/dir/up", 0, "dir/sub/file", "relative symlink with `..` inside");
  check_opens ("/abs", 0, "dir/sub", "absolute symlink resolved in the root");
  check_opens ("/abs/file", 0, "dir/sub/file", "through an absolute symlink");
  check_opens ("/abs/../file2", 0, "dir/file2", "`..` after an absolute symlink");
  check_opens ("/dir/sub/etc/passwd", 0, "etc/passwd",
               "absolute symlink to /etc stays in the root");
  check_opens ("/toroot", 0, ".", "symlink to / is the root");
  check_opens ("/toroot/dir/file2", 0, "dir/file2", "through a symlink to /");
  check_opens ("/chain1/file", 0, "dir/sub/file", "a chain of symlinks");
  check_opens ("/dir/../dir/sub/file", 0, "dir/sub/file", "`..` in the middle staying inside");
  check_opens ("/dir/sub/../../etc", 0, "etc", "`..` back to the root");

  check_fails ("/escape", 0, 0, "outside", "symlink with ../../.. above the root");
  check_fails ("/escape/passwd", 0, 0, "outside", "through a symlink above the root");
  check_fails ("/dir/escape2", 0, 0, "outside", "symlink one level above the root");
  check_fails ("/dir/escape3", 0, 0, "outside", "symlink above the root by a detour");
  check_fails ("/..", 0, 0, "outside", "/.. in the path");
  check_fails ("/dir/../../etc", 0, 0, "outside", "`..` in the path above the root");
  check_fails ("/escape", 0, 0, "/escape", "the outside error names the path");
  check_fails ("/loop1", 0, ELOOP, "/loop1", "symlink loop");
  check_fails ("/self/x", 0, ELOOP, "/self", "symlink to itself");
  check_fails ("/dir/sub/file/x", 0, ENOTDIR, "file", "a file in the middle");
  check_fails ("/dir/file2/..", 0, ENOTDIR, "file2", "a file then `..`");
  check_fails ("/nope", 0, ENOENT, "nope", "missing file");
  check_fails ("/dir/nope/x", 0, ENOENT, "nope", "missing directory");
  check_fails ("/escape/new", SBX_OPEN_CREATE_DIR, 0, "outside",
               "creating through an escaping symlink");

  /* Creating mount points.  */
  {
    sbx_error_t err = NULL;
    struct stat st;
    char *p = in_root ("new/a/b");
    int fd = sbx_path_open_in_root (rootfd, "/new/a/b", SBX_OPEN_CREATE_DIR, &err);
    TAP_OK (fd >= 0, "CREATE_DIR: opens /new/a/b");
    TAP_OK (stat (p, &st) == 0 && S_ISDIR (st.st_mode), "CREATE_DIR: made the directories");
    if (fd >= 0)
      close (fd);
    free (p);
    sbx_error_release (&err);
  }
  check_opens ("/new/a/b", SBX_OPEN_CREATE_DIR, "new/a/b", "CREATE_DIR on an existing dir");
  {
    sbx_error_t err = NULL;
    struct stat st;
    char *p = in_root ("newf/d/file");
    int fd = sbx_path_open_in_root (rootfd, "/newf/d/file",
                                    SBX_OPEN_CREATE_DIR | SBX_OPEN_CREATE_FILE, &err);
    TAP_OK (fd >= 0, "CREATE_FILE: opens /newf/d/file");
    TAP_OK (stat (p, &st) == 0 && S_ISREG (st.st_mode), "CREATE_FILE: the last is a file");
    free (p);
    p = in_root ("newf/d");
    TAP_OK (stat (p, &st) == 0 && S_ISDIR (st.st_mode), "CREATE_FILE: the middle is a dir");
    if (fd >= 0)
      close (fd);
    free (p);
    sbx_error_release (&err);
  }
  check_opens ("/dir/file2", SBX_OPEN_CREATE_DIR | SBX_OPEN_CREATE_FILE, "dir/file2",
               "CREATE_FILE on an existing file");
  check_opens ("/abs/madehere", SBX_OPEN_CREATE_DIR, "dir/sub/madehere",
               "CREATE_DIR through an absolute symlink lands in the root");
  check_opens ("/dangling", SBX_OPEN_CREATE_DIR | SBX_OPEN_CREATE_FILE, "made/by/link",
               "CREATE_FILE through a dangling absolute symlink lands in the root");
  {
    struct stat st;
    char *p = in_root ("made/by/link");
    TAP_OK (stat (p, &st) == 0 && S_ISREG (st.st_mode),
            "the dangling symlink's target was made as a file");
    free (p);
  }
  check_fails ("/dir/sub/file/x", SBX_OPEN_CREATE_DIR, ENOTDIR, "file", "CREATE_DIR below a file");

  /* The returned fd: O_PATH, close-on-exec.  */
  {
    sbx_error_t err = NULL;
    int fd = sbx_path_open_in_root (rootfd, "/dir/sub/file", 0, &err);
    TAP_OK (fd >= 0 && (fcntl (fd, F_GETFL) & O_PATH), "the fd is O_PATH");
    TAP_OK (fd >= 0 && (fcntl (fd, F_GETFD) & FD_CLOEXEC), "the fd is close-on-exec");
    if (fd >= 0)
      close (fd);
    sbx_error_release (&err);
  }

  /* Deeper than the walk's stack: an error, not an overflow.  */
  {
    char *deep = malloc (300 * 2 + 2);
    sbx_error_t err = NULL;
    int fd;

    for (int i = 0; i < 300; i++)
      memcpy (deep + 2 * i, "/d", 2);
    deep[600] = '\0';
    fd = sbx_path_open_in_root (rootfd, deep, SBX_OPEN_CREATE_DIR, &err);
    TAP_IS_INT (fd, -1, "300 components: an error");
    TAP_IS_INT (err ? err->status : -1, ENAMETOOLONG, "300 components: ENAMETOOLONG");
    if (fd >= 0)
      close (fd);
    sbx_error_release (&err);
    free (deep);
  }

  TAP_IS_INT (count_fds (), fds_before, "no fd leaked by any walk");

  close (rootfd);
  remove_tree ();
  TAP_OK (access (root, F_OK) < 0, "temporary tree removed");
}

int
main (void)
{
  test_absolute ();
  test_dotdot ();
  test_open_in_root ();
  return tap_done ();
}
