/* Sorting and searching: function pointers, recursion, struct copies (rep movs at -Os). */
#include "lib/rt.h"

struct record {
  int key;
  char name[12];
  unsigned short weight;
  unsigned char flags;
  long long total;
};

#define N 300

static struct record records[N];
static struct record scratch[N];
static int numbers[2000];

static int compare_ints(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int compare_records(const void *a, const void *b) {
  const struct record *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return strcmp(x->name, y->name);
}

static int compare_descending(const void *a, const void *b) {
  return compare_ints(b, a);
}

/* Merge sort of records by value: each move is a whole-struct copy. */
static void merge_sort(struct record *items, int count) {
  if (count < 2) return;
  int half = count / 2;
  merge_sort(items, half);
  merge_sort(items + half, count - half);
  int i = 0, j = half, k = 0;
  while (i < half && j < count) {
    if (compare_records(&items[j], &items[i]) < 0) scratch[k++] = items[j++];
    else scratch[k++] = items[i++];
  }
  while (i < half) scratch[k++] = items[i++];
  while (j < count) scratch[k++] = items[j++];
  for (k = 0; k < count; k++) items[k] = scratch[k];
}

static int binary_search(const int *items, int count, int key) {
  int low = 0, high = count - 1;
  while (low <= high) {
    int middle = low + (high - low) / 2;
    if (items[middle] == key) return middle;
    if (items[middle] < key) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

static struct record make_record(int i) {
  struct record r;
  r.key = (int)(random32() % 50) - 25;
  for (int c = 0; c < 11; c++) r.name[c] = (char)('a' + (random32() % 26));
  r.name[11] = 0;
  r.weight = (unsigned short)random32();
  r.flags = (unsigned char)i;
  r.total = (long long)r.key * 1000000007LL + i;
  return r;
}

int main(void) {
  seed_random(12345);
  for (int i = 0; i < 2000; i++) numbers[i] = (int)(random32() % 100000) - 50000;
  sort(numbers, 2000, sizeof(int), compare_ints);
  int ordered = 1;
  for (int i = 1; i < 2000; i++) ordered &= numbers[i - 1] <= numbers[i];
  print("ints sorted %d first %d last %d median %d\n", ordered, numbers[0], numbers[1999], numbers[1000]);
  print("search %d %d %d\n", binary_search(numbers, 2000, numbers[777]) >= 0,
        binary_search(numbers, 2000, 50001), numbers[binary_search(numbers, 2000, numbers[5])]);

  sort(numbers, 2000, sizeof(int), compare_descending);
  print("descending first %d last %d\n", numbers[0], numbers[1999]);

  for (int i = 0; i < N; i++) records[i] = make_record(i);
  struct record copy[N];
  memcpy(copy, records, sizeof records);
  merge_sort(records, N);
  sort(copy, N, sizeof(struct record), compare_records);
  int same = 1;
  long long total = 0;
  for (int i = 0; i < N; i++) {
    same &= compare_records(&records[i], &copy[i]) == 0;
    total += records[i].total * (i + 1);
  }
  print("records agree %d total %lld\n", same, total);
  for (int i = 0; i < 5; i++) {
    print("%d %s %u %u\n", records[i].key, records[i].name, records[i].weight, records[i].flags);
  }
  struct record last = records[N - 1];
  print("last %d %s %lld\n", last.key, last.name, last.total);
  return 0;
}
