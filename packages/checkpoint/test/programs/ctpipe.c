/*
 * ctpipe: a writer blocked on a full pipe. The child sleeps 40 ticks, then reads the pipe
 * to its end. The parent writes 2000 bytes (a pipe buffers 512), prints
 * "ctpipe: write returned N", waits and prints "ctpipe: done". After a restart the pipe
 * is gone, so the write the parent was blocked in returns -1.
 */
#include "types.h"
#include "user.h"

static char data[2000];
static char sink[512];

int
main(void)
{
  int fds[2];
  int pid;

  if(pipe(fds) < 0){
    printf(2, "ctpipe: pipe failed\n");
    exit();
  }
  pid = fork();
  if(pid == 0){
    close(fds[1]);
    sleep(40);
    while(read(fds[0], sink, sizeof(sink)) > 0)
      ;
    exit();
  }
  close(fds[0]);
  for(int i = 0; i < (int)sizeof(data); i++)
    data[i] = 'a' + i % 26;
  printf(1, "ctpipe: write returned %d\n", write(fds[1], data, sizeof(data)));
  close(fds[1]);
  wait();
  printf(1, "ctpipe: done\n");
  exit();
}
