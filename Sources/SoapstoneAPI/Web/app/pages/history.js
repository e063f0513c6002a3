import { call } from '../api.js';
import { loadPatient, patientBanner } from '../banner.js';
import { diffNodes } from '../diff.js';
import { loadStaff, nameOf } from '../staff.js';
import { el, loadPage, show, when } from '../ui.js';

const sections = [['subjective', 'Subjective'], ['objective', 'Objective'], ['assessment', 'Assessment'], ['plan', 'Plan']];

/** A note's versions: any one readable, and a word-level diff between any two. */
export async function historyPage(id) {
  const loaded = await loadPage('History', 'No such note in your organisation.',
    () => call('GET', `/v1/notes/${id}`).then(async ({ data }) => [data, await loadPatient(data.patient_id)]),
    () => call('GET', `/v1/notes/${id}/versions`).then((answer) => answer.data.items),
    loadStaff);
  if (!loaded) return;
  const [[note, patient], versions] = loaded;
  const options = (selected) => versions.map((v) => el('option', { value: String(v.version), selected: v.version === selected },
    `Version ${v.version}`));
  const from = el('select', { id: 'diff-from', name: 'from' }, options(Math.max(1, versions.length - 1)));
  const to = el('select', { id: 'diff-to', name: 'to' }, options(versions.length));
  const result = el('div', { class: 'diff', 'aria-live': 'polite' });
  const render = () => {
    const a = versions.find((v) => String(v.version) === from.value);
    const b = versions.find((v) => String(v.version) === to.value);
    result.replaceChildren(el('h3', {}, `Changes from version ${a.version} to version ${b.version}`),
      ...sections.map(([key, label]) => el('div', { class: 'section', 'data-diff': key },
        el('h4', {}, label),
        el('p', { class: 'text' }, diffNodes(a[key], b[key])))));
  };
  from.addEventListener('change', render);
  to.addEventListener('change', render);
  render();

  const signed = (v) => v.version === note.signed_version;
  show(patientBanner(patient), el('section', { class: 'card' },
    el('p', {}, el('a', { href: `#/notes/${note.id}` }, 'Back to the note')),
    el('h1', {}, 'History of the note'),
    el('ol', { class: 'rows versions', 'aria-label': 'Versions' }, versions.map((v) => el('li', {
      'data-version': v.version, 'data-signed': signed(v) && 'true',
    },
      el('strong', {}, `Version ${v.version}`),
      signed(v) && el('span', { class: 'badge' }, `Signed by ${nameOf(note.signed_by)}, ${when(note.signed_at)}`),
      el('span', { class: 'meta' }, `${when(v.created_at)} · by ${nameOf(v.author_id)}${v.reason ? ` · reason: ${v.reason}` : ''}`),
      el('details', {}, el('summary', {}, `Read version ${v.version}`),
        sections.map(([key, label]) => el('p', { class: 'text' }, el('strong', {}, `${label}: `), v[key] || '—')),
        el('p', { class: 'hash' }, `SHA-256 ${v.sha256}`))))),
    el('h2', {}, 'Compare two versions'),
    el('div', { class: 'compare-pick' },
      el('div', { class: 'field' }, el('label', { for: 'diff-from' }, 'From'), from),
      el('div', { class: 'field' }, el('label', { for: 'diff-to' }, 'To'), to)),
    result));
}
