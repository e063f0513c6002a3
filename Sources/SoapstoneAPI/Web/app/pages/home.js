import { current } from '../api.js';
import { roleAbilities, roleTitle } from '../roles.js';
import { el, show } from '../ui.js';

export function homePage() {
  const { user, tenant } = current;
  const abilities = roleAbilities(user.role);
  show(el('section', { class: 'card' },
    el('h1', {}, `Welcome, ${user.name}`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Organisation'), el('dd', {}, tenant ? `${tenant.name} (${tenant.slug})` : '…'),
      el('dt', {}, 'Role'), el('dd', {}, roleTitle(user.role)),
      el('dt', {}, 'Email'), el('dd', {}, user.email)),
    el('p', {}, 'As ', el('strong', {}, roleTitle(user.role).toLowerCase()), ' you may:'),
    el('ul', {}, abilities.map((item) => el('li', {}, item)))));
}
