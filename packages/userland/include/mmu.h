/*
 * Page size and rounding helpers. User memory is handed out in 4 KiB pages, and exec
 * puts a guard page without the user bit below the one-page stack.
 */
#ifndef XV6_MMU_H
#define XV6_MMU_H

#define PGSIZE 4096
#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

#endif
