import { call, current, may } from '../api.js';
import { roleAbilities, roleTitle } from '../roles.js';
import { counted, pagedList } from '../paging.js';
import { loadStaff, nameOf } from '../staff.js';
import { el, message, patientName, show, when } from '../ui.js';

export function homePage() {
  const { user, tenant } = current;
  const abilities = roleAbilities(may);
  show(el('section', { class: 'card' },
    el('h1', {}, `Welcome, ${user.name}`),
    el('dl', { class: 'facts' },
      el('dt', {}, 'Organisation'), el('dd', {}, tenant ? `${tenant.name} (${tenant.slug})` : '…'),
      el('dt', {}, 'Role'), el('dd', {}, roleTitle(user.role)),
      el('dt', {}, 'Email'), el('dd', {}, user.email)),
    el('p', {}, 'As ', el('strong', {}, roleTitle(user.role).toLowerCase()), ' you may:'),
    el('ul', {}, abilities.map((item) => el('li', {}, item)))),
  may('listDraftNotes') && draftsCard());
}

/**
 * The drafts waiting for a physician's signature, the longest waiting first: a physician's
 * work to sign, and for a nurse what has not been signed yet.
 */
function draftsCard() {
  const list = el('ul', { class: 'rows', 'aria-label': 'Unsigned drafts' });
  const status = el('p', { class: 'loading', role: 'status', 'aria-live': 'polite' });
  const problem = message();
  const { more, reload } = pagedList({
    list, status, problem, row: draftRow,
    fetchPage: async (cursor) => {
      await loadStaff();
      const params = new URLSearchParams({ limit: '20' });
      if (cursor) params.set('cursor', cursor);
      return (await call('GET', `/v1/draft-notes?${params}`)).data;
    },
    describe: (count, hasMore) => (count === 0 ? 'No drafts are waiting for a signature.' : counted(count, hasMore, 'draft')),
  });
  reload();
  return el('section', { class: 'card', 'aria-labelledby': 'drafts-title' },
    el('h2', { id: 'drafts-title' },
      may('signNote') ? 'Drafts to sign' : 'Drafts waiting for a physician\'s signature'),
    problem, status, list, more);
}

function draftRow(draft) {
  const patient = {
    family_name: draft.patient_family_name, given_name: draft.patient_given_name, mrn: draft.patient_mrn,
  };
  return el('li', { 'data-draft': draft.id },
    el('a', { href: `#/notes/${draft.id}` }, patientName(patient)),
    el('span', { class: 'meta' },
      `MRN ${draft.patient_mrn} · born ${draft.patient_birth_date} · written by ${nameOf(draft.author_id)}`
        + ` · last saved ${when(draft.updated_at)} · version ${draft.version}`));
}
