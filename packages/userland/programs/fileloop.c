/*
 * fileloop path [rounds]: write and read back a file continuously, forever or for the
 * given number of rounds. It removes path, creates it again and keeps that one
 * descriptor open for writing for the whole run, so the descriptor and its offset
 * must survive a checkpoint and restart. Each round
 *
 *   1. appends record number N through that descriptor; a record is 16 bytes,
 *      "fileloop 000001\n" for the first,
 *   2. opens path again, reads the whole file and checks that it contains exactly
 *      records 1 to N in order,
 *   3. prints "fileloop: round N ok" and sleeps 25 ticks.
 *
 * A failed check prints "fileloop: round N: <what was found>, expected <what>" and
 * exits. A failed write prints "fileloop: round N: write failed" and exits too. That
 * happens when the file reaches the maximum file size, 4480 records with 512-byte
 * blocks.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"

#define RECORD 16
#define INTERVAL 25  // ticks between rounds

static char chunk[512];
static char expected[RECORD + 1];
static char found[RECORD + 1];

static void
format_record(char *out, int n)
{
  snprintf(out, RECORD + 1, "fileloop %06d\n", n);
}

// Read path and check that it contains records 1..n. Returns 0, or -1 after a message.
static int
check_file(const char *path, int round)
{
  int fd = open(path, O_RDONLY);
  int records = 0, used = 0, n;

  if(fd < 0){
    printf(1, "fileloop: round %d: cannot open %s, expected the file\n", round, path);
    return -1;
  }
  while((n = read(fd, chunk, sizeof(chunk))) > 0){
    for(int i = 0; i < n; i++){
      found[used++] = chunk[i];
      if(used < RECORD)
        continue;
      used = 0;
      format_record(expected, ++records);
      if(memcmp(found, expected, RECORD) != 0){
        found[RECORD - 1] = 0;  // print the record without its newline
        printf(1, "fileloop: round %d: record %d is \"%s\", expected \"fileloop %06d\"\n",
               round, records, found, records);
        close(fd);
        return -1;
      }
    }
  }
  close(fd);
  if(n < 0 || used != 0 || records != round){
    printf(1, "fileloop: round %d: read %d records and %d bytes, expected %d records\n",
           round, records, used, round);
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int rounds = argc > 2 ? atoi(argv[2]) : 0;
  char record[RECORD + 1];
  int fd;

  if(argc < 2 || argc > 3 || rounds < 0){
    printf(2, "usage: fileloop path [rounds]\n");
    exit();
  }
  unlink(argv[1]);
  fd = open(argv[1], O_CREATE | O_WRONLY);
  if(fd < 0){
    printf(2, "fileloop: cannot create %s\n", argv[1]);
    exit();
  }

  for(int round = 1; rounds == 0 || round <= rounds; round++){
    format_record(record, round);
    if(write(fd, record, RECORD) != RECORD){
      printf(1, "fileloop: round %d: write failed\n", round);
      exit();
    }
    if(check_file(argv[1], round) < 0)
      exit();
    printf(1, "fileloop: round %d ok\n", round);
    if(round != rounds)
      sleep(INTERVAL);
  }
  exit();
}
