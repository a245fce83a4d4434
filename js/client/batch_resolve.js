// client.resolveConflicts(): many parked (manual) conflicts decided by one rule, as seed 004's
// "batch resolution" asks. The core decides one conflict per call (core.resolveConflict, one
// commit each; the effects runner's group commit stores them together), so this is a loop over
// the parked conflicts the filter picks, each turned into the same resolution one at a time would be.
import { SyncError, ErrorCodes } from '../errors.js';

const SIDES = new Set(['mine', 'theirs']);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Throws INVALID_ARGUMENT unless `rule` is { strategy } or { byField, otherwise? }. */
export function checkRule(rule) {
  if (!isObject(rule)) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, "resolveConflicts takes { strategy: 'mine' | 'theirs' } or { byField: { field: 'mine' | 'theirs' } }");
  if (rule.strategy !== undefined && rule.byField !== undefined) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, 'give strategy or byField, not both');
  if (rule.strategy !== undefined) {
    if (!SIDES.has(rule.strategy)) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, `strategy must be 'mine' or 'theirs', not ${JSON.stringify(rule.strategy)}`);
    return;
  }
  if (!isObject(rule.byField) || Object.keys(rule.byField).length === 0) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, 'byField maps field names to mine or theirs');
  for (const [field, side] of Object.entries(rule.byField)) {
    if (!SIDES.has(side)) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, `byField.${field} must be 'mine' or 'theirs'`);
  }
  if (rule.otherwise !== undefined && !SIDES.has(rule.otherwise)) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, "otherwise must be 'mine' or 'theirs'");
}

/** Whether a parked conflict is one the filter picks: { collection?, ids?, entityIds?, where? }. */
function picked(conflict, filter) {
  if (!filter) return true;
  if (filter.collection !== undefined && conflict.collection !== filter.collection) return false;
  if (filter.ids !== undefined && !filter.ids.includes(conflict.id)) return false;
  if (filter.entityIds !== undefined && !filter.entityIds.map(String).includes(conflict.entityId)) return false;
  if (typeof filter.where === 'function' && !filter.where(conflict)) return false;
  return true;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The core's resolution for one conflict under the rule, and the side it amounts to:
 * { resolution: { choice, value? }, decided: 'mine' | 'theirs' | 'merged' }.
 * byField: a named field takes the named side; any other field both sides changed (the conflict's
 * paths) takes `otherwise` (theirs unless given); a field only one side changed keeps that change.
 * A side that deleted the entity has no fields: the whole entity follows `otherwise`.
 */
export function resolutionFor(conflict, rule) {
  if (rule.strategy !== undefined) return rule.strategy === 'mine' ? { resolution: { choice: 'local' }, decided: 'mine' } : { resolution: { choice: 'remote' }, decided: 'theirs' };
  const otherwise = rule.otherwise ?? 'theirs';
  const { local, remote } = conflict;
  if (!isObject(local) || !isObject(remote)) return resolutionFor(conflict, { strategy: otherwise });
  const base = isObject(conflict.base) ? conflict.base : {};
  const contested = new Set((conflict.paths ?? []).map((p) => String(p).split('.')[0]));
  const value = {};
  const fields = new Set([...Object.keys(remote), ...Object.keys(local)]);
  for (const field of fields) {
    let side = rule.byField[field];
    if (side === undefined) side = contested.has(field) ? otherwise : same(local[field], base[field]) ? 'theirs' : 'mine';
    const from = side === 'mine' ? local : remote;
    if (Object.hasOwn(from, field)) value[field] = from[field];
  }
  if (same(value, local)) return { resolution: { choice: 'local' }, decided: 'mine' };
  if (same(value, remote)) return { resolution: { choice: 'remote' }, decided: 'theirs' };
  return { resolution: { choice: 'merged', value }, decided: 'merged' };
}

/**
 * Decides every parked conflict the filter picks; one being decided by an async resolver is
 * skipped. Resolves to { resolved: [{ conflictId, collection, id, decided, mutationId }],
 * failed: [{ conflictId, collection, id, error }], skipped: [{ conflictId, reason }] }.
 * @param {object} core
 * @param {object} rule see checkRule
 * @param {object} [filter]
 * @param {(conflictId: string, decided: string) => void} noteDecision told before each resolution
 */
export function resolveConflicts(core, rule, filter, noteDecision) {
  checkRule(rule);
  if (filter !== undefined && filter !== null && !isObject(filter)) throw new SyncError(ErrorCodes.INVALID_ARGUMENT, 'the filter is an object: { collection?, ids?, entityIds?, where? }');
  const report = { resolved: [], failed: [], skipped: [] };
  for (const conflict of core.conflicts()) {
    if (!picked(conflict, filter)) continue;
    const where = { conflictId: conflict.id, collection: conflict.collection, id: conflict.entityId };
    if (conflict.resolving) {
      report.skipped.push({ ...where, reason: 'an async resolver is deciding it' });
      continue;
    }
    const { resolution, decided } = resolutionFor(conflict, rule);
    noteDecision(conflict.id, decided);
    try {
      const commit = core.resolveConflict(conflict.id, resolution);
      report.resolved.push({ ...where, decided, mutationId: commit?.mutationId ?? null });
    } catch (error) {
      report.failed.push({ ...where, error });
    }
  }
  return report;
}
