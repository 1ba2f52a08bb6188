/*
 * Tests of directories and names: mkdir, chdir, unlink, link, directory entries,
 * name length and path resolution.
 *
 * Link counts follow xv6's rule: a directory's nlink counts the entry naming it in
 * its parent plus one per subdirectory (for the subdirectory's ".."), and nothing
 * for its own ".". So a new directory has nlink 1.
 */
#include "usertests.h"

// Returns the inode number of path, failing the test if it has none.
static uint
inode_of(const char *path)
{
  struct stat st;

  stat_or_fail(path, &st);
  return st.ino;
}

static int
nlink_of(const char *path)
{
  struct stat st;

  stat_or_fail(path, &st);
  return st.nlink;
}

// Look name up by reading the directory dir. Returns its inode number, or 0.
static uint
find_entry(const char *dir, const char *name)
{
  struct dirent de;
  int fd = open(dir, O_RDONLY);
  uint inum = 0;

  if(fd < 0)
    fail("cannot open directory %s", dir);
  while(inum == 0 && read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum != 0 && strncmp(de.name, name, DIRSIZ) == 0)
      inum = de.inum;
  }
  close(fd);
  return inum;
}

void
test_mkdir(void)
{
  int parent_links;

  unlink("ut.mk/sub");
  unlink("ut.mk/f");
  unlink("ut.mk");
  CHECK_EQ(mkdir("ut.mk"), 0);
  CHECK_EQ(mkdir("ut.mk"), -1);
  CHECK_EQ(mkdir("ut.nodir/sub"), -1);
  CHECK_EQ(nlink_of("ut.mk"), 1);

  parent_links = nlink_of(".");
  CHECK_EQ(mkdir("ut.mk/sub"), 0);
  CHECK_EQ(nlink_of("ut.mk"), 2);
  CHECK_EQ(nlink_of("ut.mk/sub"), 1);
  CHECK_EQ(nlink_of("."), parent_links);

  close(open("ut.mk/f", O_CREATE | O_RDWR));
  CHECK_EQ(mkdir("ut.mk/f"), -1);
  CHECK_EQ(nlink_of("ut.mk"), 2);

  CHECK_EQ(unlink("ut.mk/sub"), 0);
  CHECK_EQ(nlink_of("ut.mk"), 1);
  CHECK_EQ(unlink("ut.mk/f"), 0);
  CHECK_EQ(unlink("ut.mk"), 0);
}

void
test_dirents(void)
{
  struct dirent de;
  struct stat st;
  int fd, n;

  unlink("ut.de/file");
  unlink("ut.de");
  CHECK_EQ(mkdir("ut.de"), 0);

  fd = open("ut.de", O_RDONLY);
  CHECK_GE(fd, 0);
  CHECK_EQ(read(fd, &de, sizeof(de)), sizeof(de));
  if(strcmp(de.name, ".") != 0)
    fail("the first entry is \"%.14s\", expected \".\"", de.name);
  CHECK_EQ(de.inum, inode_of("ut.de"));
  CHECK_EQ(read(fd, &de, sizeof(de)), sizeof(de));
  if(strcmp(de.name, "..") != 0)
    fail("the second entry is \"%.14s\", expected \"..\"", de.name);
  CHECK_EQ(de.inum, inode_of("."));
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.size % sizeof(struct dirent), 0);
  close(fd);

  close(open("ut.de/file", O_CREATE | O_RDWR));
  CHECK_EQ(find_entry("ut.de", "file"), inode_of("ut.de/file"));
  CHECK_EQ(unlink("ut.de/file"), 0);
  CHECK_EQ(find_entry("ut.de", "file"), 0);

  // A directory can be opened only for reading.
  CHECK_EQ(open("ut.de", O_WRONLY), -1);
  CHECK_EQ(open("ut.de", O_RDWR), -1);
  fd = open("ut.de", O_RDONLY);
  n = write(fd, "x", 1);
  close(fd);
  CHECK_EQ(n, -1);
  CHECK_EQ(unlink("ut.de"), 0);
}

// Check chdir to / and .. at the root. Runs in a child, because the test has no
// way back to a directory other than / that it started in.
static void
check_root_directory(void)
{
  int pid = fork_or_fail();

  if(pid == 0){
    CHECK_EQ(chdir("/"), 0);
    CHECK_EQ(inode_of("."), ROOTINO);
    CHECK_EQ(inode_of(".."), ROOTINO);
    CHECK_EQ(chdir(".."), 0);
    CHECK_EQ(inode_of("."), ROOTINO);
    exit();
  }
  wait_for(pid);
}

void
test_chdir(void)
{
  uint start = inode_of(".");
  char text[8];

  unlink("ut.cd/f");
  unlink("ut.cd");
  CHECK_EQ(mkdir("ut.cd"), 0);
  CHECK_EQ(chdir("ut.cd"), 0);
  CHECK_EQ(inode_of(".."), start);
  write_file("f", "in cd", 5);
  CHECK_EQ(chdir(".."), 0);
  CHECK_EQ(inode_of("."), start);
  CHECK_EQ(read_file("ut.cd/f", text, sizeof(text)), 5);

  CHECK_EQ(chdir("ut.cd/f"), -1);
  CHECK_EQ(chdir("ut.nodir"), -1);
  CHECK_EQ(inode_of("."), start);
  check_root_directory();
  CHECK_EQ(inode_of("."), start);

  CHECK_EQ(unlink("ut.cd/f"), 0);
  CHECK_EQ(unlink("ut.cd"), 0);
}

void
test_unlinkdir(void)
{
  unlink("ut.ud/sub");
  unlink("ut.ud");
  CHECK_EQ(mkdir("ut.ud"), 0);
  CHECK_EQ(mkdir("ut.ud/sub"), 0);

  CHECK_EQ(unlink("ut.ud/."), -1);
  CHECK_EQ(unlink("ut.ud/.."), -1);
  CHECK_EQ(unlink("ut.ud"), -1);
  CHECK_EQ(chdir("ut.ud"), 0);
  CHECK_EQ(unlink("."), -1);
  CHECK_EQ(unlink(".."), -1);
  CHECK_EQ(chdir(".."), 0);

  CHECK_EQ(unlink("ut.ud/sub"), 0);
  CHECK_EQ(unlink("ut.ud/sub"), -1);
  CHECK_EQ(unlink("ut.ud"), 0);
  CHECK_EQ(unlink("ut.ud"), -1);
}

void
test_link(void)
{
  char text[8];

  unlink("ut.ln1");
  unlink("ut.ln2");
  unlink("ut.lndir");
  write_file("ut.ln1", "linked", 6);

  CHECK_EQ(link("ut.ln1", "ut.ln2"), 0);
  CHECK_EQ(inode_of("ut.ln2"), inode_of("ut.ln1"));
  CHECK_EQ(link("ut.ln1", "ut.ln2"), -1);
  CHECK_EQ(link("ut.missing", "ut.ln3"), -1);
  CHECK_EQ(link("ut.ln1", "ut.nodir/x"), -1);
  CHECK_EQ(link("ut.ln1", "ut.ln1/x"), -1);

  CHECK_EQ(unlink("ut.ln1"), 0);
  CHECK_EQ(read_file("ut.ln2", text, sizeof(text)), 6);
  if(memcmp(text, "linked", 6) != 0)
    fail("ut.ln2 holds \"%.6s\", expected \"linked\"", text);
  CHECK_EQ(nlink_of("ut.ln2"), 1);

  CHECK_EQ(mkdir("ut.lndir"), 0);
  CHECK_EQ(link("ut.lndir", "ut.ln3"), -1);
  CHECK_EQ(link(".", "ut.ln3"), -1);
  CHECK_EQ(open("ut.ln3", O_RDONLY), -1);
  CHECK_EQ(nlink_of("ut.lndir"), 1);

  CHECK_EQ(unlink("ut.ln2"), 0);
  CHECK_EQ(unlink("ut.lndir"), 0);
}

void
test_dirfile(void)
{
  write_file("ut.df", "file", 4);

  CHECK_EQ(mkdir("ut.df/x"), -1);
  CHECK_EQ(open("ut.df/x", O_CREATE | O_RDWR), -1);
  CHECK_EQ(open("ut.df/x", O_RDONLY), -1);
  CHECK_EQ(link("ut.df", "ut.df/x"), -1);
  CHECK_EQ(unlink("ut.df/x"), -1);
  CHECK_EQ(chdir("ut.df"), -1);
  CHECK_EQ(mknod("ut.df/x", 1, 1), -1);
  CHECK_EQ(unlink("ut.df"), 0);

  // O_CREATE of a name that is a directory fails rather than opening it.
  unlink("ut.df");
  CHECK_EQ(mkdir("ut.df"), 0);
  CHECK_EQ(open("ut.df", O_CREATE | O_RDWR), -1);
  CHECK_EQ(open("ut.df", O_CREATE | O_RDONLY), -1);
  CHECK_EQ(unlink("ut.df"), 0);
}

void
test_longname(void)
{
  // Exactly DIRSIZ (14) characters: stored without a NUL.
  const char *full = "ut.abcdefghijk";
  // Longer names are cut to DIRSIZ characters, as in xv6.
  const char *longer = "ut.abcdefghijkXYZ";
  struct dirent de;
  int fd, found = 0;

  unlink(full);
  write_file(full, "14", 2);
  CHECK_EQ(find_entry(".", full), inode_of(full));

  fd = open(".", O_RDONLY);
  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum != 0 && memcmp(de.name, full, DIRSIZ) == 0)
      found++;
  }
  close(fd);
  CHECK_EQ(found, 1);

  CHECK_EQ(inode_of(longer), inode_of(full));
  CHECK_EQ(unlink(longer), 0);
  CHECK_EQ(open(full, O_RDONLY), -1);
}

void
test_paths(void)
{
  char text[8];

  unlink("ut.p/q/f");
  unlink("ut.p/q");
  unlink("ut.p");
  CHECK_EQ(mkdir("ut.p"), 0);
  CHECK_EQ(mkdir("ut.p/q"), 0);
  write_file("ut.p/q/f", "path", 4);

  CHECK_EQ(read_file("ut.p//q///f", text, sizeof(text)), 4);
  CHECK_EQ(read_file("./ut.p/./q/f", text, sizeof(text)), 4);
  CHECK_EQ(read_file("ut.p/q/../q/f", text, sizeof(text)), 4);
  CHECK_EQ(inode_of("ut.p/q/.."), inode_of("ut.p"));
  CHECK_EQ(inode_of("ut.p/"), inode_of("ut.p"));
  CHECK_EQ(open("ut.p/nothing/../q/f", O_RDONLY), -1);

  CHECK_EQ(unlink("ut.p/q/f"), 0);
  CHECK_EQ(unlink("ut.p/q"), 0);
  CHECK_EQ(unlink("ut.p"), 0);
}
