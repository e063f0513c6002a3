// How each role is called on the page, and what it is for, in words. What a role may do is
// not here: the server says it (`may` in api.js, a note's `actions`, an encounter's
// `transitions`), and the page draws only that.

const titles = {
  admin: 'Administrator', physician: 'Physician', nurse: 'Nurse', front_desk: 'Front desk', auditor: 'Auditor',
};

export function roleTitle(role) {
  return titles[role] ?? role;
}

/** What the signed-in user can do here, in words, each shown as the server's operations allow. */
const abilities = [
  [(may) => may('listUsers'), 'manage the users of the organisation'],
  [(may) => may('getPatient') && !may('createPatient'), 'read patients and encounters'],
  [(may) => may('createPatient'), 'register and update patients'],
  [(may) => may('updateEncounter'), 'record encounters'],
  [(may) => may('signNote'), 'write, sign and amend notes'],
  [(may) => may('saveNote') && !may('signNote'), 'write draft notes'],
  [(may) => may('listAuditEvents'), 'read the audit log'],
];

export function roleAbilities(may) {
  return abilities.filter(([shown]) => shown(may)).map(([, text]) => text);
}
