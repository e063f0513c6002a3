import { ApiError, call, callAll, may } from '../api.js';
import { patientBanner, sexNames } from '../banner.js';
import { encounterStatusNames } from '../names.js';
import { loadStaff, nameOf } from '../staff.js';
import {
  busy, confirmStep, el, field, loadPage, message, patientName, selectField, show, showFieldErrors, when,
} from '../ui.js';

const actionNames = {
  in_progress: 'Start', finished: 'Finish', cancelled: 'Cancel the encounter', entered_in_error: 'Mark entered in error',
};
/**
 * The moves that end an encounter for good ask first, naming the patient and the visit; marking
 * it entered in error asks why (`status_reason`: the encounter's `reason` is the visit's).
 */
function confirmation(next, encounter, patient) {
  const visit = `the ${(typeNames[encounter.type] ?? encounter.type).toLowerCase()} encounter of ${patientName(patient)} `
    + `(MRN ${patient.mrn}) ${encounter.status === 'planned' ? 'planned for' : 'started'} ${when(encounter.started_at)}`;
  if (next === 'cancelled') {
    return {
      title: 'Cancel this encounter?', text: `This cancels ${visit}. A cancelled encounter cannot be started again.`,
      confirm: 'Cancel the encounter', cancel: 'Keep it',
    };
  }
  if (next === 'entered_in_error') {
    return {
      title: 'Mark this encounter entered in error?',
      text: `This marks ${visit} entered in error: it stays on record, marked, takes no new notes and cannot change again.`,
      confirm: 'Mark entered in error', cancel: 'Keep it', reason: 'Why is it entered in error?',
    };
  }
  return null;
}
const types = [['in_person', 'In person'], ['telemedicine', 'Telemedicine'], ['phone', 'Phone']];
const typeNames = Object.fromEntries(types);

/** A patient's chart: demographics and encounters, and starting and moving encounters. */
export async function chartPage(id) {
  const loaded = await loadPage('Patient', 'No such patient in your organisation.',
    () => call('GET', `/v1/patients/${id}`).then((answer) => answer.data),
    () => callAll(`/v1/patients/${id}/encounters`),
    loadStaff);
  if (!loaded) return;
  const [patient] = loaded;
  let [, encounters] = loaded;
  const writer = patient.actions.includes('edit');
  const recorder = may('createEncounter');
  const clinician = may('listNotes');
  const list = el('ul', { class: 'rows', 'aria-label': 'Encounters' });
  const listStatus = message();
  const render = () => {
    list.replaceChildren(...encounters.map((encounter) => encounterRow(encounter, patient, clinician, listStatus, (updated) => {
      encounters = encounters.map((other) => (other.id === updated.id ? updated : other));
      render();
    })));
    if (encounters.length === 0) list.append(el('li', {}, 'No encounters yet.'));
  };
  render();

  show(patientBanner(patient), el('section', { class: 'card' },
    el('div', { class: 'title-row' },
      el('h1', {}, patientName(patient)),
      writer && el('a', { class: 'button secondary', href: `#/patients/${patient.id}/edit` }, 'Edit')),
    demographics(patient)),
  el('section', { class: 'card', 'aria-labelledby': 'encounters-title' },
    el('h2', { id: 'encounters-title' }, 'Encounters'),
    listStatus,
    list,
    recorder && newEncounterForm(patient, (created) => {
      encounters = [created, ...encounters];
      render();
    })));
}

function demographics(patient) {
  const address = patient.address ?? {};
  const place = [address.line, address.city, address.region, address.postal_code, address.country].filter(Boolean).join(', ');
  const facts = [
    ['MRN', patient.mrn], ['Birth date', patient.birth_date], ['Sex', sexNames[patient.sex] ?? patient.sex],
    ['Phone', patient.phone], ['Email', patient.email], ['Address', place],
    ['Status', patient.active ? 'Active' : 'Inactive'],
  ];
  return el('dl', { class: 'facts' }, facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value || '—')]));
}

/**
 * One encounter, with a button for each status the server says this user may move it to now
 * (`transitions`); a status this page has no name for is shown as the server wrote it.
 */
function encounterRow(encounter, patient, clinician, status, replaced) {
  const actions = encounter.transitions;
  return el('li', { 'data-encounter': encounter.id },
    el('span', {}, el('strong', {}, typeNames[encounter.type] ?? encounter.type),
      ` · ${encounterStatusNames[encounter.status] ?? encounter.status}`),
    clinician && el('a', { href: `#/encounters/${encounter.id}` }, 'Notes'),
    el('span', { class: 'meta' },
      `${encounter.reason ? `${encounter.reason} · ` : ''}`
        + `${encounter.status === 'planned' ? 'planned for' : 'started'} ${when(encounter.started_at)}`
        + (encounter.ended_at ? `, ended ${when(encounter.ended_at)}` : '')
        + (encounter.attending_user_id ? ` · attending: ${nameOf(encounter.attending_user_id)}` : '')),
    encounter.status_reason && el('span', { class: 'meta', 'data-status-reason': '' }, `Why: ${encounter.status_reason}`),
    encounter.draft_notes > 0 && el('span', { class: 'badge warning' },
      encounter.draft_notes === 1 ? '1 unsigned draft' : `${encounter.draft_notes} unsigned drafts`),
    actions.length > 0 && el('div', { class: 'actions' }, actions.map((next) => el('button', {
      type: 'button',
      class: next === 'entered_in_error' || next === 'cancelled' ? 'secondary' : undefined,
      onclick: async (event) => {
        const button = event.currentTarget;
        let asked = confirmation(next, encounter, patient);
        if (encounter.draft_notes > 0 && (next === 'finished' || next === 'cancelled')) {
          const drafts = encounter.draft_notes === 1 ? 'an unsigned draft note' : `${encounter.draft_notes} unsigned draft notes`;
          asked = {
            title: `${actionNames[next]} with ${drafts}?`,
            text: `This encounter has ${drafts}. ${next === 'finished' ? 'Finishing' : 'Cancelling'} it leaves `
              + `${encounter.draft_notes === 1 ? 'it' : 'them'} unsigned until a physician signs `
              + `${encounter.draft_notes === 1 ? 'it or it is' : 'them or they are'} withdrawn.`,
            confirm: `${actionNames[next]} anyway`,
            cancel: 'Go back',
          };
        }
        const answer = asked && await confirmStep(asked);
        if (asked && !answer) return;
        const body = next === 'entered_in_error' ? { status: next, status_reason: answer } : { status: next };
        button.disabled = true;
        status.textContent = '';
        try {
          const { data } = await call('PATCH', `/v1/encounters/${encounter.id}`, { body });
          replaced(data);
        } catch (error) {
          status.textContent = error instanceof ApiError ? error.message : String(error.message);
          button.disabled = false;
        }
      },
    }, actionNames[next] ?? `Move to ${encounterStatusNames[next] ?? next}`))));
}

function newEncounterForm(patient, created) {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'new-encounter-title' },
    el('h3', { id: 'new-encounter-title' }, 'Start an encounter'),
    selectField({ name: 'type', label: 'Type', options: types, value: 'in_person' }),
    selectField({ name: 'status', label: 'Status', options: [['in_progress', 'In progress (starts now)'], ['planned', 'Planned']], value: 'in_progress' }),
    field({ name: 'planned_for', label: 'Planned for', type: 'datetime-local', required: true }),
    field({ name: 'reason', label: 'Reason for the visit', required: false, autocomplete: 'off' }),
    status,
    el('button', { type: 'submit' }, 'Start the encounter'));
  // A planned encounter is planned for a time; one in progress starts now.
  const plannedFor = form.querySelector('[name=planned_for]').closest('.field');
  const submit = form.querySelector('button[type=submit]');
  const planning = () => {
    const planned = form.elements.status.value === 'planned';
    plannedFor.hidden = !planned;
    submit.textContent = planned ? 'Plan the encounter' : 'Start the encounter';
  };
  form.elements.status.addEventListener('change', planning);
  planning();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { type: data.get('type'), status: data.get('status') };
    const reason = String(data.get('reason')).trim();
    if (reason) body.reason = reason;
    status.textContent = '';
    showFieldErrors(form, {});
    if (body.status === 'planned') {
      const plannedFor = String(data.get('planned_for'));
      if (!plannedFor) {
        showFieldErrors(form, { planned_for: 'is needed for a planned encounter' });
        return;
      }
      body.started_at = new Date(plannedFor).toISOString();
    }
    await busy(form, body.status === 'planned' ? 'Planning…' : 'Starting…', async () => {
      try {
        const answer = await call('POST', `/v1/patients/${patient.id}/encounters`, { body });
        form.reset();
        planning();
        created(answer.data);
      } catch (error) {
        status.textContent = error.message;
      }
    });
  });
  return form;
}
