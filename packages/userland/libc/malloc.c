/*
 * malloc and free on memory taken from the kernel with sbrk.
 *
 * Every block is a multiple of 8 bytes and starts with an 8-byte header:
 *
 *   offset 0  uint size   the whole block in bytes, header included
 *   offset 4  uint link   free block: address of the next free block, 0 at the end
 *                         block in use: IN_USE_MAGIC, which free() checks
 *   offset 8  payload     what malloc returns, 8-byte aligned
 *
 * Free blocks form one list sorted by address. malloc takes the first block that is
 * large enough and splits off the rest when the rest can hold a header and 8 bytes.
 * free() inserts the block in address order and merges it with the free blocks that
 * touch it on either side, so the heap does not fragment into ever smaller pieces.
 * When no block fits, malloc grows the heap with sbrk by at least GROW_MIN bytes and
 * frees the new memory into the list, where it merges with a free block at the top.
 *
 * NOTE: memory is never handed back to the kernel; the heap only grows.
 */
#include "types.h"
#include "user.h"

#define ALIGN 8
#define HEADER 8
#define MIN_BLOCK (HEADER + ALIGN)
#define GROW_MIN 16384
#define IN_USE_MAGIC 0xa110ca7eu
#define MAX_REQUEST 0x7fff0000u  // larger requests cannot fit below KERNBASE

struct block {
  uint size;
  uint link;
};

static struct block *free_list;  // lowest free block, or 0

static struct block*
next_free(struct block *b)
{
  return (struct block*)b->link;
}

// Insert a block into the free list in address order and merge it with free
// neighbours that it touches.
static void
insert_free(struct block *b)
{
  struct block *prev = 0;
  struct block *next = free_list;

  while(next != 0 && next < b){
    prev = next;
    next = next_free(next);
  }

  b->link = (uint)next;
  if(next != 0 && (uint)b + b->size == (uint)next){
    b->size += next->size;
    b->link = next->link;
  }

  if(prev == 0){
    free_list = b;
  } else if((uint)prev + prev->size == (uint)b){
    prev->size += b->size;
    prev->link = b->link;
  } else {
    prev->link = (uint)b;
  }
}

// Grow the heap by at least size bytes and add the new memory to the free list.
// Returns 0 when the kernel has no more memory.
static int
grow_heap(uint size)
{
  uint top = (uint)sbrk(0);
  uint pad = (ALIGN - (top & (ALIGN - 1))) & (ALIGN - 1);
  char *p;
  struct block *b;

  if(size < GROW_MIN)
    size = GROW_MIN;
  if(top == 0xffffffffu || size > MAX_REQUEST - pad)
    return 0;

  p = sbrk(pad + size);
  if(p == (char*)-1)
    return 0;

  b = (struct block*)(p + pad);
  b->size = size;
  insert_free(b);
  return 1;
}

// Take the first free block of at least size bytes out of the list, splitting off
// what is left when it can form a block. Returns 0 when no block is large enough.
static struct block*
take_first_fit(uint size)
{
  struct block *prev = 0;

  for(struct block *b = free_list; b != 0; prev = b, b = next_free(b)){
    struct block *rest;
    uint follower;

    if(b->size < size)
      continue;

    follower = b->link;
    if(b->size - size >= MIN_BLOCK){
      rest = (struct block*)((uint)b + size);
      rest->size = b->size - size;
      rest->link = b->link;
      b->size = size;
      follower = (uint)rest;
    }
    if(prev == 0)
      free_list = (struct block*)follower;
    else
      prev->link = follower;
    return b;
  }
  return 0;
}

// Allocate n bytes, 8-byte aligned. Returns 0 when memory runs out. malloc(0)
// returns a unique pointer that free accepts.
void*
malloc(uint n)
{
  uint size;
  struct block *b;

  if(n > MAX_REQUEST)
    return 0;
  size = HEADER + ((n + ALIGN - 1) & ~(ALIGN - 1));
  if(size < MIN_BLOCK)
    size = MIN_BLOCK;

  b = take_first_fit(size);
  if(b == 0){
    if(!grow_heap(size))
      return 0;
    b = take_first_fit(size);
    if(b == 0)
      return 0;
  }
  b->link = IN_USE_MAGIC;
  return (char*)b + HEADER;
}

// Release memory that malloc returned; free(0) does nothing. Freeing a pointer that
// malloc did not return, or freeing one twice, prints a message and exits.
void
free(void *p)
{
  struct block *b;

  if(p == 0)
    return;

  b = (struct block*)((char*)p - HEADER);
  if(((uint)p & (ALIGN - 1)) != 0 || b->link != IN_USE_MAGIC){
    printf(2, "free: %p was not returned by malloc or was freed already\n", p);
    exit();
  }
  insert_free(b);
}
