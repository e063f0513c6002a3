import { call } from '../api.js';
import { counted, pagedList } from '../paging.js';
import { roleTitle } from '../roles.js';
import { loadStaff, nameOf, staffChoices } from '../staff.js';
import { busy, el, field, loading, message, patientName, selectField, show, showFieldErrors, when } from '../ui.js';

const pageSize = 50;
/** At most this many events go into one CSV file: a narrower filter answers a bigger question. */
const exportLimit = 10000;

/**
 * Each action the server records (the OpenAPI document's `AuditAction`; a browser test holds
 * the two lists equal), as people would say it.
 */
export const actionNames = {
  'auth.register': 'Registered the organisation',
  'auth.login': 'Logged in',
  'auth.lockout': 'Locked out after failed logins',
  'auth.refresh_reuse': 'Reused an ended session',
  'auth.logout': 'Logged out',
  'auth.token_expired': 'Used an expired sign-in',
  'auth.token_revoked': 'Used an ended sign-in',
  'access.denied': 'Was refused access',
  'tenant.create': 'Created the organisation',
  'user.create': 'Added a user',
  'user.update': 'Changed a user',
  'patient.list': 'Listed or searched patients',
  'patient.read': "Opened a patient's record",
  'patient.create': 'Added a patient',
  'patient.update': "Changed a patient's record",
  'encounter.list': "Listed a patient's encounters",
  'encounter.read': 'Opened an encounter',
  'encounter.create': 'Started an encounter',
  'encounter.update': 'Changed an encounter',
  'note.list': 'Listed notes',
  'note.read': 'Read a note',
  'note.create': 'Started a note',
  'note.update': 'Saved a note',
  'note.sign': 'Signed a note',
  'note.amend': 'Amended a note',
  'note.entered_in_error': 'Marked a note entered in error',
  'note.versions': "Read a note's history",
  'note.version_read': 'Read an earlier version of a note',
  'audit.read': 'Read the audit log',
  'audit.verify': "Checked the audit log's chain",
  'audit.access_report': "Read a patient's access report",
  'patient.restrict': "Restricted or released a patient's record",
  'care_team.read': "Read a patient's care team",
  'care_team.add': "Added someone to a patient's care team",
  'care_team.remove': "Took someone off a patient's care team",
  'access.emergency': 'Broke the glass: opened a restricted record in an emergency',
  'access.emergency_review': 'Reviewed an emergency access',
};

const actionName = (action) => actionNames[action] ?? action;

/** The organisation's audit log (admins, auditors): filters, newest first, more on request. */
export async function auditPage() {
  show(loading());
  await loadStaff();
  const rows = el('tbody', {});
  const status = el('p', { class: 'loading', role: 'status', 'aria-live': 'polite' });
  const problem = message();
  const download = el('button', { type: 'button', class: 'secondary' }, 'Download CSV');
  // What the rows shown are the answer to, written when that answer arrives and never before:
  // the rows and the words above them always come from the same request.
  const shownFor = el('p', { class: 'meta', 'data-shown-for': true });
  let applied = 'Every event';
  const patient = patientFinder(() => clearResults('Apply the filters to see the events of the patient chosen.'));
  const form = el('form', { novalidate: true, class: 'filters', 'aria-label': 'Filters' },
    patient.element,
    // Several at once ("who read this patient's notes or their history?"): none chosen is any.
    el('div', { class: 'field' },
      el('label', { for: 'field-action' }, 'Actions'),
      el('p', { class: 'hint', id: 'field-action-hint' }, 'Any when none is chosen; Ctrl or ⌘ adds one'),
      el('select', {
        id: 'field-action', name: 'action', multiple: true, size: 4, 'aria-describedby': 'field-action-hint field-action-error',
      }, Object.entries(actionNames).map(([value, text]) => el('option', { value }, text))),
      el('p', { class: 'field-error', id: 'field-action-error', 'data-error-for': 'action' })),
    selectField({ name: 'user_id', label: 'User', required: false, options: [['', 'Anyone'], ...staffChoices()] }),
    field({ name: 'from', label: 'From', type: 'datetime-local', required: false }),
    field({ name: 'to', label: 'Until', type: 'datetime-local', required: false }),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Apply')));
  let filters = new URLSearchParams();

  function failure(error) {
    return error.status === 422 || error.status === 400 ? `The filters are not right: ${error.message}` : error.message;
  }

  const { more, reload, cancel } = pagedList({
    list: rows, status, problem, row, failure,
    fetchPage: async (cursor) => {
      const params = new URLSearchParams(filters);
      params.set('limit', String(pageSize));
      if (cursor) params.set('cursor', cursor);
      return (await call('GET', `/v1/audit-events?${params}`)).data;
    },
    describe: (count, hasMore) => {
      shownFor.textContent = applied;
      return counted(count, hasMore, 'event');
    },
  });

  /** No rows and no words about them: what is on screen never answers another question. */
  function clearResults(text) {
    cancel();
    rows.replaceChildren();
    shownFor.textContent = '';
    status.textContent = text;
  }

  /** The dates as the API takes them, or the errors at their fields. */
  function dates(data) {
    const errors = {};
    const values = {};
    for (const name of ['from', 'to']) {
      const input = form.elements[name];
      const text = String(data.get(name) ?? '');
      const date = new Date(text);
      if (input.validity.badInput || (text && Number.isNaN(date.getTime()))) errors[name] = 'is not a date and time';
      else if (text) values[name] = date;
    }
    if (!errors.from && !errors.to && values.from && values.to && values.to < values.from) {
      errors.to = 'is before From';
    }
    return { errors, values };
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const { errors, values } = dates(data);
    showFieldErrors(form, errors);
    if (Object.keys(errors).length) {
      clearResults('Nothing shown: correct the dates.');
      return;
    }
    filters = new URLSearchParams();
    if (patient.chosen) filters.set('patient_id', patient.chosen.id);
    const actions = data.getAll('action').map(String);
    for (const action of actions) filters.append('action', action);
    const user = String(data.get('user_id') ?? '').trim();
    if (user) filters.set('user_id', user);
    for (const [name, date] of Object.entries(values)) filters.set(name, date.toISOString());
    applied = (patient.chosen ? `Events of ${patientName(patient.chosen)} (MRN ${patient.chosen.mrn})` : 'Every event')
      + (actions.length ? `: ${actions.map(actionName).join('; ')}` : '');
    await busy(form, 'Applying…', reload);
  });
  whenClicked(download, 'Preparing…', async () => {
    problem.textContent = '';
    try {
      const { events, complete } = await everyEvent(filters);
      save(csv(events), `audit-log-${when(new Date()).slice(0, 10)}.csv`);
      status.textContent = complete
        ? `${events.length} event${events.length === 1 ? '' : 's'} written to the CSV file.`
        : `The first ${exportLimit} events written to the CSV file: narrow the filters for the rest.`;
    } catch (error) {
      problem.textContent = failure(error);
    }
  });

  show(el('section', { class: 'card' },
    el('h1', {}, 'Audit log'),
    form,
    problem,
    shownFor,
    status,
    eventsTable('Audit events', ['When', 'Action', 'Outcome', 'User', 'Role', 'Patient', 'Record', 'From'], rows),
    el('div', { class: 'actions' }, more, download),
    // The log's own evidence, beside its export: is the history as it was written?
    chainCheck()),
  accessReport());
  reload();
}

/**
 * "Who accessed this patient?": the patient's access report (GET /v1/patients/{id}/access-report),
 * oldest first, in the server's words, with the lists and searches that showed the patient,
 * and the same period as one CSV file. The patient chosen is named above the rows, always.
 */
function accessReport() {
  const rows = el('tbody', {});
  const status = el('p', { class: 'loading', role: 'status', 'aria-live': 'polite' });
  const problem = message();
  const shownFor = el('p', { class: 'meta', 'data-report-for': true });
  const download = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Download CSV');
  let asked = null; // { patient, period } of the rows shown
  const patient = patientFinder(() => clear('Choose a patient and a period, then show who accessed the record.'),
    'report-patient', 'Another patient');
  const form = el('form', { novalidate: true, class: 'filters', 'aria-label': 'Access report' },
    patient.element,
    field({ name: 'report_from', label: 'From', type: 'datetime-local', required: false, value: localInput(daysAgo(7)) }),
    field({ name: 'report_to', label: 'Until', type: 'datetime-local', required: false }),
    el('div', { class: 'actions' }, el('button', { type: 'submit' }, 'Show who accessed the record')));

  function clear(text) {
    asked = null;
    cancel();
    rows.replaceChildren();
    download.hidden = true;
    shownFor.textContent = '';
    status.textContent = text;
  }

  function query(period, extra = {}) {
    const params = new URLSearchParams(extra);
    if (period.from) params.set('from', period.from.toISOString());
    if (period.to) params.set('to', period.to.toISOString());
    return params;
  }

  const { more, reload, cancel } = pagedList({
    list: rows, status, problem, row: reportRow,
    failure: (error) => (error.status === 422 ? `The period is not right: ${error.message}` : error.message),
    fetchPage: async (cursor) => {
      const params = query(asked.period, { limit: String(pageSize), ...(cursor ? { cursor } : {}) });
      return (await call('GET', `/v1/patients/${asked.patient.id}/access-report?${params}`)).data;
    },
    describe: (count, hasMore) => {
      shownFor.textContent = `Who accessed ${patientName(asked.patient)} (MRN ${asked.patient.mrn}), `
        + `${asked.period.from ? when(asked.period.from) : 'from the start'} until ${asked.period.to ? when(asked.period.to) : 'now'}`;
      download.hidden = false;
      return counted(count, hasMore, 'event');
    },
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const errors = {};
    const period = {};
    for (const [name, key] of [['report_from', 'from'], ['report_to', 'to']]) {
      const input = form.elements[name];
      const date = new Date(input.value);
      if (input.validity.badInput || (input.value && Number.isNaN(date.getTime()))) errors[name] = 'is not a date and time';
      else if (input.value) period[key] = date;
    }
    if (!errors.report_to && period.from && period.to && period.to < period.from) errors.report_to = 'is before From';
    if (!patient.chosen) errors['report-patient'] = 'must be chosen: find them by name or MRN';
    showFieldErrors(form, errors);
    if (Object.keys(errors).length) {
      clear(patient.chosen ? 'Nothing shown: correct the dates.' : 'Nothing shown: choose a patient first.');
      return;
    }
    asked = { patient: patient.chosen, period };
    await busy(form, 'Loading…', reload);
  });

  whenClicked(download, 'Preparing…', async () => {
    if (!asked) return;
    const { patient: chosen, period } = asked;
    problem.textContent = '';
    try {
      const { data } = await call('GET', `/v1/patients/${chosen.id}/access-report?${query(period)}`, { accept: 'text/csv' });
      // The file's name carries no name of the patient: downloads folders are not private.
      save(data, `access-report-${when(new Date()).slice(0, 10)}.csv`);
      status.textContent = `The access report of ${patientName(chosen)} was written to a CSV file.`;
    } catch (error) {
      problem.textContent = error.status === 422 ? `The period is too long for one file: ${error.message}` : error.message;
    }
  });

  clear('Choose a patient and a period, then show who accessed the record.');
  return el('section', { class: 'card', 'aria-labelledby': 'access-report-title' },
    el('h2', { id: 'access-report-title' }, 'Who accessed this patient'),
    el('p', { class: 'hint' }, 'Every opening, change and signature of the record, and every list or search that showed the patient.'),
    form,
    problem,
    shownFor,
    status,
    eventsTable('Access report', ['When', 'Who', 'Role', 'What', 'Record', 'Outcome', 'Reason'], rows),
    el('div', { class: 'actions' }, more, download));
}

/** Runs `work` on each click, the button disabled and saying `label` meanwhile. */
function whenClicked(button, label, work) {
  const text = button.textContent;
  button.addEventListener('click', async () => {
    button.disabled = true;
    button.textContent = label;
    try {
      await work();
    } finally {
      button.disabled = false;
      button.textContent = text;
    }
  });
}

/** A scrollable table of events under its column titles. */
function eventsTable(label, titles, rows) {
  return el('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label },
    el('table', { class: 'events' },
      el('thead', {}, el('tr', {}, titles.map((title) => el('th', { scope: 'col' }, title)))),
      rows));
}

function reportRow(item) {
  return el('tr', { 'data-action': item.action },
    el('td', {}, when(item.occurred_at)),
    el('td', { class: item.user_name ? undefined : 'id' }, item.user_name ?? item.user_id ?? '—'),
    el('td', {}, item.role ? roleTitle(item.role) : '—'),
    el('td', { title: item.action }, item.listed ? `${item.action_text} (the patient was among those shown)` : item.action_text),
    el('td', { class: 'id' }, item.entity_id ? `${item.entity_type} ${item.entity_id}` : item.entity_type),
    el('td', {}, item.outcome),
    el('td', {}, item.reason ?? ''));
}

function daysAgo(days) {
  return new Date(Date.now() - days * 86_400_000);
}

/** A date as a datetime-local input's value, in the browser's time zone. */
function localInput(date) {
  const two = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

const breakWords = {
  changed: 'an event, or its link, was changed after it was sealed',
  missing: 'an event, or links of the chain, are gone',
  inserted: 'an event was added behind the chain',
  reordered: 'links of the chain were moved out of their place',
};

/**
 * "Is the history intact?": the server re-computes the organisation's audit chain (every
 * event sealed into it a few seconds after it happened) and says where it first breaks.
 */
function chainCheck() {
  const result = el('p', { role: 'status', 'aria-live': 'polite', 'data-chain': true });
  const check = el('button', { type: 'button', class: 'secondary' }, 'Check that the audit log is intact');
  check.addEventListener('click', async () => {
    check.disabled = true;
    result.textContent = 'Checking every event…';
    result.className = '';
    try {
      const { data } = await call('GET', '/v1/audit-events/verification');
      const waiting = data.unsealed ? ` ${data.unsealed} newer event${data.unsealed === 1 ? ' is' : 's are'} not sealed yet.` : '';
      if (data.status === 'intact') {
        result.textContent = `Intact: ${data.events} event${data.events === 1 ? '' : 's'} checked`
          + `${data.head ? `, up to ${when(data.head.sealed_at)} (chain head ${data.head.hash.slice(0, 16)}…)` : ''}.${waiting}`;
      } else {
        const broken = data.first_break;
        result.className = 'error';
        result.textContent = `Not intact: at position ${broken.position}, ${breakWords[broken.kind] ?? broken.kind}`
          + `${broken.event_id ? ` (event ${broken.event_id})` : ''}. ${data.events} events before it check out.`;
      }
    } catch (error) {
      result.className = 'error';
      result.textContent = `The check could not be made: ${error.message}`;
    } finally {
      check.disabled = false;
    }
  });
  return el('div', { class: 'chain-check' }, check, result);
}

/**
 * "Who looked at this patient?": find the patient by name or MRN (POST /v1/patients/search,
 * open to auditors for this, answering summaries only) and choose one for the filter;
 * `changed()` is told when the choice changes.
 */
function patientFinder(changed, id = 'audit-patient', clearLabel = 'Any patient') {
  const search = el('input', {
    id, name: id, type: 'search', autocomplete: 'off', 'aria-describedby': `${id}-hint ${id}-error`,
  });
  const find = el('button', { type: 'button', class: 'secondary' }, 'Find');
  const results = el('ul', { class: 'choices', 'aria-label': 'Patients found' });
  const chosenText = el('span', {});
  const clear = el('button', { type: 'button', class: 'secondary' }, clearLabel);
  const chosenLine = el('p', { class: 'chosen', hidden: true, 'aria-live': 'polite' }, chosenText, ' ', clear);
  const finder = { chosen: null };

  function choose(patient) {
    finder.chosen = patient;
    chosenText.textContent = patient
      ? `${patientName(patient)} · MRN ${patient.mrn} · born ${patient.birth_date}` : '';
    chosenLine.hidden = !patient;
    results.replaceChildren();
    changed();
    if (!patient) search.focus();
  }

  async function lookUp() {
    const text = search.value.trim();
    if (!text) return;
    results.replaceChildren(el('li', { class: 'loading' }, 'Searching…'));
    try {
      // In the body: a typed name is PHI, and URLs land in proxy logs.
      const { data } = await call('POST', '/v1/patients/search', { body: { q: text, limit: 10 } });
      results.replaceChildren(...(data.items.length ? data.items.map((patient) =>
        el('li', {}, el('button', { type: 'button', class: 'link', onclick: () => choose(patient) },
          `${patientName(patient)} · MRN ${patient.mrn} · born ${patient.birth_date}`)))
        : [el('li', {}, 'No patient matches.')]));
    } catch (error) {
      results.replaceChildren(el('li', { class: 'error' }, error.message));
    }
  }

  find.addEventListener('click', lookUp);
  search.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault(); // Enter here finds the patient; it does not apply the filters yet
    lookUp();
  });
  clear.addEventListener('click', () => choose(null));
  finder.element = el('div', { class: 'field patient-finder' },
    el('label', { for: id }, 'Patient'),
    el('p', { class: 'hint', id: `${id}-hint` }, 'A family or given name, or an MRN'),
    el('div', { class: 'inline' }, search, find),
    el('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': id }),
    results,
    chosenLine);
  return finder;
}

function describePatient(event) {
  if (!event.patient_id) return '—';
  return event.patient_mrn ? `${event.patient_family_name}, ${event.patient_given_name} (MRN ${event.patient_mrn})`
    : event.patient_id;
}

function row(event) {
  const who = nameOf(event.user_id);
  return el('tr', { 'data-action': event.action },
    el('td', {}, when(event.occurred_at)),
    el('td', { title: event.action }, actionName(event.action)),
    el('td', {}, event.outcome),
    el('td', { class: who === event.user_id && 'id' }, who),
    el('td', {}, event.role ? roleTitle(event.role) : '—'),
    el('td', { class: event.patient_mrn ? undefined : 'id' }, describePatient(event)),
    el('td', { class: 'id' }, event.entity_id ? `${event.entity_type} ${event.entity_id}` : event.entity_type),
    el('td', {}, event.ip ?? '—'));
}

/** Every event of the filters, page by page, up to the export's limit. */
async function everyEvent(filters) {
  const events = [];
  let cursor = null;
  do {
    const params = new URLSearchParams(filters);
    params.set('limit', '200');
    if (cursor) params.set('cursor', cursor);
    const { data } = await call('GET', `/v1/audit-events?${params}`);
    events.push(...data.items);
    cursor = data.next_cursor;
  } while (cursor && events.length < exportLimit);
  return { events: events.slice(0, exportLimit), complete: !cursor && events.length <= exportLimit };
}

/** RFC 4180 text, times in UTC as stored, one event a line. */
export function csv(events) {
  const header = ['occurred_at', 'action', 'action_name', 'outcome', 'user', 'user_id', 'role', 'patient_mrn',
    'patient_family_name', 'patient_given_name', 'patient_id', 'entity_type', 'entity_id', 'ip', 'request_id'];
  const lines = events.map((event) => [
    event.occurred_at, event.action, actionName(event.action), event.outcome,
    event.user_id ? nameOf(event.user_id) : '', event.user_id, event.role, event.patient_mrn, event.patient_family_name,
    event.patient_given_name, event.patient_id, event.entity_type, event.entity_id, event.ip, event.request_id,
  ]);
  return [header, ...lines].map((cells) => cells.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value) {
  let text = value == null ? '' : String(value);
  // A spreadsheet runs a cell that starts with = + - @ as a formula: a name is data, never code.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Hands the file to the browser's download, from memory: nothing is kept in browser storage. */
function save(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = el('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
