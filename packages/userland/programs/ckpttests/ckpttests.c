/*
 * ckpttests: tests of the checkpoint system calls (22 checkpoint, 23 restart,
 * 24 ckptinfo) from user space. Usage as for usertests: [quick | slow | all | list |
 * name ...]. Prints "ALL CHECKPOINT TESTS PASSED" when every selected test passed.
 *
 * A restarted process cannot report through the test runner, because restart
 * closes pipes and may reopen files at different offsets. So every process that
 * should be restarted writes a marker file with what it saw, and the test checks
 * the file. Restarts that must fail run in a child too, so that an image wrongly
 * accepted replaces only that child.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "memlayout.h"
#include "user.h"
#include "../testing/runner.h"

static char text[256];
static char info[4096];
static uchar piece[512];

// State that a checkpoint must carry over: data, heap and stack.
static int saved_global = 0;

static int
file_exists(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0;
}

// Read a marker file into text[] as a string; fails the test if it is missing.
static char*
read_marker(const char *path)
{
  int n;

  if(!file_exists(path))
    fail("%s is missing, so the restarted process did not run to its end", path);
  n = read_file(path, text, sizeof(text) - 1);
  text[n] = 0;
  return text;
}

static void
expect_marker(const char *path, const char *expected)
{
  char *found = read_marker(path);

  if(strcmp(found, expected) != 0)
    fail("%s holds \"%s\", expected \"%s\"", path, found, expected);
  unlink(path);
}

// Make a valid image at path: a child checkpoints itself and exits. When the image
// is restarted, it writes "ran" to ran_path and exits.
static void
make_image(const char *path, const char *ran_path)
{
  int pid;

  unlink(path);
  pid = fork_or_fail();
  if(pid == 0){
    int r = checkpoint(getpid(), (char*)path);

    if(r == 1)
      write_file(ran_path, "ran", 3);
    else if(r < 0)
      fail("checkpoint(self, %s) returned -1", path);
    exit();
  }
  wait_for(pid);
  if(!file_exists(path))
    fail("checkpoint left no image at %s", path);
}

// In a child, restart path, which must fail; the child then carries on and exits.
static void
expect_restart_fails(const char *path, const char *what)
{
  int pid;

  unlink("ct.ran");
  pid = fork_or_fail();
  if(pid == 0){
    if(restart((char*)path) != -1)
      fail("restart of %s did not return -1", what);
    write_file("ct.after", "after", 5);
    exit();
  }
  wait_for(pid);
  if(file_exists("ct.ran"))
    fail("restart of %s ran the image", what);
  expect_marker("ct.after", "after");
}

static void
test_selfsave(void)
{
  int pid;

  unlink("ct.self");
  unlink("ct.selfok");
  pid = fork_or_fail();
  if(pid == 0){
    int *heap = malloc(sizeof(int));
    volatile int local = 4242;
    int me = getpid();
    int r;

    saved_global = 1717;
    *heap = 2323;
    r = checkpoint(me, "ct.self");
    if(r == 0){
      restart("ct.self");
      fail("restart of the process's own image returned -1");
    }
    if(r != 1)
      fail("checkpoint(self) returned %d, expected 0 and then 1", r);
    snprintf(text, sizeof(text), "global %d heap %d local %d pid %d",
             saved_global, *heap, local, getpid() == me);
    write_file("ct.selfok", text, strlen(text));
    exit();
  }
  wait_for(pid);
  expect_marker("ct.selfok", "global 1717 heap 2323 local 4242 pid 1");
  CHECK_EQ(unlink("ct.self"), 0);
}

static void
test_badpid(void)
{
  unlink("ct.bad");
  CHECK_EQ(checkpoint(0x7fffffff, "ct.bad"), -1);
  CHECK_EQ(checkpoint(0, "ct.bad"), -1);
  CHECK_EQ(checkpoint(-1, "ct.bad"), -1);
  CHECK_EQ(checkpoint(1, "ct.bad"), -1);  // init
  if(file_exists("ct.bad"))
    fail("a failed checkpoint left a file behind");
}

static void
test_badpath(void)
{
  unlink("ct.nodir");
  CHECK_EQ(checkpoint(getpid(), "ct.nodir/image"), -1);
  CHECK_EQ(checkpoint(getpid(), (char*)0xffffffff), -1);
  CHECK_EQ(checkpoint(getpid(), (char*)KERNBASE), -1);
  CHECK_EQ(restart((char*)0xffffffff), -1);
  CHECK_EQ(restart((char*)KERNBASE), -1);
  CHECK_EQ(ckptinfo((char*)0xffffffff, info, sizeof(info)), -1);

  make_image("ct.img", "ct.ran");
  CHECK_EQ(ckptinfo("ct.img", (char*)KERNBASE, sizeof(info)), -1);
  CHECK_EQ(ckptinfo("ct.img", info, -1), -1);
  CHECK_EQ(unlink("ct.img"), 0);
}

static int
size_of(const char *path)
{
  struct stat st;

  stat_or_fail(path, &st);
  return st.size;
}

// Copy the first n bytes of src into dst, changing the byte at offset flip (if
// flip >= 0). Copies in small pieces, because this process's memory, and so every
// image of it, must stay small enough for the 70 KiB files of the xv6 geometry.
static void
copy_file(const char *src, const char *dst, int n, int flip)
{
  int in = open(src, O_RDONLY);
  int out, done = 0, chunk;

  unlink(dst);
  out = open(dst, O_CREATE | O_WRONLY);
  if(in < 0 || out < 0)
    fail("cannot copy %s to %s", src, dst);
  while(done < n){
    chunk = n - done < (int)sizeof(piece) ? n - done : (int)sizeof(piece);
    if(read(in, piece, chunk) != chunk)
      fail("short read of %s at offset %d", src, done);
    if(flip >= done && flip < done + chunk)
      piece[flip - done] ^= 0x55;
    if(write(out, piece, chunk) != chunk)
      fail("write of %s at offset %d failed", dst, done);
    done += chunk;
  }
  close(in);
  close(out);
}

static void
test_restartbad(void)
{
  int size;

  unlink("ct.missing");
  expect_restart_fails("ct.missing", "a missing file");
  expect_restart_fails(".", "a directory");
  write_file("ct.junk", "this is not a checkpoint image\n", 31);
  expect_restart_fails("ct.junk", "a text file");
  write_file("ct.junk", "", 0);
  expect_restart_fails("ct.junk", "an empty file");

  make_image("ct.img", "ct.ran");
  size = size_of("ct.img");
  copy_file("ct.img", "ct.junk", size / 2, -1);
  expect_restart_fails("ct.junk", "the first half of an image");
  copy_file("ct.img", "ct.junk", size - 1, -1);
  expect_restart_fails("ct.junk", "an image without its last byte");
  copy_file("ct.img", "ct.junk", size, size / 2);
  expect_restart_fails("ct.junk", "an image with a changed byte in the middle");
  copy_file("ct.img", "ct.junk", size, size - 1);
  expect_restart_fails("ct.junk", "an image with its last byte changed");
  copy_file("ct.img", "ct.junk", size, 0);
  expect_restart_fails("ct.junk", "an image with its first byte changed");

  CHECK_EQ(unlink("ct.junk"), 0);
  CHECK_EQ(unlink("ct.img"), 0);
}

static void
test_info(void)
{
  int n;

  make_image("ct.img", "ct.ran");
  memset(info, 0, sizeof(info));
  n = ckptinfo("ct.img", info, sizeof(info));
  if(n <= 0 || n > (int)sizeof(info))
    fail("ckptinfo of a valid image returned %d", n);
  for(int i = 0; i < n; i++){
    uchar c = info[i];

    if(c != '\n' && c != '\t' && (c < ' ' || c > '~'))
      fail("byte %d of the summary is %d, which is not printable text", i, c);
  }

  write_file("ct.junk", "this is not a checkpoint image\n", 31);
  CHECK_EQ(ckptinfo("ct.junk", info, sizeof(info)), -1);
  unlink("ct.missing");
  CHECK_EQ(ckptinfo("ct.missing", info, sizeof(info)), -1);
  CHECK_EQ(ckptinfo(".", info, sizeof(info)), -1);
  CHECK_EQ(unlink("ct.junk"), 0);
  CHECK_EQ(unlink("ct.img"), 0);
}

#define OTHER_ROUNDS 40

// A process that counts to OTHER_ROUNDS, sleeping 2 ticks per round, then writes
// the count to ct.other.
static void
count_slowly(void)
{
  static volatile int count;

  for(count = 0; count < OTHER_ROUNDS; count++)
    sleep(2);
  snprintf(text, sizeof(text), "count %d", count);
  write_file("ct.other", text, strlen(text));
  exit();
}

static void
test_other(void)
{
  int counter, restarted;

  unlink("ct.other");
  unlink("ct.oimg");
  counter = fork_or_fail();
  if(counter == 0)
    count_slowly();
  sleep(10);
  CHECK_EQ(checkpoint(counter, "ct.oimg"), 0);

  // The checkpointed process carries on to its end.
  wait_for(counter);
  expect_marker("ct.other", "count 40");

  // The image, restarted in another process, runs to the same end.
  restarted = fork_or_fail();
  if(restarted == 0){
    restart("ct.oimg");
    fail("restart of the other process's image returned -1");
  }
  wait_for(restarted);
  expect_marker("ct.other", "count 40");

  // And again: an image can be restarted any number of times.
  restarted = fork_or_fail();
  if(restarted == 0){
    restart("ct.oimg");
    fail("the second restart of the image returned -1");
  }
  wait_for(restarted);
  expect_marker("ct.other", "count 40");
  CHECK_EQ(unlink("ct.oimg"), 0);
}

static void
test_fdrestore(void)
{
  int pid;

  unlink("ct.fd");
  unlink("ct.fdimg");
  pid = fork_or_fail();
  if(pid == 0){
    int fd = open("ct.fd", O_CREATE | O_RDWR);
    int r;

    if(fd < 0)
      fail("cannot create ct.fd");
    write(fd, "abc", 3);
    r = checkpoint(getpid(), "ct.fdimg");
    if(r == 0){
      restart("ct.fdimg");
      fail("restart of ct.fdimg returned -1");
    }
    if(r != 1)
      fail("checkpoint(self) returned %d, expected 0 and then 1", r);
    // Restarted: the descriptor is open again at offset 3.
    if(write(fd, "def", 3) != 3)
      write_file("ct.fd", "descriptor lost", 15);
    exit();
  }
  wait_for(pid);
  expect_marker("ct.fd", "abcdef");
  CHECK_EQ(unlink("ct.fdimg"), 0);
}

static const struct test tests[] = {
  { "selfsave", test_selfsave, QUICK, "checkpoint of itself returns 0, then 1 after restart" },
  { "badpid", test_badpid, QUICK, "checkpoint of a missing pid or of init fails" },
  { "badpath", test_badpath, QUICK, "missing directories and bad pointers fail" },
  { "restartbad", test_restartbad, QUICK, "restart of damaged images fails, caller goes on" },
  { "info", test_info, QUICK, "ckptinfo of good and bad images" },
  { "other", test_other, QUICK, "checkpoint of another process, restarted twice" },
  { "fdrestore", test_fdrestore, QUICK, "an open file and its offset survive restart" },
};

static const struct suite suite = {
  "ckpttests", tests, sizeof(tests) / sizeof(tests[0]), "ALL CHECKPOINT TESTS PASSED",
};

int
main(int argc, char *argv[])
{
  run_suite(&suite, argc, argv);
  exit();
}
