/*
 * A small test framework for user-space test suites (usertests, ckpttests).
 *
 * Each test runs in its own child process, so that a test that crashes or hangs
 * cannot take the suite down, and a watchdog process kills a test that has not
 * finished within its tier's tick limit. A test reports failure with fail() or one
 * of the CHECK macros, which print "test <name>: FAILED: <reason>" and end the test
 * process. A test that returns has passed. Results travel through a file rather than
 * a pipe, and the runner reads the file only after the test process has exited, so
 * children that a test leaves behind cannot block the runner.
 */
#ifndef TESTING_RUNNER_H
#define TESTING_RUNNER_H

struct stat;

enum tier {
  QUICK = 1,  // run by default; a few million instructions each
  SLOW = 2,   // run by "slow" and "all"
};

struct test {
  const char *name;
  void (*run)(void);
  enum tier tier;
  const char *summary;  // one line for "list"
};

struct suite {
  const char *program;    // name used in messages and in the result file name
  const struct test *tests;
  int count;
  const char *pass_line;  // printed only when every selected test passed
};

// Run the tests that the arguments select: none or "quick" (the quick tier), "slow",
// "all", "list" (print the tests), or test names. Prints a line per test and the
// suite's pass line when all passed. Returns the number of failed tests.
int run_suite(const struct suite *suite, int argc, char **argv);

// The name of the running test, for messages.
extern const char *current_test;

// Print "test <name>: FAILED: <message>", record the failure and end this process.
// Works in the test process and in any process it forked.
void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

void check_eq_failed(int line, const char *expr, int actual, int expected)
  __attribute__((noreturn));
void check_ne_failed(int line, const char *expr, int actual) __attribute__((noreturn));
void check_ge_failed(int line, const char *expr, int actual, int bound)
  __attribute__((noreturn));

// CHECK_EQ(open("x", O_RDONLY), -1) fails with
// "line 12: open("x", O_RDONLY) returned 3, expected -1".
#define CHECK_EQ(expr, expected) do { \
    int actual_ = (int)(expr); \
    int expected_ = (int)(expected); \
    if(actual_ != expected_) \
      check_eq_failed(__LINE__, #expr, actual_, expected_); \
  } while(0)

// CHECK_NE(fork(), -1): the expression must not have that value.
#define CHECK_NE(expr, unexpected) do { \
    int actual_ = (int)(expr); \
    if(actual_ == (int)(unexpected)) \
      check_ne_failed(__LINE__, #expr, actual_); \
  } while(0)

// CHECK_GE(open(...), 0): the expression must be at least bound.
#define CHECK_GE(expr, bound) do { \
    int actual_ = (int)(expr); \
    int bound_ = (int)(bound); \
    if(actual_ < bound_) \
      check_ge_failed(__LINE__, #expr, actual_, bound_); \
  } while(0)

// Helpers for tests.

// fork(), failing the test when it returns -1.
int fork_or_fail(void);

// wait() must return pid; fails the test otherwise.
void wait_for(int pid);

// Run action in a child process, which must be killed by the kernel before action
// returns. what describes the action for the failure message.
void expect_killed(void (*action)(void), const char *what);

// Create or overwrite path with n bytes of data (the file is unlinked first).
void write_file(const char *path, const void *data, int n);

// Read the whole file into buf (at most max bytes). Returns the number of bytes.
int read_file(const char *path, void *buf, int max);

// Fill st for the file at path, failing the test when stat() returns -1.
void stat_or_fail(const char *path, struct stat *st);

#endif
