/*
 * The CPU benchmark: a CPU-bound mix of integer math, hashing, sorting, string and memory work,
 * 64-bit arithmetic and calls. `bench N` runs N rounds and prints a checksum, so the native,
 * qemu-i386 and emulated runs can be checked against each other.
 */
#include "lib/rt.h"

#define SIEVE_SIZE 20000
#define SORT_SIZE 3000
#define TEXT_SIZE 4096

static unsigned char sieve[SIEVE_SIZE];
static int items[SORT_SIZE];
static char text[TEXT_SIZE];
static char copy[TEXT_SIZE];
static u32 crc_table[256];

static u32 count_primes(void) {
  memset(sieve, 1, sizeof sieve);
  u32 count = 0;
  for (u32 i = 2; i < SIEVE_SIZE; i++) {
    if (!sieve[i]) continue;
    count++;
    for (u32 j = i * i; j < SIEVE_SIZE; j += i) sieve[j] = 0;
  }
  return count;
}

static u32 collatz(u32 limit) {
  u32 longest = 0;
  for (u32 start = 1; start < limit; start++) {
    u32 steps = 0;
    for (u64 n = start; n != 1; steps++) n = n & 1 ? 3 * n + 1 : n / 2;
    if (steps > longest) longest = steps;
  }
  return longest;
}

static int compare(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static u32 sort_round(void) {
  for (int i = 0; i < SORT_SIZE; i++) items[i] = (int)(random32() >> 8);
  sort(items, SORT_SIZE, sizeof(int), compare);
  u32 check = 0;
  for (int i = 0; i < SORT_SIZE; i += 97) check = check * 31 + (u32)items[i];
  return check;
}

static u32 hash_round(void) {
  u32 c = 0xffffffffu;
  for (int i = 0; i < TEXT_SIZE; i++) c = crc_table[(c ^ (unsigned char)text[i]) & 0xff] ^ (c >> 8);
  u32 h = 2166136261u;
  for (int i = 0; i < TEXT_SIZE; i++) h = (h ^ (unsigned char)text[i]) * 16777619u;
  return c ^ h;
}

static u32 string_round(u32 seed) {
  memcpy(copy, text, sizeof text);
  u32 total = 0;
  for (int i = 0; i < 64; i++) {
    char *line = copy + (i * 61) % (TEXT_SIZE - 80);
    line[40 + (seed + (u32)i) % 30] = 0;
    total += strlen(line);
    total += (u32)strcmp(line, text + 100) & 0xff;
    char *found = strchr(line, 'q');
    total += found ? (u32)(found - line) : 7;
  }
  memmove(copy + 1, copy, 2000);
  return total + (unsigned char)copy[1500];
}

static u64 mulmod(u64 a, u64 b, u64 m) {
  u64 result = 0;
  a %= m;
  while (b) {
    if (b & 1) result = (result + a) % m;
    a = (a << 1) % m;
    b >>= 1;
  }
  return result;
}

static u64 arith64_round(u32 seed) {
  u64 x = 0x9e3779b97f4a7c15ULL ^ seed;
  u64 sum = 0;
  for (int i = 0; i < 200; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    sum += x / (u64)(i + 3) + (u64)((i64)x % 1000003);
    sum ^= mulmod(x, sum | 1, 0xfffffffbULL);
  }
  return sum;
}

static int fib(int n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  for (u32 n = 0; n < 256; n++) {
    u32 c = n;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[n] = c;
  }
  seed_random(42);
  for (int i = 0; i < TEXT_SIZE; i++) text[i] = (char)('a' + random32() % 26);
  u64 checksum = 0;
  for (int round = 0; round < rounds; round++) {
    checksum += count_primes();
    checksum = checksum * 3 + collatz(3000);
    checksum ^= sort_round();
    checksum += hash_round();
    checksum += string_round((u32)round);
    checksum ^= arith64_round((u32)round);
    checksum += (u64)fib(18);
  }
  print("bench %d rounds checksum %llx\n", rounds, checksum);
  return 0;
}
