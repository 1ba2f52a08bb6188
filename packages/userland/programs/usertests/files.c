/*
 * Tests of files and descriptors: open, read, write, close, dup, fstat, unlink of
 * open files, large and many files, concurrent writers and mknod.
 */
#include "usertests.h"

static uchar buf[8192];

// Open path for writing after removing any old file of that name.
static int
create_fresh(const char *path)
{
  int fd;

  unlink(path);
  fd = open(path, O_CREATE | O_RDWR);
  if(fd < 0)
    fail("cannot create %s", path);
  return fd;
}

void
test_open(void)
{
  int fd;

  unlink("ut.open");
  CHECK_EQ(open("ut.open", O_RDONLY), -1);
  CHECK_EQ(open("ut.open", O_RDWR), -1);

  fd = open("ut.open", O_CREATE | O_RDWR);
  CHECK_GE(fd, 0);
  CHECK_EQ(close(fd), 0);
  fd = open("ut.open", O_RDONLY);
  CHECK_GE(fd, 0);
  CHECK_EQ(close(fd), 0);

  CHECK_EQ(open("ut.open/x", O_RDONLY), -1);
  CHECK_EQ(open("ut.open/x", O_CREATE | O_RDWR), -1);
  CHECK_EQ(open("ut.nodir/x", O_CREATE | O_RDWR), -1);
  CHECK_EQ(open("ut.nodir/x", O_RDONLY), -1);
  CHECK_EQ(unlink("ut.open"), 0);
  CHECK_EQ(open("ut.open", O_RDONLY), -1);
}

void
test_readwrite(void)
{
  int fd = create_fresh("ut.rw");
  char text[8];

  CHECK_EQ(write(fd, "hello", 5), 5);
  CHECK_EQ(write(fd, "", 0), 0);
  CHECK_EQ(close(fd), 0);

  fd = open("ut.rw", O_RDONLY);
  CHECK_GE(fd, 0);
  CHECK_EQ(read(fd, text, 0), 0);
  CHECK_EQ(read(fd, text, sizeof(text)), 5);
  if(memcmp(text, "hello", 5) != 0)
    fail("read back \"%.5s\", expected \"hello\"", text);
  CHECK_EQ(read(fd, text, sizeof(text)), 0);
  CHECK_EQ(write(fd, "x", 1), -1);
  CHECK_EQ(close(fd), 0);

  fd = open("ut.rw", O_WRONLY);
  CHECK_GE(fd, 0);
  CHECK_EQ(read(fd, text, 1), -1);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(unlink("ut.rw"), 0);
}

void
test_createkeeps(void)
{
  int fd = create_fresh("ut.keep");
  char text[16];

  CHECK_EQ(write(fd, "0123456789", 10), 10);
  close(fd);

  fd = open("ut.keep", O_CREATE | O_WRONLY);
  CHECK_GE(fd, 0);
  CHECK_EQ(write(fd, "ab", 2), 2);
  close(fd);

  CHECK_EQ(read_file("ut.keep", text, sizeof(text)), 10);
  if(memcmp(text, "ab23456789", 10) != 0)
    fail("the file holds \"%.10s\", expected \"ab23456789\"", text);
  CHECK_EQ(unlink("ut.keep"), 0);
}

void
test_badfd(void)
{
  static const int bad[] = { -1, -100, NOFILE, NOFILE + 1, 100, 0x7fffffff };
  struct stat st;
  char c = 'x';
  int closed;

  for(uint i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
    int fd = bad[i];

    CHECK_EQ(read(fd, &c, 1), -1);
    CHECK_EQ(write(fd, &c, 1), -1);
    CHECK_EQ(fstat(fd, &st), -1);
    CHECK_EQ(dup(fd), -1);
    CHECK_EQ(close(fd), -1);
  }

  closed = create_fresh("ut.badfd");
  CHECK_EQ(close(closed), 0);
  CHECK_EQ(read(closed, &c, 1), -1);
  CHECK_EQ(write(closed, &c, 1), -1);
  CHECK_EQ(fstat(closed, &st), -1);
  CHECK_EQ(dup(closed), -1);
  CHECK_EQ(close(closed), -1);
  CHECK_EQ(unlink("ut.badfd"), 0);
}

// Returns the number of open descriptors. dup succeeds exactly for open ones while
// slots are free; fstat would miss pipes.
static int
count_open_descriptors(void)
{
  int count = 0;

  for(int fd = 0; fd < NOFILE; fd++){
    int copy = dup(fd);

    if(copy >= 0){
      count++;
      close(copy);
    }
  }
  return count;
}

void
test_nofile(void)
{
  int open_before = count_open_descriptors();
  int opened = 0, fd, last = -1;

  close(create_fresh("ut.nofile"));
  while((fd = open("ut.nofile", O_RDONLY)) >= 0){
    last = fd;
    if(++opened > NOFILE)
      fail("opened more than NOFILE (%d) descriptors", NOFILE);
  }
  CHECK_EQ(open_before + opened, NOFILE);
  CHECK_EQ(dup(0), -1);

  CHECK_EQ(close(last), 0);
  CHECK_EQ(open("ut.nofile", O_RDONLY), last);
  CHECK_EQ(unlink("ut.nofile"), 0);
}

void
test_dup(void)
{
  int fd = create_fresh("ut.dup");
  int copy, pid;
  char text[16];

  copy = dup(fd);
  CHECK_EQ(copy, fd + 1);
  CHECK_EQ(write(fd, "ab", 2), 2);
  CHECK_EQ(write(copy, "cd", 2), 2);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(write(copy, "ef", 2), 2);

  pid = fork_or_fail();
  if(pid == 0){
    write(copy, "gh", 2);
    exit();
  }
  wait_for(pid);
  CHECK_EQ(write(copy, "ij", 2), 2);
  close(copy);

  CHECK_EQ(read_file("ut.dup", text, sizeof(text)), 10);
  if(memcmp(text, "abcdefghij", 10) != 0)
    fail("the file holds \"%.10s\", expected \"abcdefghij\"", text);

  fd = open("ut.dup", O_RDONLY);
  CHECK_EQ(dup(fd), fd + 1);
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(dup(fd + 1), fd);  // the lowest free descriptor again
  close(fd);
  close(fd + 1);
  CHECK_EQ(unlink("ut.dup"), 0);
}

void
test_fstat(void)
{
  struct stat st, other;
  int fd = create_fresh("ut.fstat");
  int p[2];

  CHECK_EQ(write(fd, "twelve bytes", 12), 12);
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.type, T_FILE);
  CHECK_EQ(st.nlink, 1);
  CHECK_EQ(st.size, 12);
  CHECK_EQ(st.dev, ROOTDEV);

  unlink("ut.fstat2");
  CHECK_EQ(link("ut.fstat", "ut.fstat2"), 0);
  CHECK_EQ(stat("ut.fstat2", &other), 0);
  CHECK_EQ(other.ino, st.ino);
  CHECK_EQ(other.nlink, 2);
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.nlink, 2);
  close(fd);

  CHECK_EQ(stat(".", &st), 0);
  CHECK_EQ(st.type, T_DIR);
  CHECK_EQ(stat("/", &st), 0);
  CHECK_EQ(st.type, T_DIR);
  CHECK_EQ(st.ino, ROOTINO);
  CHECK_EQ(stat("/console", &st), 0);
  CHECK_EQ(st.type, T_DEV);

  // xv6's fstat fails for a descriptor that does not refer to an inode.
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(fstat(p[0], &st), -1);
  CHECK_EQ(fstat(p[1], &st), -1);
  close(p[0]);
  close(p[1]);

  CHECK_EQ(unlink("ut.fstat"), 0);
  CHECK_EQ(unlink("ut.fstat2"), 0);
}

void
test_unlinkopen(void)
{
  int fd = create_fresh("ut.unopen");
  struct stat st;
  char text[8];

  CHECK_EQ(write(fd, "abc", 3), 3);
  CHECK_EQ(unlink("ut.unopen"), 0);
  CHECK_EQ(open("ut.unopen", O_RDONLY), -1);
  CHECK_EQ(write(fd, "def", 3), 3);
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.nlink, 0);
  CHECK_EQ(st.size, 6);
  close(fd);

  // A new file of the same name starts empty.
  fd = create_fresh("ut.unopen");
  CHECK_EQ(read(fd, text, sizeof(text)), 0);
  close(fd);
  CHECK_EQ(unlink("ut.unopen"), 0);
}

// 64 KiB crosses the end of the direct blocks in both disk geometries (12 blocks of
// 512 or of 4096 bytes) and still fits the 71680-byte maximum of the xv6 geometry.
#define BIGFILE (64 * 1024)

void
test_bigfile(void)
{
  int fd = create_fresh("ut.big");
  int chunk = 1000, done = 0, n;
  struct stat st;

  while(done < BIGFILE){
    n = BIGFILE - done < chunk ? BIGFILE - done : chunk;
    fill_pattern(buf, n, done, 1);
    CHECK_EQ(write(fd, buf, n), n);
    done += n;
  }
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.size, BIGFILE);
  close(fd);

  fd = open("ut.big", O_RDONLY);
  for(done = 0; (n = read(fd, buf, 3000)) > 0; done += n)
    check_pattern(buf, n, done, 1, "ut.big");
  CHECK_EQ(n, 0);
  CHECK_EQ(done, BIGFILE);
  close(fd);

  // One write of 8 KiB is split by the kernel into several log transactions.
  fd = create_fresh("ut.big");
  fill_pattern(buf, sizeof(buf), 0, 2);
  CHECK_EQ(write(fd, buf, sizeof(buf)), sizeof(buf));
  close(fd);
  memset(buf, 0, sizeof(buf));
  CHECK_EQ(read_file("ut.big", buf, sizeof(buf)), sizeof(buf));
  check_pattern(buf, sizeof(buf), 0, 2, "ut.big after one large write");
  CHECK_EQ(unlink("ut.big"), 0);
}

#define MANY 100

static void
many_name(char *name, int i)
{
  snprintf(name, 16, "ut.many/f%d", i);
}

void
test_manyfiles(void)
{
  char name[16], text[16];
  int fd, entries = 0;
  struct dirent de;

  for(int i = 0; i < MANY; i++){
    many_name(name, i);
    unlink(name);
  }
  unlink("ut.many");
  CHECK_EQ(mkdir("ut.many"), 0);

  for(int i = 0; i < MANY; i++){
    many_name(name, i);
    fd = open(name, O_CREATE | O_WRONLY);
    if(fd < 0)
      fail("cannot create %s, file %d of %d", name, i + 1, MANY);
    CHECK_EQ(write(fd, name, 16), 16);
    close(fd);
  }
  for(int i = 0; i < MANY; i++){
    many_name(name, i);
    CHECK_EQ(read_file(name, text, sizeof(text)), 16);
    if(strcmp(text, name) != 0)
      fail("%s holds \"%s\"", name, text);
  }

  fd = open("ut.many", O_RDONLY);
  while(read(fd, &de, sizeof(de)) == sizeof(de))
    entries += de.inum != 0;
  close(fd);
  CHECK_EQ(entries, MANY + 2);

  CHECK_EQ(unlink("ut.many"), -1);
  for(int i = 0; i < MANY; i++){
    many_name(name, i);
    CHECK_EQ(unlink(name), 0);
  }
  CHECK_EQ(unlink("ut.many"), 0);
}

// Processes that write one file each at the same time, then the parent checks all.
static void
run_writers(int writers, int size, int chunk)
{
  char name[16];
  int pids[8];

  for(int w = 0; w < writers; w++){
    snprintf(name, sizeof(name), "ut.writer%d", w);
    unlink(name);
    pids[w] = fork_or_fail();
    if(pids[w] == 0){
      int fd = open(name, O_CREATE | O_WRONLY);

      if(fd < 0)
        fail("writer %d cannot create %s", w, name);
      for(int done = 0; done < size; done += chunk){
        fill_pattern(buf, chunk, done, w + 10);
        if(write(fd, buf, chunk) != chunk)
          fail("writer %d: write at offset %d failed", w, done);
      }
      exit();
    }
  }
  for(int w = 0; w < writers; w++)
    CHECK_GE(wait(), 0);

  for(int w = 0; w < writers; w++){
    int fd, n, done = 0;

    snprintf(name, sizeof(name), "ut.writer%d", w);
    fd = open(name, O_RDONLY);
    if(fd < 0)
      fail("%s is missing", name);
    while((n = read(fd, buf, sizeof(buf))) > 0){
      check_pattern(buf, n, done, w + 10, name);
      done += n;
    }
    close(fd);
    if(done != size)
      fail("%s has %d bytes, expected %d", name, done, size);
    CHECK_EQ(unlink(name), 0);
  }
}

void
test_writers(void)
{
  run_writers(4, 10000, 500);
}

void
test_manywriters(void)
{
  run_writers(8, 64 * 1024, 4096);
}

void
test_sharedfd(void)
{
  int fd = create_fresh("ut.shared");
  int pid, n, counts[2] = { 0, 0 };

  pid = fork_or_fail();
  for(int i = 0; i < 200; i++){
    if(write(fd, pid == 0 ? "cccccccccc" : "pppppppppp", 10) != 10)
      fail("write %d through the shared descriptor failed", i);
  }
  if(pid == 0)
    exit();
  wait_for(pid);
  close(fd);

  fd = open("ut.shared", O_RDONLY);
  while((n = read(fd, buf, sizeof(buf))) > 0){
    for(int i = 0; i < n; i++){
      if(buf[i] != 'c' && buf[i] != 'p')
        fail("the file holds byte %d, expected only 'c' and 'p'", buf[i]);
      counts[buf[i] == 'p']++;
    }
  }
  close(fd);
  CHECK_EQ(counts[0], 2000);
  CHECK_EQ(counts[1], 2000);
  CHECK_EQ(unlink("ut.shared"), 0);
}

void
test_mknod(void)
{
  struct stat st;
  int fd;

  unlink("ut.dev");
  CHECK_EQ(mknod("ut.dev", NDEV - 1, 7), 0);
  CHECK_EQ(mknod("ut.dev", NDEV - 1, 7), -1);
  CHECK_EQ(stat("ut.dev", &st), 0);
  CHECK_EQ(st.type, T_DEV);
  CHECK_EQ(st.size, 0);
  CHECK_EQ(mknod("ut.nodir/dev", 1, 1), -1);

  fd = open("ut.dev", O_RDONLY);
  if(fd >= 0){
    char c;

    // No driver has this major number, so a read must fail, not crash the kernel.
    CHECK_EQ(read(fd, &c, 1), -1);
    close(fd);
  }
  CHECK_EQ(unlink("ut.dev"), 0);
}
