/* 64-bit integer arithmetic: libgcc's __divdi3, __udivdi3, __moddi3, __umoddi3 and inline forms. */
#include "lib/rt.h"

static volatile i64 signed_values[] = {
    0, 1, -1, 7, -7, 1000000007LL, -999999999999LL, 0x7fffffffffffffffLL, -0x7fffffffffffffffLL - 1,
    0x123456789abcdefLL, -0x1000000000LL, 4294967296LL, 4294967295LL, -4294967296LL, 65536, -3,
};
static volatile u64 unsigned_values[] = {
    0, 1, 2, 3, 10, 0xffffffffULL, 0x100000000ULL, 0xffffffffffffffffULL, 0x8000000000000000ULL,
    0xdeadbeefcafebabeULL, 12345678901234567ULL, 1000000000000ULL, 0x7fffffffULL, 99,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static u64 checksum;

static void mix(u64 value) {
  checksum = (checksum ^ value) * 0x100000001b3ULL;
}

static void signed_table(void) {
  for (unsigned i = 0; i < COUNT(signed_values); i++) {
    for (unsigned j = 0; j < COUNT(signed_values); j++) {
      i64 a = signed_values[i], b = signed_values[j];
      mix((u64)(a + b));
      mix((u64)(a - b));
      mix((u64)(a * b));
      if (b != 0 && !(a == -0x7fffffffffffffffLL - 1 && b == -1)) {
        mix((u64)(a / b));
        mix((u64)(a % b));
      }
      mix((u64)(a < b) | (u64)(a == b) << 1 | (u64)(a > b) << 2);
      mix((u64)(a >> (j & 63)));
      mix((u64)a << (i & 63));
    }
  }
}

static void unsigned_table(void) {
  for (unsigned i = 0; i < COUNT(unsigned_values); i++) {
    for (unsigned j = 0; j < COUNT(unsigned_values); j++) {
      u64 a = unsigned_values[i], b = unsigned_values[j];
      mix(a + b);
      mix(a * b);
      if (b != 0) {
        mix(a / b);
        mix(a % b);
      }
      mix((u64)(a < b) | (u64)(a <= b) << 1);
      mix(a >> (j & 63));
      mix(a >> 32 | a << 32);
    }
  }
}

static u64 power_mod(u64 base, u64 exponent, u64 modulus) {
  u64 result = 1;
  base %= modulus;
  while (exponent > 0) {
    if (exponent & 1) result = result * base % modulus;
    base = base * base % modulus;
    exponent >>= 1;
  }
  return result;
}

static u64 gcd(u64 a, u64 b) {
  while (b != 0) {
    u64 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

int main(void) {
  signed_table();
  print("signed checksum %llx\n", checksum);
  checksum = 0;
  unsigned_table();
  print("unsigned checksum %llx\n", checksum);

  print("2^62 mod 1000000007 = %llu\n", power_mod(2, 62, 1000000007ULL));
  print("3^1000003 mod 4294967291 = %llu\n", power_mod(3, 1000003, 4294967291ULL));
  print("gcd = %llu\n", gcd(0x123456789abcdef0ULL, 0xfedcba9876543210ULL));

  i64 factorial = 1;
  for (int n = 1; n <= 20; n++) factorial *= n;
  print("20! = %lld\n", factorial);
  print("20! / 13 = %lld rem %lld\n", factorial / 13, factorial % 13);
  print("-20! / 7 = %lld rem %lld\n", -factorial / 7, -factorial % 7);

  u64 fib_a = 0, fib_b = 1;
  for (int n = 0; n < 90; n++) {
    u64 t = fib_a + fib_b;
    fib_a = fib_b;
    fib_b = t;
  }
  print("fib(90) = %llu\n", fib_a);

  i32 narrow = -123456;
  i64 widened = narrow;
  u32 unsigned_narrow = 4000000000u;
  u64 unsigned_widened = unsigned_narrow;
  print("widen %lld %llu %lld\n", widened, unsigned_widened, (i64)(i32)unsigned_narrow);
  print("mul 32x32 %llu %lld\n", (u64)unsigned_narrow * 3000000000u, (i64)narrow * -2000000);
  return 0;
}
