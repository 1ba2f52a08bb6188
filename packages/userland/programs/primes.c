/*
 * primes [n]: find the first n primes (default 1000000) by trial division and print
 * a progress line after every 10000: "primes: 10000 found, the last is 104729". Ends
 * with "primes: done, prime 1000000 is 15485863". The output depends only on n, so a
 * run that was checkpointed and restarted prints the same lines as one that was not.
 * The default run takes about a minute on the xv6ts CPU (an estimate from one
 * machine) and uses 4 MB for the table of primes.
 *
 * Each odd candidate is divided by the primes found so far, up to its square root,
 * which keeps the CPU busy for a long while without using much memory.
 */
#include "types.h"
#include "user.h"

#define DEFAULT_COUNT 1000000
#define PROGRESS_EVERY 10000

int
main(int argc, char *argv[])
{
  int count = argc > 1 ? atoi(argv[1]) : DEFAULT_COUNT;
  uint *primes;
  int found = 1;

  if(argc > 2 || count < 1 || count > 10000000){
    printf(2, "usage: primes [n], with 1 <= n <= 10000000\n");
    exit();
  }
  primes = malloc(count * sizeof(uint));
  if(primes == 0){
    printf(2, "primes: out of memory for %d primes\n", count);
    exit();
  }

  primes[0] = 2;
  for(uint candidate = 3; found < count; candidate += 2){
    int is_prime = 1;

    for(int i = 1; i < found && primes[i] * primes[i] <= candidate; i++){
      if(candidate % primes[i] == 0){
        is_prime = 0;
        break;
      }
    }
    if(!is_prime)
      continue;
    primes[found++] = candidate;
    if(found % PROGRESS_EVERY == 0)
      printf(1, "primes: %d found, the last is %u\n", found, candidate);
  }

  printf(1, "primes: done, prime %d is %u\n", count, primes[count - 1]);
  exit();
}
