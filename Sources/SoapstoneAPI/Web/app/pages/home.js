import { current } from '../api.js';
import { el, show } from '../ui.js';

/** What each role may do, as DESIGN.md's matrix says it: the page shows only what applies. */
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

export function homePage() {
  const { user, tenant } = current;
  const role = roles[user.role];
  show(el('section', { class: 'card' },
    el('h1', {}, `Welcome, ${user.name}`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Organisation'), el('dd', {}, tenant ? `${tenant.name} (${tenant.slug})` : '…'),
      el('dt', {}, 'Role'), el('dd', {}, role?.title ?? user.role),
      el('dt', {}, 'Email'), el('dd', {}, user.email)),
    role && el('p', {}, 'As ', el('strong', {}, role.title.toLowerCase()), ' you may:'),
    role && el('ul', {}, role.may.map((item) => el('li', {}, item)))));
}
