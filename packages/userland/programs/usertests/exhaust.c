/*
 * Slow tests that use up a file-system resource: the maximum file size, the inodes
 * and the free blocks. Running out must be a -1 from the call, never a kernel panic,
 * and everything must be usable again once the test removes its files.
 *
 * Each test stops at a cap, so that on the extended geometry, with files of up to
 * gigabytes, the tests still end in reasonable time.
 */
#include "usertests.h"

#define MAXFILE_CAP (16 * 1024 * 1024)
#define INODE_CAP 3000
#define DISK_CAP (32 * 1024 * 1024)

static uchar buf[4096];

static uint
size_of(int fd)
{
  struct stat st;

  if(fstat(fd, &st) < 0)
    fail("fstat failed");
  return st.size;
}

// Write the pattern with the given chunk size until a write fails or the file
// reaches cap. A failed write may have written part of its chunk (the kernel splits
// writes into transactions), so the size comes from fstat. Returns the size.
static uint
write_until_failure(int fd, uint done, int chunk, uint cap, uint seed)
{
  while(done < cap){
    fill_pattern(buf, chunk, done, seed);
    if(write(fd, buf, chunk) != chunk)
      return size_of(fd);
    done += chunk;
  }
  return done;
}

static void
verify_file(const char *path, uint size, uint seed)
{
  int fd = open(path, O_RDONLY);
  uint done = 0;
  int n;

  if(fd < 0)
    fail("cannot open %s", path);
  while((n = read(fd, buf, sizeof(buf))) > 0){
    check_pattern(buf, n, done, seed, path);
    done += n;
  }
  close(fd);
  if(done != size)
    fail("read %d bytes of %s, expected %d", done, path, size);
}

void
test_maxfile(void)
{
  int fd;
  uint size;

  unlink("ut.max");
  fd = open("ut.max", O_CREATE | O_RDWR);
  CHECK_GE(fd, 0);
  size = write_until_failure(fd, 0, sizeof(buf), MAXFILE_CAP, 5);
  size = write_until_failure(fd, size, 512, MAXFILE_CAP, 5);
  CHECK_EQ(size_of(fd), size);
  close(fd);

  if(size < 64 * 1024)
    fail("the file stopped growing at %d bytes", size);
  if(size < MAXFILE_CAP && size % 512 != 0)
    fail("the file stopped growing at %d bytes, not a whole number of blocks", size);
  verify_file("ut.max", size, 5);
  CHECK_EQ(unlink("ut.max"), 0);
}

static void
numbered_name(char *name, const char *dir, int i)
{
  snprintf(name, 24, "%s/%d", dir, i);
}

// Remove dir/0 .. dir/count-1 and dir.
static void
remove_numbered(const char *dir, int count)
{
  char name[24];

  for(int i = 0; i < count; i++){
    numbered_name(name, dir, i);
    if(unlink(name) < 0)
      fail("cannot remove %s", name);
  }
  CHECK_EQ(unlink(dir), 0);
}

void
test_inodes(void)
{
  char name[24];
  int count = 0, fd;

  unlink("ut.ino");
  CHECK_EQ(mkdir("ut.ino"), 0);
  for(; count < INODE_CAP; count++){
    numbered_name(name, "ut.ino", count);
    fd = open(name, O_CREATE | O_RDWR);
    if(fd < 0)
      break;
    close(fd);
  }
  if(count == 0)
    fail("cannot create even one file");
  remove_numbered("ut.ino", count);

  // The inodes are free again.
  CHECK_EQ(mkdir("ut.ino"), 0);
  for(int i = 0; i < count; i++){
    numbered_name(name, "ut.ino", i);
    fd = open(name, O_CREATE | O_RDWR);
    if(fd < 0)
      fail("file %d of %d could not be created again", i + 1, count);
    close(fd);
  }
  remove_numbered("ut.ino", count);
}

void
test_diskfull(void)
{
  char name[24];
  uint total = 0, size;
  int files = 0, fd;

  unlink("ut.full");
  CHECK_EQ(mkdir("ut.full"), 0);
  while(total < DISK_CAP){
    numbered_name(name, "ut.full", files);
    fd = open(name, O_CREATE | O_RDWR);
    if(fd < 0)
      break;
    files++;
    size = write_until_failure(fd, 0, sizeof(buf), 64 * 1024, files);
    close(fd);
    total += size;
    if(size < 64 * 1024)
      break;
  }
  if(files == 0)
    fail("cannot create even one file");
  remove_numbered("ut.full", files);

  // The blocks are free again.
  fd = open("ut.full2", O_CREATE | O_RDWR);
  CHECK_GE(fd, 0);
  size = write_until_failure(fd, 0, sizeof(buf), 64 * 1024, 9);
  close(fd);
  CHECK_EQ(size, 64 * 1024);
  CHECK_EQ(unlink("ut.full2"), 0);
}
