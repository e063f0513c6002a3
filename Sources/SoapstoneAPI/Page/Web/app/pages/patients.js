import { call, may } from '../api.js';
import { sexNames } from '../banner.js';
import { counted, pagedList } from '../paging.js';
import {
  busy, el, field, inputProblems, loading, message, patientName, selectField, show, showFailure, showFieldErrors,
  showFormFailure,
} from '../ui.js';

const pageSize = 20;
const debounce = 300; // ms after the last keystroke before searching

const sexes = [['female', 'Female'], ['male', 'Male'], ['other', 'Other'], ['unknown', 'Unknown']];

/** The patient list: search as you type (a name either way round, or an MRN), more on request. */
export function patientsPage() {
  const results = el('ul', { class: 'rows', 'aria-label': 'Patients' });
  const status = el('p', { class: 'loading', role: 'status', 'aria-live': 'polite' });
  const search = el('input', { id: 'patient-search', type: 'search', name: 'q', autocomplete: 'off', 'aria-describedby': 'patient-search-hint' });
  let query = '';
  let timer = null;
  const { more, reload } = pagedList({
    list: results, status, loadingText: 'Searching…', row,
    // The search goes in the body: a typed name is PHI, and URLs land in proxy logs.
    fetchPage: async (cursor) => (await call('POST', '/v1/patients/search', {
      body: { limit: pageSize, ...(query && { q: query }), ...(cursor && { cursor }) },
    })).data,
    describe: (count, hasMore) => (count === 0
      ? (query ? `No patient matches “${query}”.` : 'No patients yet.')
      : counted(count, hasMore, 'patient')),
  });

  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      query = search.value.trim();
      reload();
    }, debounce);
  });

  show(el('section', { class: 'card' },
    el('div', { class: 'title-row' },
      el('h1', {}, 'Patients'),
      may('createPatient') && el('a', { class: 'button', href: '#/patients/new' }, 'New patient')),
    el('div', { class: 'field' },
      el('label', { for: 'patient-search' }, 'Search'),
      el('p', { class: 'hint', id: 'patient-search-hint' }, 'A name as you would say or write it ("Zoe Bronte", "Bronte, Zoe"), or an MRN'),
      search),
    status,
    results,
    more));
  reload();
}

/** A patient as lists show them: enough to tell two people of one name apart. */
function summary(patient) {
  return `MRN ${patient.mrn} · born ${patient.birth_date} · ${sexNames[patient.sex] ?? patient.sex}${patient.active ? '' : ' · inactive'}`;
}

function row(patient) {
  return el('li', {},
    el('a', { href: `#/patients/${patient.id}` }, patientName(patient)),
    el('span', { class: 'meta' }, summary(patient)));
}

/** A new patient, or the changes to one: only what changed is sent. */
export async function patientFormPage(id) {
  let patient = null;
  if (id) {
    show(loading());
    try {
      patient = (await call('GET', `/v1/patients/${id}`)).data;
    } catch (error) {
      showFailure('Edit patient', error, 'No such patient in your organisation.');
      return;
    }
  }
  const value = (path) => path.split('.').reduce((object, key) => object?.[key], patient) ?? '';
  const status = message();
  // Patients on record with this name and birth date, when the server says so: the user tells
  // them apart before a second chart is made for one person.
  const duplicates = el('section', { class: 'duplicates', hidden: true, 'data-possible-duplicates': '' });
  const form = el('form', { novalidate: true, 'aria-labelledby': 'patient-form-title' },
    el('fieldset', {},
      el('legend', {}, 'Identity'),
      field({ name: 'mrn', label: 'MRN (medical record number)', value: value('mrn') }),
      field({ name: 'given_name', label: 'Given name', value: value('given_name'), autocomplete: 'off' }),
      field({ name: 'family_name', label: 'Family name', value: value('family_name'), autocomplete: 'off' }),
      field({ name: 'birth_date', label: 'Birth date', type: 'date', value: value('birth_date') }),
      selectField({ name: 'sex', label: 'Administrative sex', options: sexes, value: value('sex'), placeholder: 'Choose…' })),
    el('fieldset', {},
      el('legend', {}, 'Contact'),
      field({ name: 'phone', label: 'Phone', type: 'tel', required: false, value: value('phone'), autocomplete: 'off' }),
      field({ name: 'email', label: 'Email', type: 'email', required: false, value: value('email'), autocomplete: 'off' }),
      field({ name: 'address.line', label: 'Street address', required: false, value: value('address.line'), autocomplete: 'off' }),
      field({ name: 'address.city', label: 'City', required: false, value: value('address.city'), autocomplete: 'off' }),
      field({ name: 'address.region', label: 'Region', required: false, value: value('address.region'), autocomplete: 'off' }),
      field({ name: 'address.postal_code', label: 'Postal code', required: false, value: value('address.postal_code'), autocomplete: 'off' }),
      field({
        name: 'address.country', label: 'Country', required: false, value: value('address.country'), hint: 'Two letters, e.g. US or DE',
        autocomplete: 'off', pattern: '[A-Za-z]{2}', patternMessage: 'must be two letters, e.g. US or DE',
      })),
    patient && el('div', { class: 'field check' },
      el('input', { id: 'field-active', type: 'checkbox', name: 'active', checked: patient.active }),
      el('label', { for: 'field-active' }, 'Active (an inactive patient stays on record)')),
    status,
    duplicates,
    el('div', { class: 'actions' },
      el('button', { type: 'submit' }, patient ? 'Save changes' : 'Register the patient'),
      el('a', { href: patient ? `#/patients/${patient.id}` : '#/patients' }, 'Cancel')));

  // `confirmedDistinct`: the user has seen the possible duplicates and says this is someone else.
  const submit = async (confirmedDistinct = false) => {
    status.textContent = '';
    duplicates.hidden = true;
    duplicates.replaceChildren();
    const problems = inputProblems(form);
    showFieldErrors(form, problems);
    if (Object.keys(problems).length) {
      status.textContent = 'Some fields need a change; see the messages beside them.';
      return;
    }
    const body = patient ? changes(form, patient) : { ...fields(form), ...(confirmedDistinct && { confirmed_distinct: true }) };
    if (patient && Object.keys(body).length === 0) {
      location.hash = `#/patients/${patient.id}`;
      return;
    }
    await busy(form, 'Saving…', async () => {
      try {
        const { data } = patient
          ? await call('PATCH', `/v1/patients/${patient.id}`, { body })
          : await call('POST', '/v1/patients', { body });
        location.hash = `#/patients/${data.id}`;
      } catch (error) {
        if (error?.status === 409 && error.type === 'possible-duplicate') {
          askAboutDuplicates(duplicates, error, () => submit(true));
        } else {
          showFormFailure(form, status, error, { field: 'mrn', message: 'belongs to another patient already' });
        }
      }
    });
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });

  show(el('section', { class: 'card' },
    el('h1', { id: 'patient-form-title' }, patient ? `Edit ${patientName(patient)}` : 'New patient'),
    form));
}

/**
 * Shows the patients the server found with this name and birth date, each openable in a new
 * tab (the form keeps what is typed), and a way to register the new one all the same.
 */
function askAboutDuplicates(section, error, registerAnyway) {
  const matches = error.problem.matches ?? [];
  section.replaceChildren(
    el('h2', { id: 'duplicates-title' }, matches.length === 1 ? 'Is this the same person?' : 'Is this one of these people?'),
    el('p', {}, matches.length === 1
      ? 'A patient with this name and birth date is on record already.'
      : `${matches.length} patients with this name and birth date are on record already.`),
    el('ul', { class: 'rows' }, matches.map((match) => el('li', { 'data-match': match.id },
      el('a', { href: `#/patients/${match.id}`, target: '_blank', rel: 'noopener' }, `${patientName(match)} (opens in a new tab)`),
      el('span', { class: 'meta' }, summary(match))))),
    el('div', { class: 'actions' },
      el('button', {
        type: 'button', 'data-confirm-distinct': '',
        onclick: registerAnyway,
      }, 'A different person: register the new patient')));
  section.setAttribute('aria-labelledby', 'duplicates-title');
  section.hidden = false;
  const heading = section.querySelector('h2');
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
  section.scrollIntoView({ block: 'center' });
}

/** The form as the API's shape: empty optional fields left out. */
function fields(form) {
  const data = new FormData(form);
  const body = { address: {} };
  for (const [name, raw] of data) {
    const text = String(raw).trim();
    if (name === 'active' || text === '') continue;
    if (name === 'address.country') body.address.country = text.toUpperCase();
    else if (name.startsWith('address.')) body.address[name.slice(8)] = text;
    else body[name] = text;
  }
  if (Object.keys(body.address).length === 0) delete body.address;
  if (form.elements.active) body.active = form.elements.active.checked;
  return body;
}

/** What differs from `patient` (PATCH sends only changes). */
function changes(form, patient) {
  const now = fields(form);
  const body = {};
  for (const [name, value] of Object.entries(now)) {
    if (name === 'address') {
      const address = {};
      for (const [key, text] of Object.entries(value)) if (text !== (patient.address?.[key] ?? '')) address[key] = text;
      if (Object.keys(address).length) body.address = address;
    } else if (value !== patient[name]) {
      body[name] = value;
    }
  }
  return body;
}
