/*
 * pipebench [MiB]: a child writes MiB mebibytes (default 4) into a pipe in 4 KiB
 * writes and the parent reads them and checks every byte. Prints
 * "pipebench: <MiB> MiB in <t> ticks", or what went wrong.
 *
 * Byte i of the stream is i % 251, a prime period, so a lost, repeated or reordered
 * chunk shows up as a wrong byte.
 */
#include "types.h"
#include "user.h"

#define CHUNK 4096
#define PERIOD 251

static uchar buf[CHUNK];

static void
write_stream(int fd, uint total)
{
  for(uint sent = 0; sent < total; sent += CHUNK){
    for(int i = 0; i < CHUNK; i++)
      buf[i] = (sent + i) % PERIOD;
    if(write(fd, buf, CHUNK) != CHUNK){
      printf(1, "pipebench: write failed after %u bytes\n", sent);
      exit();
    }
  }
}

// Read the stream to its end. Returns the bytes read, or -1 after a message.
static int
read_stream(int fd)
{
  uint received = 0;
  int n;

  while((n = read(fd, buf, CHUNK)) > 0){
    for(int i = 0; i < n; i++){
      if(buf[i] != (received + i) % PERIOD){
        printf(1, "pipebench: byte %u is %d, expected %d\n",
               received + i, buf[i], (received + i) % PERIOD);
        return -1;
      }
    }
    received += n;
  }
  return received;
}

int
main(int argc, char *argv[])
{
  int mib = argc > 1 ? atoi(argv[1]) : 4;
  int p[2], start, received;

  if(mib < 1 || mib > 1024){
    printf(2, "usage: pipebench [MiB], with 1 <= MiB <= 1024\n");
    exit();
  }
  if(pipe(p) < 0){
    printf(1, "pipebench: pipe failed\n");
    exit();
  }

  start = uptime();
  if(fork() == 0){
    close(p[0]);
    write_stream(p[1], (uint)mib << 20);
    exit();
  }
  close(p[1]);
  received = read_stream(p[0]);
  wait();
  if(received < 0)
    exit();
  if(received != mib << 20){
    printf(1, "pipebench: read %d bytes, expected %d\n", received, mib << 20);
    exit();
  }
  printf(1, "pipebench: %d MiB in %d ticks\n", mib, uptime() - start);
  exit();
}
