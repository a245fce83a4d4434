// Seed 000's visibility as rules for the sync server: a user sees the rows of the groups they
// belong to, as its Django consumer joins channel groups —
//   user_<id>            every user: rows they own
//   institution_<id>     institution admins: rows of their institution
//   department_<id>      supervisors and students: rows of their department
// and a SUPER_ADMIN sees everything. (Seed 000 also puts supervisors in their institution's
// channel, for institution-wide announcements; its querysets limit what they read to their
// department, and rows here follow the querysets.) Writes: a super admin anything, an institution admin within
// their institution, a supervisor within their department, a student only rows they own.
//
//   import { groupRules } from 'syncore/server/examples/groups.js';
//   const rules = groupRules();
//   startSyncServer({ authenticate: jwtAuthenticate({ secret }), authorize: rules });
//
// The user comes from authenticate (e.g. JWT claims): { id, role, institutionId, departmentId }.
// A row names its groups through fields of its data (names configurable): institutionId,
// departmentId and the owner's userId. A row moved to another department (or a user moved, with
// a new token) is removed from the clients that can no longer read it (server/visibility.js).

export const ROLES = ['SUPER_ADMIN', 'INSTITUTION_ADMIN', 'SUPERVISOR', 'STUDENT'];

export function groupRules({ institutionField = 'institutionId', departmentField = 'departmentId', ownerField = 'userId' } = {}) {
  /** The groups a user belongs to (seed 000's channel groups). */
  function groupsOfUser(user) {
    const groups = [`user_${user.id}`];
    if (user.role === 'INSTITUTION_ADMIN' && user.institutionId != null)
      groups.push(`institution_${user.institutionId}`);
    if ((user.role === 'SUPERVISOR' || user.role === 'STUDENT') && user.departmentId != null) groups.push(`department_${user.departmentId}`);
    return groups;
  }

  /** The groups a row is shown to. */
  function groupsOfRow(data) {
    if (!data || typeof data !== 'object') return [];
    const groups = [];
    if (data[ownerField] != null) groups.push(`user_${data[ownerField]}`);
    if (data[institutionField] != null) groups.push(`institution_${data[institutionField]}`);
    if (data[departmentField] != null) groups.push(`department_${data[departmentField]}`);
    return groups;
  }

  const shares = (user, data) => {
    const mine = new Set(groupsOfUser(user));
    return groupsOfRow(data).some((g) => mine.has(g));
  };

  /** May the user write this row (as it is now, and as the write leaves it)? */
  function mayWriteRow(user, data) {
    if (!data) return false;
    if (user.role === 'INSTITUTION_ADMIN') return data[institutionField] != null && String(data[institutionField]) === String(user.institutionId);
    if (user.role === 'SUPERVISOR') return data[departmentField] != null && String(data[departmentField]) === String(user.departmentId);
    return data[ownerField] != null && String(data[ownerField]) === String(user.id);
  }

  return {
    groupsOfUser,
    groupsOfRow,
    /** Row level; without an entity: "may read something of the collection" (yes, by groups). */
    canRead(user, _collection, entity) {
      if (user.role === 'SUPER_ADMIN') return true;
      if (entity === undefined) return true;
      return shares(user, entity.data);
    },
    canWrite(user, _collection, mutation, current) {
      if (user.role === 'SUPER_ADMIN') return true;
      if (mutation.kind === 'create') return mayWriteRow(user, mutation.data);
      if (!current || current.deleted) return true; // the version check answers (conflict)
      if (!mayWriteRow(user, current.data)) return false;
      // An institution admin may not hand a row to another institution (a supervisor may move
      // one to another department: a transfer, after which they no longer see it).
      if (mutation.kind === 'update' && user.role === 'INSTITUTION_ADMIN' && mutation.data && typeof mutation.data === 'object')
        return mayWriteRow(user, { ...current.data, ...mutation.data });
      return true;
    },
  };
}
