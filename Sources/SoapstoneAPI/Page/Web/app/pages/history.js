import { call, callAll } from '../api.js';
import { loadPatient, patientBanner } from '../banner.js';
import { diffNodes } from '../diff.js';
import { loadStaff, nameOf } from '../staff.js';
import { el, loadPage, show, when } from '../ui.js';

const sections = [['subjective', 'Subjective'], ['objective', 'Objective'], ['assessment', 'Assessment'], ['plan', 'Plan']];

/**
 * A note's versions: the list says who, when and why (the API lists versions without their
 * sections), a version is read whole when opened, and any two are compared word by word.
 */
export async function historyPage(id) {
  const loaded = await loadPage('History', 'No such note in your organisation.',
    () => call('GET', `/v1/notes/${id}`).then(async ({ data }) => [data, await loadPatient(data.patient_id)]),
    () => callAll(`/v1/notes/${id}/versions`),
    loadStaff);
  if (!loaded) return;
  const [[note, patient], versions] = loaded;

  // Each version read once, by number: a version never changes.
  const read = new Map();
  const version = (number) => {
    if (!read.has(number)) {
      const loading = call('GET', `/v1/notes/${id}/versions/${number}`).then(({ data }) => data);
      loading.catch(() => read.delete(number));
      read.set(number, loading);
    }
    return read.get(number);
  };

  const options = (selected) => versions.map((v) => el('option', { value: String(v.version), selected: v.version === selected },
    `Version ${v.version}`));
  const from = el('select', { id: 'diff-from', name: 'from' }, options(Math.max(1, versions.length - 1)));
  const to = el('select', { id: 'diff-to', name: 'to' }, options(versions.length));
  const result = el('div', { class: 'diff', 'aria-live': 'polite' });
  let shown = 0;
  const render = async () => {
    const mine = ++shown;
    const [a, b] = [Number(from.value), Number(to.value)];
    result.setAttribute('aria-busy', 'true');
    try {
      const [older, newer] = await Promise.all([version(a), version(b)]);
      if (mine !== shown) return;
      result.replaceChildren(el('h3', {}, `Changes from version ${a} to version ${b}`),
        ...sections.map(([key, label]) => el('div', { class: 'section', 'data-diff': key },
          el('h4', {}, label),
          el('p', { class: 'text' }, diffNodes(older[key], newer[key])))));
    } catch (error) {
      if (mine !== shown) return;
      result.replaceChildren(el('p', { class: 'error', role: 'alert' },
        `Versions ${a} and ${b} could not be read: ${error.message}`));
    } finally {
      if (mine === shown) result.removeAttribute('aria-busy');
    }
  };
  from.addEventListener('change', render);
  to.addEventListener('change', render);

  // A version's text, read when its row is opened.
  const body = (v) => {
    const text = el('div', {}, el('p', {}, 'Reading…'));
    const details = el('details', {}, el('summary', {}, `Read version ${v.version}`), text,
      el('p', { class: 'hash' }, `SHA-256 ${v.sha256}`));
    details.addEventListener('toggle', async () => {
      if (!details.open || text.dataset.read) return;
      try {
        const whole = await version(v.version);
        text.dataset.read = 'true';
        text.replaceChildren(...sections.map(([key, label]) => el('p', { class: 'text' },
          el('strong', {}, `${label}: `), whole[key] || '—')));
      } catch (error) {
        text.replaceChildren(el('p', { class: 'error', role: 'alert' }, `Version ${v.version} could not be read: ${error.message}`));
      }
    });
    return details;
  };

  const signed = (v) => v.version === note.signed_version;
  show(patientBanner(patient), el('section', { class: 'card' },
    el('p', {}, el('a', { href: `#/notes/${note.id}` }, 'Back to the note')),
    el('h1', {}, 'History of the note'),
    note.status === 'entered_in_error' && el('p', { class: 'withdrawn-banner', role: 'note', 'data-withdrawn': true },
      `This note was entered in error${note.entered_in_error_by ? ` by ${nameOf(note.entered_in_error_by)}` : ''}`
        + `${note.entered_in_error_at ? ` on ${when(note.entered_in_error_at)}` : ''}: no version of it is to be relied on. `
        + `Reason: ${note.entered_in_error_reason}`),
    el('ol', { class: 'rows versions', 'aria-label': 'Versions' }, versions.map((v) => el('li', {
      'data-version': v.version, 'data-signed': signed(v) && 'true',
    },
      el('strong', {}, `Version ${v.version}`),
      signed(v) && el('span', { class: 'badge' }, `Signed by ${nameOf(note.signed_by)}, ${when(note.signed_at)}`),
      // Saved as it stood when its writer's session ended mid-merge: compare it with the one before.
      v.unresolved_conflict && el('span', { class: 'badge warning', 'data-unresolved': 'true' },
        'Saved with a conflict unresolved'),
      el('span', { class: 'meta' }, `${when(v.created_at)} · by ${nameOf(v.author_id)}${v.reason ? ` · reason: ${v.reason}` : ''}`),
      body(v)))),
    el('h2', {}, 'Compare two versions'),
    el('div', { class: 'compare-pick' },
      el('div', { class: 'field' }, el('label', { for: 'diff-from' }, 'From'), from),
      el('div', { class: 'field' }, el('label', { for: 'diff-to' }, 'To'), to)),
    result));
  await render();
}
