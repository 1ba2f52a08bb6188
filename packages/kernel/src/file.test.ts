import { describe, expect, it } from "vitest";
import { FileTable, type OpenFile } from "./file.js";

describe("FileTable", () => {
  it("fails allocation at the limit and recovers after a close", () => {
    const released: OpenFile[] = [];
    const table = new FileTable((file) => released.push(file), 2);
    const a = table.alloc({ kind: "file", readable: true, writable: false })!;
    table.alloc({ kind: "file", readable: true, writable: false });
    expect(table.alloc({ kind: "file", readable: true, writable: false })).toBeNull();
    table.close(a);
    expect(released).toEqual([a]);
    expect(table.count).toBe(1);
    expect(table.alloc({ kind: "file", readable: true, writable: false })).not.toBeNull();
  });

  it("releases a duplicated file only at the last close", () => {
    const released: OpenFile[] = [];
    const table = new FileTable((file) => released.push(file));
    const file = table.alloc({ kind: "pipe-read", readable: true, writable: false })!;
    table.dup(file);
    table.close(file);
    expect(released).toEqual([]);
    table.close(file);
    expect(released).toEqual([file]);
  });

  it("panics on closing a file that is not open", () => {
    const table = new FileTable(() => undefined);
    const file = table.alloc({ kind: "file", readable: true, writable: false })!;
    table.close(file);
    expect(() => table.close(file)).toThrow("fileclose: file is not open");
    expect(table.count).toBe(0);
  });
});
