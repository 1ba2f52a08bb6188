/*
 * Tests of memory: sbrk up and down, its limits, and the kernel's checks of pointer
 * and integer arguments against the process size sz.
 *
 * The argument rules under test: a buffer [p, p+n) must lie inside [0, sz), a string
 * must end with a NUL before sz, and an integer argument's 4 bytes must lie below
 * sz. A call that breaks them returns -1 and changes nothing. The tests move sz to
 * the middle of a page first, so a kernel that checked page mappings instead of sz
 * would be caught: the bytes just past sz are then mapped.
 */
#include "usertests.h"

static volatile char *probe_address;
static volatile char probe_value;

static void
read_probe(void)
{
  probe_value = *probe_address;
}

// Grow memory so that sz is a multiple of the page size. Returns sz.
static uint
align_size_to_page(void)
{
  uint top = (uint)sbrk(0);

  if(sbrk(PGROUNDUP(top) - top) == (char*)-1)
    fail("sbrk(%d) to align the size failed", PGROUNDUP(top) - top);
  return PGROUNDUP(top);
}

void
test_sbrk(void)
{
  uint base = align_size_to_page();
  char *p;

  CHECK_EQ(sbrk(0), base);
  CHECK_EQ(sbrk(1), base);
  CHECK_EQ(sbrk(0), base + 1);
  CHECK_EQ(sbrk(PGSIZE - 1), base + 1);
  CHECK_EQ(sbrk(3 * PGSIZE), base + PGSIZE);
  p = (char*)base;
  for(int i = 0; i < 4 * PGSIZE; i++){
    if(p[i] != 0)
      fail("byte %d of new memory is %d, expected 0", i, p[i]);
  }
  memset(p, 0xab, 4 * PGSIZE);

  CHECK_EQ(sbrk(-2 * PGSIZE), base + 4 * PGSIZE);
  CHECK_EQ(sbrk(0), base + 2 * PGSIZE);
  CHECK_EQ(p[2 * PGSIZE - 1], (char)0xab);

  probe_address = p + 2 * PGSIZE;
  expect_killed(read_probe, "a read just past sz after sbrk shrank it");
  probe_address = p + 4 * PGSIZE - 1;
  expect_killed(read_probe, "a read of the last byte freed by sbrk");

  // Memory that comes back is zeroed again.
  CHECK_EQ(sbrk(2 * PGSIZE), base + 2 * PGSIZE);
  for(int i = 2 * PGSIZE; i < 4 * PGSIZE; i++){
    if(p[i] != 0)
      fail("byte %d of regrown memory is %d, expected 0", i, p[i]);
  }
  CHECK_EQ(sbrk(-4 * PGSIZE), base + 4 * PGSIZE);
  CHECK_EQ(sbrk(0), base);
}

void
test_sbrkbig(void)
{
  enum { SIZE = 4 * 1024 * 1024 };
  char *p = sbrk(SIZE);
  char *old_end;

  if(p == (char*)-1)
    fail("sbrk(4 MiB) failed");
  for(int i = 0; i < SIZE; i += PGSIZE)
    p[i] = i / PGSIZE;
  for(int i = 0; i < SIZE; i += PGSIZE){
    if(p[i] != (char)(i / PGSIZE))
      fail("page %d holds %d, expected %d", i / PGSIZE, p[i], (char)(i / PGSIZE));
  }
  old_end = sbrk(-SIZE);
  CHECK_EQ(old_end, p + SIZE);
  CHECK_EQ(sbrk(0), p);
}

void
test_sbrklimit(void)
{
  char *top = sbrk(0);

  CHECK_EQ(sbrk(KERNBASE - (uint)top), -1);
  CHECK_EQ(sbrk(KERNBASE - (uint)top + PGSIZE), -1);
  CHECK_EQ(sbrk(0x7fffffff), -1);
  CHECK_EQ(sbrk(0), top);
}

// Grow in 1 MiB steps until sbrk fails. Returns the MiB gained.
static int
grow_until_failure(void)
{
  int mib = 0;
  char *p;

  while((p = sbrk(1024 * 1024)) != (char*)-1){
    p[0] = 1;
    p[1024 * 1024 - 1] = 1;
    if(++mib > 2048)
      fail("sbrk gave more than 2 GiB");
  }
  return mib;
}

void
test_sbrkmax(void)
{
  int p[2], first = 0, second = 0;

  CHECK_EQ(pipe(p), 0);
  for(int round = 0; round < 2; round++){
    int pid = fork_or_fail();

    if(pid == 0){
      int mib = grow_until_failure();

      write(p[1], &mib, sizeof(mib));
      exit();
    }
    CHECK_EQ(read(p[0], round == 0 ? &first : &second, sizeof(int)), sizeof(int));
    wait_for(pid);
  }
  close(p[0]);
  close(p[1]);
  if(first < 1)
    fail("sbrk of the first 1 MiB failed");
  // The memory of the first child came back when it exited.
  if(second < first - 1)
    fail("the second child got %d MiB, the first %d: memory was lost", second, first);
}

// Pointers that every call must reject, computed after sz was moved mid-page:
// 0xffffffff, KERNBASE, sz itself, and sz - 1 for a range that runs past sz.
struct bad_pointers {
  char *values[3];
  char *straddling;    // sz - 1
  char *unterminated;  // a string of 'x' up to sz, without a NUL
};

static struct bad_pointers
make_bad_pointers(void)
{
  struct bad_pointers bad;
  char *tail = sbrk(8);

  if(tail == (char*)-1)
    fail("sbrk(8) failed");
  memset(tail, 'x', 8);
  bad.values[0] = (char*)0xffffffff;
  bad.values[1] = (char*)KERNBASE;
  bad.values[2] = tail + 8;
  bad.straddling = tail + 7;
  bad.unterminated = tail;
  return bad;
}

// Check the calls that take a buffer. fd is open for reading and writing on a file
// that contains "0123456789".
static void
check_buffers(int fd, struct bad_pointers *bad)
{
  struct stat st;
  int p[2];

  for(int i = 0; i < 3; i++){
    char *ptr = bad->values[i];

    CHECK_EQ(read(fd, ptr, 1), -1);
    CHECK_EQ(write(fd, ptr, 1), -1);
    CHECK_EQ(fstat(fd, (struct stat*)ptr), -1);
    CHECK_EQ(pipe((int*)ptr), -1);
  }
  CHECK_EQ(read(fd, bad->straddling, 2), -1);
  CHECK_EQ(write(fd, bad->straddling, 2), -1);
  CHECK_EQ(fstat(fd, (struct stat*)(bad->straddling - 8)), -1);
  CHECK_EQ(pipe((int*)(bad->straddling - 4)), -1);
  CHECK_EQ(read(fd, (char*)&st, -1), -1);
  CHECK_EQ(write(fd, "x", -1), -1);
  CHECK_EQ(write(fd, (char*)KERNBASE - 4, 8), -1);

  // Nothing was read or written, and no pipe descriptors leaked.
  CHECK_EQ(fstat(fd, &st), 0);
  CHECK_EQ(st.size, 10);
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(p[0], fd + 1);
  close(p[0]);
  close(p[1]);

  // A buffer that ends exactly at sz is fine.
  CHECK_EQ(read(fd, bad->straddling - 3, 4), 4);
  CHECK_EQ(memcmp(bad->straddling - 3, "0123", 4), 0);
  memset(bad->unterminated, 'x', 8);
}

// Check the calls that take a path string with one bad pointer.
static void
check_paths(char *path)
{
  static char *argv[] = { "usertests", 0 };

  CHECK_EQ(open(path, O_RDONLY), -1);
  CHECK_EQ(open(path, O_CREATE | O_RDWR), -1);
  CHECK_EQ(mknod(path, 1, 1), -1);
  CHECK_EQ(unlink(path), -1);
  CHECK_EQ(link(path, "ut.bplink"), -1);
  CHECK_EQ(link("ut.bp", path), -1);
  CHECK_EQ(mkdir(path), -1);
  CHECK_EQ(chdir(path), -1);
  CHECK_EQ(exec(path, argv), -1);
}

// Check exec with bad argument vectors. The vectors name "exec-child" first, so that
// a kernel that wrongly accepted one would start a harmless program, not a second
// run of the whole suite.
static void
check_exec_vectors(struct bad_pointers *bad)
{
  static char *bad_entry[] = { "usertests", "exec-child", (char*)KERNBASE, 0 };
  static char *high_entry[] = { "usertests", "exec-child", (char*)0xffffffff, 0 };
  char **vector_at_end = (char**)(bad->values[2] - 8);

  for(int i = 0; i < 3; i++)
    CHECK_EQ(exec(self_path, (char**)bad->values[i]), -1);
  CHECK_EQ(exec(self_path, bad_entry), -1);
  CHECK_EQ(exec(self_path, high_entry), -1);
  bad_entry[2] = bad->unterminated;
  CHECK_EQ(exec(self_path, bad_entry), -1);

  // A vector whose terminating 0 would lie past sz.
  vector_at_end[0] = self_path;
  vector_at_end[1] = "exec-child";
  CHECK_EQ(exec(self_path, vector_at_end), -1);
}

void
test_badptr(void)
{
  struct bad_pointers bad;
  int fd;

  write_file("ut.bp", "0123456789", 10);
  fd = open("ut.bp", O_RDWR);
  CHECK_GE(fd, 0);
  unlink("ut.bplink");
  bad = make_bad_pointers();

  check_buffers(fd, &bad);
  for(int i = 0; i < 3; i++)
    check_paths(bad.values[i]);
  check_paths(bad.unterminated);
  check_exec_vectors(&bad);

  CHECK_EQ(open("ut.bplink", O_RDONLY), -1);
  close(fd);
  CHECK_EQ(unlink("ut.bp"), 0);
}

// Enter the kernel with esp at stack, so that the call's arguments are the words
// above stack. The kernel preserves every register but eax, so ebx keeps esp.
static int
syscall_with_stack(int number, uint stack)
{
  int result;

  asm volatile(
    "movl %%esp, %%ebx\n\t"
    "movl %2, %%esp\n\t"
    "movl %1, %%eax\n\t"
    "int $64\n\t"
    "movl %%ebx, %%esp"
    : "=a"(result)
    : "r"(number), "r"(stack)
    : "ebx", "memory");
  return result;
}

void
test_argfetch(void)
{
  uint top;
  int fd;

  write_file("ut.af", "abc", 3);
  fd = open("ut.af", O_RDWR);
  CHECK_GE(fd, 0);
  top = (uint)sbrk(12) + 12;

  // write(fd, buf, n) with only fd below sz: buf and n must not be fetched.
  *(int*)(top - 4) = fd;
  CHECK_EQ(syscall_with_stack(SYS_write, top - 8), -1);
  CHECK_EQ(syscall_with_stack(SYS_read, top - 8), -1);
  CHECK_EQ(syscall_with_stack(SYS_close, top - 4), -1);
  CHECK_EQ(syscall_with_stack(SYS_kill, top - 4), -1);
  CHECK_EQ(syscall_with_stack(SYS_sbrk, top - 4), -1);
  CHECK_EQ(syscall_with_stack(SYS_dup, top - 2), -1);

  // The descriptor is still open, so close was not called with a guessed fd.
  CHECK_EQ(close(fd), 0);
  CHECK_EQ(unlink("ut.af"), 0);
}
