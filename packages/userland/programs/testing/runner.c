/*
 * The test runner behind runner.h.
 *
 * For each selected test the runner
 *   1. creates the result file "<program>.result" and opens it read-write,
 *   2. forks the test process, which inherits that descriptor. Every process of the
 *      test appends 'F' on failure, and the test process appends 'P' when the test
 *      function returns,
 *   3. forks a watchdog that sleeps for the tier's limit and then kills the test,
 *   4. waits for the test process, kills the watchdog if it is still asleep,
 *   5. reads the result file: any 'F' is a failure (already printed), else a 'P' is a
 *      pass, else the test died or timed out, which the runner prints.
 * Descriptors share their offset across fork, so the appends of different processes
 * land one after another in the file.
 */
#include "types.h"
#include "stat.h"
#include "fcntl.h"
#include "stdarg.h"
#include "user.h"
#include "runner.h"

#define QUICK_LIMIT 6000   // ticks (60 s at 100 Hz) before a quick test is killed
#define SLOW_LIMIT 60000   // ticks for a slow test

const char *current_test = "?";
static int result_fd = -1;
static char result_path[32];

static void
record(char outcome)
{
  if(result_fd >= 0)
    write(result_fd, &outcome, 1);
}

void
fail(const char *fmt, ...)
{
  static char message[256];
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(message, sizeof(message), fmt, ap);
  va_end(ap);
  printf(1, "test %s: FAILED: %s\n", current_test, message);
  record('F');
  exit();
}

void
check_eq_failed(int line, const char *expr, int actual, int expected)
{
  fail("line %d: %s returned %d, expected %d", line, expr, actual, expected);
}

void
check_ne_failed(int line, const char *expr, int actual)
{
  fail("line %d: %s returned %d, expected any other value", line, expr, actual);
}

void
check_ge_failed(int line, const char *expr, int actual, int bound)
{
  fail("line %d: %s returned %d, expected at least %d", line, expr, actual, bound);
}

int
fork_or_fail(void)
{
  int pid = fork();

  if(pid < 0)
    fail("fork returned -1");
  return pid;
}

void
wait_for(int pid)
{
  int reaped = wait();

  if(reaped != pid)
    fail("wait returned %d, expected the child %d", reaped, pid);
}

void
expect_killed(void (*action)(void), const char *what)
{
  int p[2];
  char c;
  int pid, n;

  CHECK_EQ(pipe(p), 0);
  pid = fork_or_fail();
  if(pid == 0){
    close(p[0]);
    action();
    write(p[1], "S", 1);  // still alive: the kernel did not kill it
    exit();
  }
  close(p[1]);
  n = read(p[0], &c, 1);
  close(p[0]);
  wait_for(pid);
  if(n != 0)
    fail("the child survived %s", what);
}

void
write_file(const char *path, const void *data, int n)
{
  int fd;

  unlink(path);
  fd = open(path, O_CREATE | O_WRONLY);
  if(fd < 0)
    fail("cannot create %s", path);
  if(write(fd, data, n) != n)
    fail("write of %d bytes to %s failed", n, path);
  close(fd);
}

int
read_file(const char *path, void *buf, int max)
{
  int fd = open(path, O_RDONLY);
  int total = 0, n;

  if(fd < 0)
    fail("cannot open %s", path);
  while(total < max && (n = read(fd, (char*)buf + total, max - total)) > 0)
    total += n;
  close(fd);
  return total;
}

void
stat_or_fail(const char *path, struct stat *st)
{
  if(stat(path, st) < 0)
    fail("stat %s failed", path);
}

// Wait until pid is reaped. Returns 1 if the watchdog wd (-1 if there is none)
// exited first, which means that it killed the test.
static int
wait_for_test(int pid, int wd)
{
  int timed_out = 0;
  int reaped;

  while((reaped = wait()) >= 0 && reaped != pid){
    if(reaped == wd)
      timed_out = 1;
  }
  if(wd > 0 && !timed_out){
    kill(wd);
    while((reaped = wait()) >= 0 && reaped != wd)
      ;
  }
  return timed_out;
}

// Read the outcomes the test's processes recorded: 'F', 'P' or 0 for none.
static char
read_outcome(void)
{
  char buf[64];
  int fd = open(result_path, O_RDONLY);
  int n = fd < 0 ? 0 : read(fd, buf, sizeof(buf));
  char outcome = 0;

  if(fd >= 0)
    close(fd);
  unlink(result_path);
  for(int i = 0; i < n; i++){
    if(buf[i] == 'F' || (buf[i] == 'P' && outcome == 0))
      outcome = buf[i];
  }
  return outcome;
}

// Run one test in a child process under a watchdog. Returns 1 if it passed.
static int
run_one(const struct test *t)
{
  int limit = t->tier == SLOW ? SLOW_LIMIT : QUICK_LIMIT;
  int pid, wd, timed_out;
  char outcome;

  unlink(result_path);
  result_fd = open(result_path, O_CREATE | O_RDWR);
  if(result_fd < 0){
    printf(1, "test %s: FAILED: cannot create the result file %s\n", t->name, result_path);
    return 0;
  }

  current_test = t->name;
  pid = fork();
  if(pid == 0){
    t->run();
    record('P');
    exit();
  }
  close(result_fd);
  result_fd = -1;
  if(pid < 0){
    printf(1, "test %s: FAILED: fork of the test process returned -1\n", t->name);
    return 0;
  }

  wd = fork();
  if(wd == 0){
    sleep(limit);
    kill(pid);
    exit();
  }
  timed_out = wait_for_test(pid, wd < 0 ? -1 : wd);

  outcome = read_outcome();
  if(outcome == 'P')
    printf(1, "test %s: OK\n", t->name);
  else if(outcome == 0 && timed_out)
    printf(1, "test %s: FAILED: no result after %d ticks, so the test was killed\n",
           t->name, limit);
  else if(outcome == 0)
    printf(1, "test %s: FAILED: the test process died without reporting a result\n",
           t->name);
  return outcome == 'P';
}

static const struct test*
find_test(const struct suite *suite, const char *name)
{
  for(int i = 0; i < suite->count; i++){
    if(strcmp(suite->tests[i].name, name) == 0)
      return &suite->tests[i];
  }
  return 0;
}

static void
list_tests(const struct suite *suite)
{
  for(int i = 0; i < suite->count; i++){
    const struct test *t = &suite->tests[i];

    printf(1, "%-14s %-5s %s\n", t->name, t->tier == SLOW ? "slow" : "quick", t->summary);
  }
}

// Returns the tier mask that a tier argument selects, or 0 for other arguments.
static int
tier_mask(const char *arg)
{
  if(strcmp(arg, "quick") == 0)
    return QUICK;
  if(strcmp(arg, "slow") == 0)
    return SLOW;
  if(strcmp(arg, "all") == 0)
    return QUICK | SLOW;
  return 0;
}

int
run_suite(const struct suite *suite, int argc, char **argv)
{
  int mask = argc < 2 ? QUICK : 0;
  int ran = 0, failed = 0;

  snprintf(result_path, sizeof(result_path), "%s.result", suite->program);
  if(argc == 2 && strcmp(argv[1], "list") == 0){
    list_tests(suite);
    return 0;
  }

  for(int i = 1; i < argc; i++){
    mask |= tier_mask(argv[i]);
    if(tier_mask(argv[i]) == 0 && find_test(suite, argv[i]) == 0){
      printf(1, "%s: no test named %s (\"%s list\" shows them)\n",
             suite->program, argv[i], suite->program);
      return 1;
    }
  }

  for(int i = 0; i < suite->count; i++){
    const struct test *t = &suite->tests[i];
    int named = 0;

    for(int a = 1; a < argc; a++)
      named |= strcmp(argv[a], t->name) == 0;
    if(!named && (mask & t->tier) == 0)
      continue;
    ran++;
    failed += !run_one(t);
  }

  if(failed == 0 && ran > 0)
    printf(1, "%s\n", suite->pass_line);
  else
    printf(1, "%s: %d of %d tests failed\n", suite->program, failed, ran);
  return failed;
}
