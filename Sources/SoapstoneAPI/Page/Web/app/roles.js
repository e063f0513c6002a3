// What each role may do (DESIGN.md's matrix), for shaping the page: a role sees only what it
// may use. The API decides for itself; a 403 that is reached anyway is shown as a message.

const roles = {
  admin: { title: 'Administrator', may: ['manage the users of the organisation', 'read patients and encounters', 'read the audit log'] },
  physician: { title: 'Physician', may: ['register and update patients', 'record encounters', 'write, sign and amend notes'] },
  nurse: { title: 'Nurse', may: ['register and update patients', 'record encounters', 'write draft notes'] },
  front_desk: { title: 'Front desk', may: ['register and update patients', 'record encounters'] },
  auditor: { title: 'Auditor', may: ['read the audit log'] },
};

export function roleTitle(role) {
  return roles[role]?.title ?? role;
}

export function roleAbilities(role) {
  return roles[role]?.may ?? [];
}

const clinicalStaff = ['physician', 'nurse', 'front_desk'];

export const can = {
  readPatients: (role) => role === 'admin' || clinicalStaff.includes(role),
  writePatients: (role) => clinicalStaff.includes(role),
  writeNotes: (role) => role === 'physician' || role === 'nurse',
  signNotes: (role) => role === 'physician',
  readAudit: (role) => role === 'admin' || role === 'auditor',
  manageUsers: (role) => role === 'admin',
};
