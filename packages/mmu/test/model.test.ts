/**
 * Property test: random sequences of address-space operations run on a real Mmu and on a simple
 * model, and after every step translation, rights, contents, dirty bits and frame counts agree.
 *
 * The model has no notion of page tables. A space is its size and a map from page address to
 * mapping (which frame, user, writable, dirty); a frame ("group") is a reference count and the
 * bytes the test wrote into it. Frame use follows from the design: one frame per directory, one
 * per page table in use (a table exists exactly while it maps a present page), one per frame
 * still referenced, plus what the Mmu held at the start.
 *
 * Pages below sz come from allocUvm and copyUvm. Pages mapped one by one with mapPages live in a
 * window of five slots far above any sz: two on each side of a page-table boundary and the last
 * user page. Memory is small (8 MiB), so growth and fork run out of frames often and the failure
 * paths are checked too.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { KERNBASE, Mmu, PGSIZE, PTE_U, PTE_W, pgRoundUp } from "../src/index.ts";

const MiB = 1024 * 1024;
const MEMORY_SIZE = 8 * MiB;
const WINDOW = [0x3fffe000, 0x3ffff000, 0x40000000, 0x40001000, KERNBASE - PGSIZE];
/** Offsets of the bytes the model tracks in each frame: the first four and the last four. */
const TRACKED = [0, 1, 2, 3, PGSIZE - 4, PGSIZE - 3, PGSIZE - 2, PGSIZE - 1];
const PERMS = [PTE_W | PTE_U, PTE_U, PTE_W];

interface Mapping {
  group: number;
  user: boolean;
  writable: boolean;
  dirty: boolean;
}

interface Space {
  pgdir: number;
  sz: number;
  pages: Map<number, Mapping>;
}

interface Group {
  refs: number;
  /** The bytes at TRACKED offsets. */
  bytes: number[];
}

type Operation =
  | { kind: "create" }
  | { kind: "grow"; space: number; bytes: number }
  | { kind: "shrink"; space: number; fraction: number }
  | { kind: "fork"; space: number }
  | { kind: "free"; space: number }
  | { kind: "map"; space: number; slot: number; perm: number }
  | { kind: "share"; space: number; page: number; target: number; targetSlot: number; perm: number }
  | { kind: "unmap"; space: number; slot: number }
  | { kind: "guard"; space: number; page: number }
  | { kind: "write"; space: number; page: number; crossing: boolean; cpl: 0 | 3; value: number }
  | { kind: "store"; space: number; page: number }
  | { kind: "clearDirty"; space: number };

const index = fc.nat({ max: 20 });
const slot = fc.nat({ max: WINDOW.length - 1 });
const perm = fc.constantFrom(...PERMS);

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { arbitrary: fc.constant({ kind: "create" as const }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant("grow" as const),
      space: index,
      bytes: fc.oneof(
        fc.integer({ min: 1, max: 8 * PGSIZE }),
        fc.integer({ min: 200 * PGSIZE, max: 1100 * PGSIZE }),
      ),
    }),
    weight: 3,
  },
  fc.record({
    kind: fc.constant("shrink" as const),
    space: index,
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant("fork" as const), space: index }),
  fc.record({ kind: fc.constant("free" as const), space: index }),
  fc.record({ kind: fc.constant("map" as const), space: index, slot, perm }),
  fc.record({
    kind: fc.constant("share" as const),
    space: index,
    page: fc.nat(),
    target: index,
    targetSlot: slot,
    perm,
  }),
  fc.record({ kind: fc.constant("unmap" as const), space: index, slot }),
  fc.record({ kind: fc.constant("guard" as const), space: index, page: fc.nat() }),
  {
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      space: index,
      page: fc.nat(),
      crossing: fc.boolean(),
      cpl: fc.constantFrom(0 as const, 3 as const),
      value: fc.integer({ min: 0, max: 255 }),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant("store" as const), space: index, page: fc.nat() }),
  fc.record({ kind: fc.constant("clearDirty" as const), space: index }),
);

/** The Mmu under test, the model, and the operations that change both. */
class Harness {
  readonly mmu = new Mmu({ memorySize: MEMORY_SIZE, debug: true });
  readonly spaces: Space[] = [];
  readonly groups = new Map<number, Group>();
  private nextGroup = 1;
  /** A directory that stays loaded between checks, so that any space can be freed. */
  private readonly idle: number;
  private readonly baseUsed: number;
  readonly startFree: number;

  constructor() {
    this.startFree = this.mmu.frames.freeCount;
    this.idle = this.mmu.setupKvm();
    this.mmu.switchUvm(this.idle);
    this.baseUsed = this.mmu.frames.usedCount;
  }

  predictedFree(): number {
    let used = this.baseUsed + this.groups.size;
    for (const space of this.spaces) {
      used += 1 + tablesOf(space.pages.keys()).size;
    }
    return this.mmu.frames.totalCount - used;
  }

  apply(op: Operation): void {
    if (op.kind === "create") {
      this.create();
      return;
    }
    if (this.spaces.length === 0) {
      return;
    }
    const space = this.spaces[op.space % this.spaces.length];
    switch (op.kind) {
      case "grow":
        this.grow(space, op.bytes);
        break;
      case "shrink":
        this.shrink(space, Math.floor(space.sz * op.fraction));
        break;
      case "fork":
        this.fork(space);
        break;
      case "free":
        this.free(space);
        break;
      case "map":
        this.map(space, WINDOW[op.slot], op.perm);
        break;
      case "share":
        this.share(
          space,
          op.page,
          this.spaces[op.target % this.spaces.length],
          WINDOW[op.targetSlot],
          op.perm,
        );
        break;
      case "unmap":
        this.unmap(space, WINDOW[op.slot]);
        break;
      case "guard":
        this.guard(space, op.page);
        break;
      case "write":
        this.write(space, op.page, op.crossing, op.cpl, op.value);
        break;
      case "store":
        this.store(space, op.page);
        break;
      case "clearDirty":
        this.clearDirty(space);
        break;
    }
  }

  private newGroup(bytes: number[]): number {
    const id = this.nextGroup++;
    this.groups.set(id, { refs: 1, bytes });
    return id;
  }

  private dropReference(group: number): void {
    const entry = this.groups.get(group)!;
    entry.refs--;
    if (entry.refs === 0) {
      this.groups.delete(group);
    }
  }

  private create(): void {
    const expectOk = this.predictedFree() >= 1;
    const pgdir = this.mmu.setupKvm();

    expect(pgdir >= 0).toBe(expectOk);
    if (pgdir >= 0) {
      this.spaces.push({ pgdir, sz: 0, pages: new Map() });
    }
  }

  private grow(space: Space, bytes: number): void {
    const newsz = space.sz + bytes;
    const vas: number[] = [];
    for (let va = pgRoundUp(space.sz); va < newsz; va += PGSIZE) {
      vas.push(va);
    }
    const needed = vas.length + newTables(space, vas);
    const expectOk = this.predictedFree() >= needed;

    const result = this.mmu.allocUvm(space.pgdir, space.sz, newsz);

    expect(result).toBe(expectOk ? newsz : 0);
    if (!expectOk) {
      return;
    }
    for (const va of vas) {
      const group = this.newGroup(TRACKED.map(() => 0));
      space.pages.set(va, { group, user: true, writable: true, dirty: false });
    }
    space.sz = newsz;
  }

  private shrink(space: Space, newsz: number): void {
    const result = this.mmu.deallocUvm(space.pgdir, space.sz, newsz);

    expect(result).toBe(Math.min(newsz, space.sz));
    if (newsz >= space.sz) {
      return;
    }
    for (const [va, mapping] of [...space.pages]) {
      if (va >= pgRoundUp(newsz) && va < pgRoundUp(space.sz)) {
        space.pages.delete(va);
        this.dropReference(mapping.group);
      }
    }
    space.sz = newsz;
  }

  private fork(space: Space): void {
    const copied = [...space.pages].filter(([va]) => va < pgRoundUp(space.sz));
    const needed = 1 + copied.length + tablesOf(copied.map(([va]) => va)).size;
    const expectOk = this.predictedFree() >= needed;

    const child = this.mmu.copyUvm(space.pgdir, space.sz);

    expect(child >= 0).toBe(expectOk);
    if (child < 0) {
      return;
    }
    const pages = new Map<number, Mapping>();
    for (const [va, mapping] of copied) {
      const group = this.newGroup([...this.groups.get(mapping.group)!.bytes]);
      pages.set(va, { ...mapping, group });
    }
    this.spaces.push({ pgdir: child, sz: space.sz, pages });
  }

  private free(space: Space): void {
    this.mmu.freeVm(space.pgdir);

    this.spaces.splice(this.spaces.indexOf(space), 1);
    for (const mapping of space.pages.values()) {
      this.dropReference(mapping.group);
    }
  }

  private map(space: Space, va: number, perm: number): void {
    if (space.pages.has(va)) {
      return;
    }
    const free = this.predictedFree();
    const pa = this.mmu.frames.kalloc();
    expect(pa >= 0).toBe(free >= 1);
    if (pa < 0) {
      return;
    }

    const expectOk = free - 1 >= newTables(space, [va]);
    const mapped = this.mmu.mapPages(space.pgdir, va, PGSIZE, pa, perm);

    expect(mapped).toBe(expectOk);
    if (!mapped) {
      this.mmu.frames.kfree(pa);
      return;
    }
    const group = this.newGroup(TRACKED.map(() => 0));
    space.pages.set(va, mappingFor(group, perm));
  }

  private share(space: Space, pick: number, target: Space, targetVa: number, perm: number): void {
    const vas = [...space.pages.keys()];
    if (vas.length === 0 || target.pages.has(targetVa)) {
      return;
    }
    const va = vas[pick % vas.length];
    const source = space.pages.get(va)!;
    const page = this.mmu.readPage(space.pgdir, va);
    if (page.type !== "present") {
      throw new Error(`model has ${va} present in ${space.pgdir} but readPage finds it absent`);
    }

    const expectOk = this.predictedFree() >= newTables(target, [targetVa]);
    this.mmu.frames.incRef(page.pa);
    const mapped = this.mmu.mapPages(target.pgdir, targetVa, PGSIZE, page.pa, perm);

    expect(mapped).toBe(expectOk);
    if (!mapped) {
      this.mmu.frames.kfree(page.pa);
      return;
    }
    this.groups.get(source.group)!.refs++;
    target.pages.set(targetVa, mappingFor(source.group, perm));
  }

  private unmap(space: Space, va: number): void {
    const mapping = space.pages.get(va);
    if (mapping === undefined) {
      return;
    }

    this.mmu.unmapPages(space.pgdir, va, PGSIZE, true);

    space.pages.delete(va);
    this.dropReference(mapping.group);
  }

  private guard(space: Space, pick: number): void {
    const low = [...space.pages.keys()].filter((va) => va < pgRoundUp(space.sz));
    if (low.length === 0) {
      return;
    }
    const va = low[pick % low.length];

    this.mmu.clearPteU(space.pgdir, va);

    space.pages.get(va)!.user = false;
  }

  private write(space: Space, pick: number, crossing: boolean, cpl: 0 | 3, value: number): void {
    const candidates = [...space.pages.keys(), pgRoundUp(space.sz)];
    const page = candidates[pick % candidates.length];
    const va = crossing ? page + PGSIZE - 2 : page;
    const touched = crossing ? [page, page + PGSIZE] : [page];
    const allowed = touched.every((p) => {
      const mapping = space.pages.get(p);
      return mapping?.writable === true && (cpl === 0 || mapping.user);
    });
    const data = new Uint8Array(4).fill(value);

    expect(this.mmu.copyOut(space.pgdir, va, data, cpl)).toBe(allowed);
    if (!allowed) {
      return;
    }
    const offsets = crossing
      ? [
          [6, 7],
          [0, 1],
        ]
      : [[0, 1, 2, 3]];
    touched.forEach((p, position) => {
      const mapping = space.pages.get(p)!;
      mapping.dirty = true;
      for (const offset of offsets[position]) {
        this.groups.get(mapping.group)!.bytes[offset] = value;
      }
    });
  }

  /** Makes a user-mode write through translate, as the CPU does on a TLB miss. */
  private store(space: Space, pick: number): void {
    const candidates = [...space.pages.keys(), pgRoundUp(space.sz)];
    const va = candidates[pick % candidates.length];
    const mapping = space.pages.get(va);
    this.mmu.switchUvm(space.pgdir);

    const result = this.mmu.translate(va, 2, 3);

    this.mmu.switchUvm(this.idle);
    if (mapping === undefined) {
      expect(result).toBe(-1 - 6);
    } else if (!mapping.user || !mapping.writable) {
      expect(result).toBe(-1 - 7);
    } else {
      expect(result).toBeGreaterThan(0);
      mapping.dirty = true;
    }
  }

  private clearDirty(space: Space): void {
    this.mmu.clearDirty(space.pgdir, space.sz);

    for (const [va, mapping] of space.pages) {
      if (va < pgRoundUp(space.sz)) {
        mapping.dirty = false;
      }
    }
  }

  /** Compares the Mmu with the model; one assertion lists every difference found. */
  check(): void {
    const differences: string[] = [];
    const framesOfGroups = new Map<number, number>();
    for (const space of this.spaces) {
      this.mmu.switchUvm(space.pgdir);
      this.checkSpace(space, framesOfGroups, differences);
    }
    this.mmu.switchUvm(this.idle);

    expect(differences).toEqual([]);
    expect(new Set(framesOfGroups.values()).size).toBe(framesOfGroups.size);
    expect(this.mmu.frames.freeCount).toBe(this.predictedFree());
    const pgdirs = [this.idle, ...this.spaces.map((space) => space.pgdir)];
    expect(this.mmu.checkRefCounts(pgdirs)).toEqual([]);
  }

  private checkSpace(
    space: Space,
    framesOfGroups: Map<number, number>,
    differences: string[],
  ): void {
    const dirty = [...space.pages]
      .filter(([va, mapping]) => mapping.dirty && va < pgRoundUp(space.sz))
      .map(([va]) => va)
      .sort((a, b) => a - b);
    expect(this.mmu.dirtyPages(space.pgdir, space.sz)).toEqual(dirty);

    const compare = (what: string, va: number, actual: number, expected: number): void => {
      if (actual !== expected) {
        differences.push(
          `pgdir ${space.pgdir} va ${va}: ${what} is ${actual}, expected ${expected}`,
        );
      }
    };
    const memory = new Uint8Array(this.mmu.memory);
    const probes = new Set([...space.pages.keys(), pgRoundUp(space.sz), 0, ...WINDOW]);
    for (const va of probes) {
      const mapping = space.pages.get(va);
      if (mapping === undefined) {
        compare("user read", va, this.mmu.translate(va + 5, 0, 3), -1 - 4);
        compare("user write", va, this.mmu.translate(va, 2, 3), -1 - 6);
        compare("kernel read", va, this.mmu.translate(va, 0, 0), -1 - 0);
        continue;
      }

      const pa = this.mmu.translate(va, 0, 0);
      compare("kernel read", va, pa, framesOfGroups.get(mapping.group) ?? pa);
      framesOfGroups.set(mapping.group, pa);
      compare("user read", va, this.mmu.translate(va + 5, 0, 3), mapping.user ? pa + 5 : -1 - 5);
      const bytes = this.groups.get(mapping.group)!.bytes;
      TRACKED.forEach((offset, position) => {
        compare(`byte ${offset}`, va, memory[pa + offset], bytes[position]);
      });
      this.checkWriteRights(space, va, mapping, pa, compare);
    }
  }

  /** Checks write rights without setting a dirty bit the model does not expect. */
  private checkWriteRights(
    space: Space,
    va: number,
    mapping: Mapping,
    pa: number,
    compare: (what: string, va: number, actual: number, expected: number) => void,
  ): void {
    const userWrite = mapping.user && mapping.writable;
    if (!userWrite) {
      compare("user write", va, this.mmu.translate(va, 2, 3), -1 - 7);
    }
    if (!mapping.writable) {
      compare("kernel write", va, this.mmu.translate(va, 2, 0), -1 - 3);
    }
    if (mapping.dirty && userWrite) {
      compare("user write", va, this.mmu.translate(va, 2, 3), pa);
    }
    const pteAddress = this.mmu.walkPgdir(space.pgdir, va, false);
    const rights = new Uint32Array(this.mmu.memory)[pteAddress >>> 2] & (PTE_W | PTE_U);
    compare("pte rights", va, rights, (mapping.writable ? PTE_W : 0) | (mapping.user ? PTE_U : 0));
  }

  freeAll(): void {
    for (const space of [...this.spaces]) {
      this.free(space);
    }
    this.mmu.switchKvm();
    this.mmu.freeVm(this.idle);
  }
}

function tablesOf(vas: Iterable<number>): Set<number> {
  const tables = new Set<number>();
  for (const va of vas) {
    tables.add(va >>> 22);
  }
  return tables;
}

/** Returns how many of the tables `vas` need that `space` does not have yet. */
function newTables(space: Space, vas: number[]): number {
  const existing = tablesOf(space.pages.keys());
  let count = 0;
  for (const table of tablesOf(vas)) {
    if (!existing.has(table)) {
      count++;
    }
  }
  return count;
}

function mappingFor(group: number, perm: number): Mapping {
  return { group, user: (perm & PTE_U) !== 0, writable: (perm & PTE_W) !== 0, dirty: false };
}

describe("Mmu against a model", () => {
  test("agrees on random operation sequences", () => {
    fc.assert(
      fc.property(
        fc.array(operation, { minLength: 1, maxLength: 40, size: "max" }),
        (operations) => {
          const harness = new Harness();
          harness.apply({ kind: "create" });
          for (const op of operations) {
            harness.apply(op);
            harness.check();
          }

          harness.freeAll();
          expect(harness.mmu.frames.freeCount).toBe(harness.startFree);
        },
      ),
      { numRuns: 150 },
    );
  });
});
