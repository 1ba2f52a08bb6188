/**
 * @xv6ts/checkpoint: process checkpoint and restart for xv6ts. This file is the whole public API.
 *
 * `installCheckpoint(kernel)` adds system calls 22 (checkpoint), 23 (restart) and 24 (ckptinfo)
 * to a booted kernel. The host API saves and restarts processes of a running kernel, and reads,
 * describes and copies image files. The format functions encode, decode and validate images.
 */
export { crc32c } from "./crc32c.js";
export { describeImage, formatSummary, type ImageSummary } from "./describe.js";
export {
  type CheckpointImage,
  type ChecksumReport,
  checkEncodable,
  type DecodeResult,
  type DescriptorKind,
  type DescriptorRecord,
  decodeImage,
  encodeImage,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  type ImageContents,
  type PageRecord,
  type ParseResult,
  type ProcessRecord,
  parseImage,
  type Registers,
} from "./format.js";
export {
  checkpointProcess,
  copyImage,
  type InspectResult,
  inspectImage,
  restartProcess,
} from "./host.js";
export {
  type ImagePath,
  type ReadResult,
  readImageFile,
  sweepTemporaryFiles,
  TEMPORARY_DIRECTORY,
  type WriteResult,
  writeImageFile,
} from "./image-file.js";
export type { RestartResult } from "./restore.js";
export type { SaveResult } from "./save.js";
export { installCheckpoint } from "./syscalls.js";
export { CheckpointPanic } from "./trace.js";
export {
  framesNeeded,
  type StructureLimits,
  type ValidationLimits,
  validateImage,
  validateImageStructure,
} from "./validate.js";
