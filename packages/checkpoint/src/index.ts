/**
 * @xv6ts/checkpoint: process checkpoint and restart for xv6ts.
 */
export { crc32c } from "./crc32c.js";
