/** Numbers tests use, re-exported from the kernel and the MMU so tests import one place. */
export { KERNBASE as KERNBASE_FOR_TESTS } from "@xv6ts/mmu";
export * from "../src/param.js";
