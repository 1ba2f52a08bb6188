/*
 * Tests of processes and pipes: fork, wait, exit, kill, getpid, sleep, uptime and
 * pipe.
 */
#include "usertests.h"

static uchar buf[4096];

void
test_forkwait(void)
{
  enum { CHILDREN = 20 };
  int pids[CHILDREN], reaped[CHILDREN];
  int pid;

  for(int i = 0; i < CHILDREN; i++){
    pids[i] = fork_or_fail();
    if(pids[i] == 0)
      exit();
    reaped[i] = 0;
  }

  for(int n = 0; n < CHILDREN; n++){
    int known = 0;

    pid = wait();
    for(int i = 0; i < CHILDREN; i++){
      if(pids[i] == pid){
        known = 1;
        reaped[i]++;
        if(reaped[i] > 1)
          fail("wait returned pid %d twice", pid);
      }
    }
    if(!known)
      fail("wait returned %d, which is not one of the children", pid);
  }
  CHECK_EQ(wait(), -1);
}

void
test_waitnone(void)
{
  CHECK_EQ(wait(), -1);
  CHECK_EQ(wait(), -1);
}

void
test_getpid(void)
{
  int me = getpid();
  int p[2], pid, child_pid = 0;

  CHECK_GE(me, 2);
  CHECK_EQ(getpid(), me);
  CHECK_EQ(pipe(p), 0);
  pid = fork_or_fail();
  if(pid == 0){
    int mine = getpid();

    write(p[1], &mine, sizeof(mine));
    exit();
  }
  CHECK_EQ(read(p[0], &child_pid, sizeof(child_pid)), sizeof(child_pid));
  wait_for(pid);
  CHECK_EQ(child_pid, pid);
  CHECK_NE(child_pid, me);
  CHECK_EQ(getpid(), me);
  close(p[0]);
  close(p[1]);
}

// Fork children that block until the parent closes a pipe, until fork fails. Then
// release them, reap them all and check that fork works again. Returns the number
// of children that fork created.
static int
fork_to_limit(void)
{
  int p[2], n = 0, pid;
  char c;

  CHECK_EQ(pipe(p), 0);
  for(;;){
    pid = fork();
    if(pid < 0)
      break;
    if(pid == 0){
      close(p[1]);
      read(p[0], &c, 1);
      exit();
    }
    if(++n >= NPROC)
      fail("fork succeeded %d times; the limit is NPROC (%d) processes", n, NPROC);
  }
  if(n == 0)
    fail("the first fork failed");

  close(p[0]);
  close(p[1]);
  for(int i = 0; i < n; i++){
    if(wait() < 0)
      fail("wait returned -1 after %d of %d children", i, n);
  }
  CHECK_EQ(wait(), -1);

  pid = fork_or_fail();
  if(pid == 0)
    exit();
  wait_for(pid);
  return n;
}

void
test_forklimit(void)
{
  fork_to_limit();
}

void
test_forkloop(void)
{
  int first = fork_to_limit();

  for(int round = 1; round < 5; round++){
    int n = fork_to_limit();

    if(n < first)
      fail("round %d forked %d children, the first round %d: slots were lost",
           round + 1, n, first);
  }
}

// Start a child that spins, sleeps or blocks on a pipe read, and kill it.
static void
kill_child(int how)
{
  int p[2], pid;
  char c;

  CHECK_EQ(pipe(p), 0);
  pid = fork_or_fail();
  if(pid == 0){
    if(how == 0)
      for(;;)
        ;
    if(how == 1)
      sleep(100000);
    else
      read(p[0], &c, 1);
    write(p[1], "S", 1);  // reached only if kill did not work
    exit();
  }
  CHECK_EQ(kill(pid), 0);
  wait_for(pid);
  close(p[1]);
  if(read(p[0], &c, 1) != 0)
    fail("the killed child ran on after kill (mode %d)", how);
  close(p[0]);
}

void
test_kill(void)
{
  for(int how = 0; how < 3; how++){
    kill_child(how);
    kill_child(how);
  }
  CHECK_EQ(kill(0), -1);
  CHECK_EQ(kill(-1), -1);
  CHECK_EQ(kill(0x7fffffff), -1);
}

void
test_killloop(void)
{
  for(int i = 0; i < 50; i++)
    kill_child(i % 3);
}

void
test_orphans(void)
{
  int pid = fork_or_fail();

  if(pid == 0){
    if(fork() == 0){
      sleep(5);
      exit();
    }
    exit();
  }
  wait_for(pid);
  // The grandchild now belongs to init, so this process has no children left.
  CHECK_EQ(wait(), -1);
}

void
test_sleep(void)
{
  int before = uptime();
  int after;

  CHECK_GE(before, 0);
  CHECK_EQ(sleep(0), 0);
  CHECK_EQ(sleep(5), 0);
  after = uptime();
  if(after - before < 5)
    fail("uptime went from %d to %d across sleep(5)", before, after);
}

// Send total bytes of a pattern from a child to this process through a pipe. Both
// sides use varying sizes per call, and this side checks every byte and the length.
static void
stream_through_pipe(int total)
{
  int p[2], pid, n, received = 0, size = 1;

  CHECK_EQ(pipe(p), 0);
  pid = fork_or_fail();
  if(pid == 0){
    close(p[0]);
    for(int sent = 0; sent < total; sent += n){
      n = total - sent < size ? total - sent : size;
      fill_pattern(buf, n, sent, 3);
      if(write(p[1], buf, n) != n)
        fail("pipe write of %d bytes at offset %d failed", n, sent);
      size = size * 2 + 1 > (int)sizeof(buf) ? 1 : size * 2 + 1;
    }
    exit();
  }

  close(p[1]);
  while((n = read(p[0], buf, size)) > 0){
    check_pattern(buf, n, received, 3, "the pipe stream");
    received += n;
    size = size % 1000 + 97;
  }
  CHECK_EQ(n, 0);
  close(p[0]);
  wait_for(pid);
  if(received != total)
    fail("read %d bytes from the pipe, expected %d", received, total);
}

void
test_pipe(void)
{
  stream_through_pipe(12000);
}

void
test_bigpipe(void)
{
  stream_through_pipe(2 * 1024 * 1024);
}

void
test_pipeclose(void)
{
  int p[2], fd;
  char c;

  fd = dup(0);
  close(fd);  // fd is now the lowest free descriptor
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(p[0], fd);
  CHECK_EQ(p[1], fd + 1);
  CHECK_EQ(write(p[1], "ab", 2), 2);
  CHECK_EQ(read(p[0], &c, 1), 1);
  CHECK_EQ(c, 'a');
  CHECK_EQ(write(p[0], "x", 1), -1);
  CHECK_EQ(read(p[1], &c, 1), -1);

  // With the write end closed, the rest is read and then end of file.
  CHECK_EQ(close(p[1]), 0);
  CHECK_EQ(read(p[0], &c, 1), 1);
  CHECK_EQ(c, 'b');
  CHECK_EQ(read(p[0], &c, 1), 0);
  close(p[0]);

  // With the read end closed, a write fails.
  CHECK_EQ(pipe(p), 0);
  CHECK_EQ(close(p[0]), 0);
  CHECK_EQ(write(p[1], "x", 1), -1);
  close(p[1]);
}
