import { FileSystem, type GeometryName, MemoryDevice, mkfs } from "@xv6ts/fs-journal";
import { describe, expect, it } from "vitest";
import { fileBlocks } from "./disk-space.js";

describe("fileBlocks", () => {
  const cases: [GeometryName, number][] = [
    ["xv6", 4000],
    ["extended", 8192],
  ];
  for (const [geometry, size] of cases) {
    it(`matches the blocks a write takes on the ${geometry} geometry`, () => {
      const device = new MemoryDevice(size, geometry === "xv6" ? 512 : 4096);
      mkfs(device, { geometry, size, ninodes: 64, files: [] });
      const fs = FileSystem.mount(device);
      const { blockSize, ndirect, nindirect, maxFileBytes } = fs.layout;
      const direct = ndirect * blockSize;
      const indirect = (ndirect + nindirect) * blockSize;
      const sizes = [0, 1, direct, direct + 1, Math.min(indirect, maxFileBytes)];
      if (geometry === "extended") sizes.push(indirect + 1, indirect + nindirect * blockSize + 1);

      for (const [i, bytes] of sizes.entries()) {
        const free = fs.freeBlocks();
        expect(fs.writeFile(`/f${i}`, new Uint8Array(bytes)).ok).toBe(true);
        expect(fileBlocks(fs.layout, bytes), `${bytes} bytes`).toBe(free - fs.freeBlocks());
      }
      fs.shutdown();
    });
  }
});
