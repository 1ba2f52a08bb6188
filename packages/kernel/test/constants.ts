/** Numbers and classes tests use, re-exported so tests import them from one place. */
import { PTE_P, PTE_U, PTE_W } from "@xv6ts/mmu";

export { KERNBASE as KERNBASE_FOR_TESTS } from "@xv6ts/mmu";
export * from "../src/index.js";
export const PTE_FLAGS_FOR_TESTS = { PTE_P, PTE_W, PTE_U };
