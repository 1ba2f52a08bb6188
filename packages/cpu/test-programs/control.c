/* Control flow: setjmp/longjmp, recursion, function-pointer tables, atomics, varargs. */
#include "lib/rt.h"

static jmp_buf handler;
static int depth_reached;

static void descend(int depth) {
  volatile char frame[64];
  frame[depth & 63] = (char)depth;
  depth_reached = depth;
  if (depth == 37) rt_longjmp(handler, depth * 2 + frame[depth & 63]);
  descend(depth + 1);
}

static int ackermann(int m, int n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static int fib(int n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }
static int shl(int a, int b) { return a << (b & 15); }
static int max(int a, int b) { return a > b ? a : b; }

static int (*const operations[])(int, int) = {add, sub, mul, shl, max};

static int sum_varargs(int count, ...) {
  va_list args;
  va_start(args, count);
  int total = 0;
  for (int i = 0; i < count; i++) total += va_arg(args, int) * (i + 1);
  va_end(args);
  return total;
}

static int dense_switch(int x) {
  switch (x) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 59;
    case 5: return 61;
    case 6: return 73;
    case 7: return 89;
    case 8: return 97;
    case 9: return 101;
    case 10: return 113;
    case 11: return 127;
    default: return -1;
  }
}

static volatile int counter;
static volatile long long wide_counter;

int main(void) {
  int value = rt_setjmp(handler);
  if (value == 0) {
    descend(0);
    print("not reached\n");
  }
  print("longjmp returned %d at depth %d\n", value, depth_reached);

  static volatile int rounds = 0;
  if (rt_setjmp(handler) < 3) {
    rounds++;
    rt_longjmp(handler, rounds);
  }
  print("rounds %d\n", rounds);

  print("ackermann(2,3)=%d ackermann(3,3)=%d fib(20)=%d\n", ackermann(2, 3), ackermann(3, 3), fib(20));

  int accumulator = 1;
  for (int i = 0; i < 40; i++) accumulator = operations[i % 5](accumulator, i + 1) & 0xffffff;
  print("operations %d\n", accumulator);

  print("varargs %d %d\n", sum_varargs(3, 10, 20, 30), sum_varargs(6, 1, -2, 3, -4, 5, -6));

  int switch_sum = 0;
  for (int i = -2; i < 15; i++) switch_sum = switch_sum * 3 + dense_switch(i);
  print("switch %d\n", switch_sum);

  for (int i = 0; i < 100; i++) __sync_fetch_and_add(&counter, i);
  int old = __sync_val_compare_and_swap(&counter, 4950, 7);
  int failed = __sync_val_compare_and_swap(&counter, 4950, 9);
  print("atomics %d %d %d\n", old, failed, counter);
  wide_counter = 0x100000000LL;
  long long seen = __sync_val_compare_and_swap(&wide_counter, 0x100000000LL, 0x2000000005LL);
  print("cmpxchg8b %llx %llx\n", seen, wide_counter);
  print("lock or %d\n", __sync_or_and_fetch(&counter, 0x30));
  return 0;
}
