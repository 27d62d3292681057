export { inspectUpdate } from './update-inspector.ts';
export type {
  ClientStructRange,
  DeleteSetRange,
  UpdateInspection,
  UpdateInspectionResult,
  UpdateRejection,
  UpdateRejectionCode,
} from './update-inspection.ts';
export { DEFAULT_UPDATE_LIMITS, resolveUpdateLimits } from './update-limits.ts';
export type { ResolvedUpdateLimits, UpdateLimits } from './update-limits.ts';
export { UpdateRejectionError } from './update-rejection-error.ts';
export { concatenateUpdates } from './update-concatenation.ts';
export type { InspectedUpdate } from './update-concatenation.ts';
export { canonicalize, toCanonicalUpdate } from './canonical-update.ts';
export type { CanonicalUpdate } from './canonical-update.ts';
export { addsDeletions } from './delete-set-coverage.ts';
export { measureJsonDepth } from './measure-json-depth.ts';
export { measureUtf8 } from './measure-utf8.ts';
