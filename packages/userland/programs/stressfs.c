/*
 * stressfs: PROCESSES processes each write their own file of ROUNDS blocks at the
 * same time, then read it back and check every byte, then remove it. Prints
 * "stressfs: process <i> ok" per process and "stressfs ok" when all were; each
 * process reports its result to the parent through a pipe.
 */
#include "types.h"
#include "fcntl.h"
#include "user.h"

#define PROCESSES 4
#define ROUNDS 20
#define BLOCK 512

static char block[BLOCK];
static char name[] = "stressfs0";

// Write the file, read it back and check it. Returns 0, or -1 after a message.
static int
exercise(int index)
{
  int fd;

  memset(block, 'a' + index, sizeof(block));
  fd = open(name, O_CREATE | O_RDWR);
  if(fd < 0){
    printf(1, "stressfs: process %d cannot create %s\n", index, name);
    return -1;
  }
  for(int i = 0; i < ROUNDS; i++){
    if(write(fd, block, BLOCK) != BLOCK){
      printf(1, "stressfs: process %d: write %d failed\n", index, i);
      return -1;
    }
  }
  close(fd);

  fd = open(name, O_RDONLY);
  for(int i = 0; i < ROUNDS; i++){
    memset(block, 0, sizeof(block));
    if(read(fd, block, BLOCK) != BLOCK){
      printf(1, "stressfs: process %d: read %d came up short\n", index, i);
      return -1;
    }
    for(int j = 0; j < BLOCK; j++){
      if(block[j] != 'a' + index){
        printf(1, "stressfs: process %d: byte %d is %d, expected %d\n",
               index, i * BLOCK + j, block[j], 'a' + index);
        return -1;
      }
    }
  }
  close(fd);
  return unlink(name);
}

int
main(void)
{
  int results[2];
  int index, passed = 0;
  char c;

  printf(1, "stressfs starting\n");
  if(pipe(results) < 0){
    printf(1, "stressfs: pipe failed\n");
    exit();
  }
  for(index = 0; index < PROCESSES - 1; index++){
    if(fork() == 0)
      break;  // the parent keeps the last index for itself
  }
  name[8] = '0' + index;

  if(exercise(index) == 0){
    printf(1, "stressfs: process %d ok\n", index);
    write(results[1], "y", 1);
  }
  if(index != PROCESSES - 1)
    exit();

  for(int i = 0; i < PROCESSES - 1; i++)
    wait();
  close(results[1]);
  while(read(results[0], &c, 1) == 1)
    passed++;
  if(passed == PROCESSES)
    printf(1, "stressfs ok\n");
  else
    printf(1, "stressfs: %d of %d processes failed\n", PROCESSES - passed, PROCESSES);
  exit();
}
