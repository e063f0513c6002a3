import { call } from '../api.js';
import { loadStaff, nameOf, staffChoices } from '../staff.js';
import { busy, el, field, loading, message, selectField, show, when } from '../ui.js';

const pageSize = 50;

/** The organisation's audit log (admins, auditors): filters, newest first, more on request. */
export async function auditPage() {
  show(loading());
  await loadStaff();
  const rows = el('tbody', {});
  const status = el('p', { class: 'loading', role: 'status', 'aria-live': 'polite' });
  const problem = message();
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const form = el('form', { novalidate: true, class: 'filters', 'aria-label': 'Filters' },
    field({ name: 'action', label: 'Action', required: false, hint: 'e.g. note.sign', autocomplete: 'off' }),
    selectField({ name: 'user_id', label: 'User', required: false, options: [['', 'Anyone'], ...staffChoices()] }),
    field({ name: 'patient_id', label: 'Patient id', required: false, autocomplete: 'off' }),
    field({ name: 'from', label: 'From', type: 'datetime-local', required: false }),
    field({ name: 'to', label: 'Until', type: 'datetime-local', required: false }),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Apply')));
  let filters = new URLSearchParams();
  let cursor = null;
  let generation = 0; // an answer to an older query never replaces a newer one's rows

  async function load(append) {
    const mine = ++generation;
    const params = new URLSearchParams(filters);
    params.set('limit', String(pageSize));
    if (append && cursor) params.set('cursor', cursor);
    status.textContent = 'Loading…';
    problem.textContent = '';
    more.disabled = true;
    try {
      const { data } = await call('GET', `/v1/audit-events?${params}`);
      if (mine !== generation) return;
      if (!append) rows.replaceChildren();
      rows.append(...data.items.map(row));
      cursor = data.next_cursor;
      more.hidden = !cursor;
      status.textContent = `${rows.children.length} event${rows.children.length === 1 ? '' : 's'}${cursor ? ', more to load' : ''}.`;
    } catch (error) {
      if (mine !== generation) return;
      // The rows of another query must not stand under this one's error as if they answered it.
      if (!append) {
        rows.replaceChildren();
        cursor = null;
        more.hidden = true;
      }
      status.textContent = '';
      problem.textContent = error.status === 422 || error.status === 400
        ? `The filters are not right: ${error.message}`
        : error.message;
    } finally {
      more.disabled = false;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    filters = new URLSearchParams();
    for (const name of ['action', 'user_id', 'patient_id']) {
      const value = String(data.get(name)).trim();
      if (value) filters.set(name, value);
    }
    for (const name of ['from', 'to']) {
      const value = String(data.get(name));
      if (value) filters.set(name, new Date(value).toISOString());
    }
    await busy(form, 'Applying…', () => load(false));
  });
  more.addEventListener('click', () => load(true));

  show(el('section', { class: 'card' },
    el('h1', {}, 'Audit log'),
    form,
    problem,
    status,
    el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Audit events' },
      el('table', { class: 'events' },
        el('thead', {}, el('tr', {}, ['When', 'Action', 'Outcome', 'User', 'Role', 'Entity', 'Patient', 'From']
          .map((title) => el('th', { scope: 'col' }, title)))),
        rows)),
    more));
  load(false);
}

function row(event) {
  const who = nameOf(event.user_id);
  return el('tr', { 'data-action': event.action },
    el('td', {}, when(event.occurred_at)),
    el('td', {}, event.action),
    el('td', {}, event.outcome),
    el('td', { class: who === event.user_id && 'id' }, who),
    el('td', {}, event.role ?? '—'),
    el('td', { class: 'id' }, event.entity_id ? `${event.entity_type} ${event.entity_id}` : event.entity_type),
    el('td', { class: 'id' }, event.patient_id ?? '—'),
    el('td', {}, event.ip ?? '—'));
}
