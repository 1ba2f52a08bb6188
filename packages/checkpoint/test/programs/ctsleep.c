/*
 * ctsleep: sleeping and the clock. Six rounds of sleep(30), each printing
 * "ctsleep: round R slept D ticks, uptime U". A restarted process must see uptime carry
 * on from where it was saved and a sleep it was in last at least what remained, so in
 * deterministic mode the lines are the same with or without a checkpoint.
 */
#include "types.h"
#include "user.h"

int
main(void)
{
  for(int round = 1; round <= 6; round++){
    int before = uptime();

    sleep(30);
    printf(1, "ctsleep: round %d slept %d ticks, uptime %d\n", round, uptime() - before, uptime());
  }
  exit();
}
