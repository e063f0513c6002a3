import { call, callAll } from '../api.js';
import { loadPatient, patientBanner } from '../banner.js';
import { encounterStatusNames } from '../names.js';
import { el, loadPage, message, show, when } from '../ui.js';

const statusNames = { draft: 'Draft', signed: 'Signed', amended: 'Amended', entered_in_error: 'Entered in error' };

/** An encounter's notes (clinicians): each opens in the editor; a new one starts as a draft. */
export async function encounterPage(id) {
  const loaded = await loadPage('Encounter', 'No such encounter in your organisation.',
    () => call('GET', `/v1/encounters/${id}`).then(async ({ data }) => [data, await loadPatient(data.patient_id)]),
    () => callAll(`/v1/encounters/${id}/notes`));
  if (!loaded) return;
  const [[encounter, patient], notes] = loaded;
  const status = message();
  const create = el('button', { type: 'button' }, 'Write a new note');
  create.addEventListener('click', async () => {
    create.disabled = true;
    status.textContent = '';
    try {
      const { data } = await call('POST', `/v1/encounters/${id}/notes`, {
        body: { subjective: '', objective: '', assessment: '', plan: '' },
      });
      location.hash = `#/notes/${data.id}`;
    } catch (error) {
      status.textContent = error.message;
      create.disabled = false;
    }
  });
  show(patientBanner(patient), el('section', { class: 'card' },
    el('p', {}, el('a', { href: `#/patients/${encounter.patient_id}` }, 'Back to the chart')),
    el('h1', {}, `Encounter of ${when(encounter.started_at ?? encounter.created_at)}`),
    el('p', { 'data-encounter-status': encounter.status },
      encounter.status === 'entered_in_error'
        ? el('span', { class: 'badge danger' }, 'Entered in error: this visit takes no new notes')
        : `Status: ${encounterStatusNames[encounter.status] ?? encounter.status}`),
    encounter.status_reason && el('p', { 'data-status-reason': '' }, `Why it is entered in error: ${encounter.status_reason}`),
    encounter.reason && el('p', {}, encounter.reason),
    el('h2', {}, 'Notes'),
    el('ul', { class: 'rows', 'aria-label': 'Notes' }, notes.length === 0
      ? el('li', {}, 'No notes yet.')
      : notes.map((note) => el('li', { 'data-status': note.status },
        el('a', { href: `#/notes/${note.id}` }, `${statusNames[note.status] ?? note.status} note, version ${note.version}`),
        // No clinical excerpt of a note withdrawn as wrong: its words are not to be relied on.
        note.status === 'entered_in_error'
          ? el('span', { class: 'badge danger' }, 'Entered in error')
          : el('span', { class: 'meta' }, excerpt(note))))),
    status,
    encounter.actions.includes('add_note') && create));
}

function excerpt(note) {
  const text = [note.subjective, note.assessment].filter(Boolean).join(' · ');
  return text.length > 80 ? `${text.slice(0, 80)}…` : text || 'empty';
}
