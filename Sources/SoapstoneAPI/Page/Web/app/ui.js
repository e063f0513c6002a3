// Small DOM helpers: elements built from data, never from HTML strings, so nothing a user or
// the API sends is ever parsed as markup.

/** The parts given, without those a caller left out (`condition && part`): never the word "false". */
function present(parts) {
  return parts.flat().filter((part) => part !== null && part !== undefined && part !== false);
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value === true) node.setAttribute(name, '');
    else node.setAttribute(name, value);
  }
  node.append(...present(children));
  return node;
}

let leaveGuard = null;

/**
 * What must happen before the page moves on: the note editor saves what is typed. The guard
 * answers false to stay (its save failed, and it says so).
 */
export function onLeaving(guard) {
  leaveGuard = guard;
}

let unsavedText = null;

/**
 * The editor's text no version holds yet, for the session's end (the note editor registers it):
 * - `saver()` saves it without asking anyone (another tab's logout, the idle logout): null when
 *   nothing is unsaved, else a function that saves and answers whether it could;
 * - `words()` reads it for a session that ended before it could be saved: null when no editor
 *   is open, else `{ about, sections, unresolved }` (`about` names the note and its patient;
 *   `sections` holds [label, text] pairs, none when everything is saved; `unresolved` the
 *   version number when the last one saved kept a merge unresolved, else null).
 */
export function onUnsavedText({ saver, words }) {
  unsavedText = { saver, words };
}

/** A function that saves this page's unsaved text and answers whether it could; null when none. */
export function unsavedTextSaver() {
  return unsavedText?.saver() ?? null;
}

/** The editor's unsaved words as `onUnsavedText` describes them; null when there is no editor. */
export function unsavedWords() {
  return unsavedText?.words() ?? null;
}

/** Runs the guard, if any; answers whether the page may move on. */
export async function leaving() {
  if (!leaveGuard) return true;
  const mayLeave = await leaveGuard();
  if (mayLeave) leaveGuard = null;
  return mayLeave;
}

/**
 * Replaces the page's content and moves focus to its heading, for keyboard and screen readers.
 * A new page starts at its top: focusing the heading alone could leave the links above it
 * scrolled under the patient banner.
 */
export function show(...content) {
  const main = document.getElementById('main');
  main.replaceChildren(...present(content));
  window.scrollTo(0, 0);
  const heading = main.querySelector('h1');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

/**
 * A labelled field with its error line. `name` is the API's field path (e.g. `admin.email`),
 * so the errors of a 422 land beside the fields they are about.
 */
export function field({
  name, label, type = 'text', autocomplete, required = true, hint, value = '', pattern, patternMessage,
}) {
  const id = `field-${name.replace(/\W/g, '-')}`;
  const described = [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' ');
  return el('div', { class: 'field' },
    el('label', { for: id }, label),
    hint && el('p', { class: 'hint', id: `${id}-hint` }, hint),
    el('input', {
      id, name, type, autocomplete, required, value, pattern, 'data-pattern-message': patternMessage, 'aria-describedby': described,
    }),
    el('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': name }));
}

/**
 * Shows `errors` ({ field path: message }) beside their fields, each as a sentence that names
 * its field ("Given name is required."); answers whether any was shown.
 */
export function showFieldErrors(form, errors) {
  let shown = false;
  for (const line of form.querySelectorAll('[data-error-for]')) {
    const input = form.querySelector(`[name="${line.dataset.errorFor}"]`);
    const label = input && form.querySelector(`label[for="${input.id}"]`)?.textContent;
    const message = errors[line.dataset.errorFor] ?? '';
    line.textContent = message && label ? `${label} ${message}.` : message;
    if (input) input.setAttribute('aria-invalid', message ? 'true' : 'false');
    if (message && !shown) {
      input?.focus();
      shown = true;
    }
  }
  return shown;
}

/**
 * What the browser itself knows is wrong with the form's fields, by name, all at once: a field
 * left empty, a date it cannot read (the field's value is then empty, so the server would only
 * hear "required"), an email it cannot parse, a value outside the field's pattern. Everything
 * else is the server's to say.
 */
export function inputProblems(form) {
  const problems = {};
  for (const input of form.querySelectorAll('input[name], select[name]')) {
    const { validity } = input;
    if (validity.badInput) problems[input.name] = input.type === 'date' ? 'is not a date on the calendar' : 'cannot be read';
    else if (validity.valueMissing) problems[input.name] = input.tagName === 'SELECT' ? 'must be chosen' : 'is required';
    else if (validity.typeMismatch) problems[input.name] = input.type === 'email' ? 'is not an email address' : 'is not valid';
    else if (validity.patternMismatch) problems[input.name] = input.dataset.patternMessage || 'is not in the form asked for';
  }
  return problems;
}

/** The form's message line: a role=alert paragraph that screen readers announce. */
export function message(text = '', kind = 'error') {
  return el('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** Disables the form while `work` runs, with the button saying what is happening. */
export async function busy(form, label, work) {
  const button = form.querySelector('button[type="submit"]');
  const idle = button.textContent;
  form.setAttribute('aria-busy', 'true');
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    form.removeAttribute('aria-busy');
    button.disabled = false;
    button.textContent = idle;
  }
}

/** A labelled select; `options` are [value, label] pairs. */
export function selectField({ name, label, options, value = '', required = true, placeholder }) {
  const id = `field-${name.replace(/\W/g, '-')}`;
  return el('div', { class: 'field' },
    el('label', { for: id }, label),
    el('select', { id, name, required, 'aria-describedby': `${id}-error` },
      // A choice nobody made is not defaulted: the placeholder is empty, so `required` holds.
      placeholder && el('option', { value: '', selected: value === '' }, placeholder),
      options.map(([optionValue, text]) => el('option', { value: optionValue, selected: optionValue === value }, text))),
    el('p', { class: 'field-error', id: `${id}-error`, 'data-error-for': name }));
}

/** A loading line for a page whose data is on its way. */
export function loading(what = 'Loading…') {
  return el('p', { class: 'loading', role: 'status' }, what);
}

/** What to tell the user about a failed request, whatever failed. */
export function failureText(error, notFound = 'It does not exist, or not in your organisation.') {
  if (error?.status === 404) return notFound;
  if (error?.status === 403) return 'Your role does not allow this.';
  return error?.message || 'Something went wrong; try again.';
}

/** A page that could not be shown, with a way back. */
export function showFailure(title, error, notFound) {
  show(el('section', { class: 'card' },
    el('h1', {}, title),
    message(failureText(error, notFound)),
    el('p', {}, el('a', { href: '#/' }, 'Back to the start'))));
}

/** "Ødegård, Mira": how a patient is named in lists and headings. */
export function patientName(patient) {
  return `${patient.family_name}, ${patient.given_name}`;
}

/**
 * Asks before a step that cannot be taken back, in a modal dialog that says what it does.
 * Answers true when `confirm` was chosen; with `reason` (a question, the label of a text box),
 * answers the reason typed, or null when the step was not taken.
 */
export function confirmStep({ title, text, confirm, cancel = 'Cancel', reason }) {
  return new Promise((resolve) => {
    // With `reason` (its label), the step asks why as well, and answers what was typed.
    const why = reason && el('textarea', {
      id: 'confirm-reason', rows: 2, required: true, autofocus: true, 'aria-describedby': 'confirm-reason-error',
    });
    const missing = reason && el('p', { class: 'field-error', id: 'confirm-reason-error' });
    const dialog = el('dialog', { 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-text' },
      el('h2', { id: 'confirm-title' }, title),
      // Focus starts on what is asked, never on the commit: Enter twice must not sign.
      el('p', { id: 'confirm-text', tabindex: '-1', autofocus: !reason }, text),
      reason && el('div', { class: 'field' }, el('label', { for: 'confirm-reason' }, reason), why, missing),
      el('div', { class: 'actions' },
        el('button', {
          type: 'button', value: 'confirm',
          onclick: () => {
            if (why && !why.value.trim()) {
              missing.textContent = `${reason} Say it in a few words.`;
              why.setAttribute('aria-invalid', 'true');
              why.focus();
              return;
            }
            dialog.close('confirm');
          },
        }, confirm),
        el('button', { type: 'button', class: 'secondary', onclick: () => dialog.close('cancel') }, cancel)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      const confirmed = dialog.returnValue === 'confirm';
      resolve(why ? (confirmed && why.value.trim()) || null : confirmed);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/**
 * A date-time, written one way across the page, as birth dates are: `2026-12-01 16:41`, in the
 * reader's time zone. A locale's own format (12/1 or 1/12?) is ambiguous on a clinical record.
 */
export function when(text) {
  if (!text) return '—';
  const date = text instanceof Date ? text : new Date(text);
  const two = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} `
    + `${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * Says why a form was refused: a 422's errors beside their fields, a 409 (taken) beside
 * `conflict.field`, anything else on the form's message line.
 */
export function showFormFailure(form, status, error, conflict) {
  if (error?.status === 422 && showFieldErrors(form, error.fieldErrors)) {
    status.textContent = 'Some fields need a change; see the messages beside them.';
  } else if (error?.status === 409 && conflict) {
    showFieldErrors(form, { [conflict.field]: conflict.message ?? error.message });
  } else {
    status.textContent = error.message;
  }
}

/** Loads what a page shows, several requests at once; on failure shows why and answers null. */
export async function loadPage(title, notFound, ...requests) {
  show(loading());
  try {
    return await Promise.all(requests.map((request) => request()));
  } catch (error) {
    showFailure(title, error, notFound);
    return null;
  }
}
