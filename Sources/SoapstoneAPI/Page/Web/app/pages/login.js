import { ApiError, login } from '../api.js';
import { duration } from '../idle.js';
import { busy, el, field, message, show } from '../ui.js';

/** Why the last session ended, said once on the login page. */
const endings = {
  idle: (seconds) => `You were logged out after ${duration(seconds)} without activity.`,
  expired: () => 'Your session ended. Log in again to continue.',
  logout: () => 'You are logged out.',
  elsewhere: () => 'You logged out in another tab of this browser.',
};

/**
 * What happened to the words typed in a note when the session ended: all saved, or, shown here
 * once to copy, the sections that were not (`leftover`: main.js's, from the editor).
 */
function leftoverText(leftover) {
  if (!leftover) return null;
  if (leftover.sections.length === 0) {
    const marked = leftover.unresolved
      ? ` It is version ${leftover.unresolved}, marked as saved with a conflict unresolved: choose between the texts `
        + 'before the note is signed.'
      : '';
    return message(`Everything you typed in ${leftover.about} was saved before the session ended.${marked}`, 'info');
  }
  const box = el('section', { class: 'leftover', 'aria-labelledby': 'leftover-title', 'data-leftover': '' },
    el('h2', { id: 'leftover-title' }, `Not saved: your text in ${leftover.about}`),
    el('p', {}, 'The session ended before this text could be saved. It is shown here once, to copy: '
      + 'it is kept nowhere, and goes when you discard it, log in or leave the page.'),
    leftover.sections.map(([label, text]) => el('div', { class: 'field' },
      el('label', {}, label, el('textarea', { readonly: true, rows: 4 }, text)))),
    el('div', { class: 'actions' },
      el('button', {
        type: 'button', class: 'secondary',
        onclick: async (event) => {
          const all = leftover.sections.map(([label, text]) => `${label}:\n${text}`).join('\n\n');
          try {
            await navigator.clipboard.writeText(all);
            event.currentTarget.textContent = 'Copied';
          } catch {
            event.currentTarget.textContent = 'Select the text and copy it';
          }
        },
      }, 'Copy the text'),
      el('button', { type: 'button', 'data-discard': '', onclick: () => box.remove() }, 'Discard it')));
  return box;
}

export function loginPage({ ended, idleSeconds, leftover } = {}) {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'login-title' },
    field({ name: 'tenant', label: 'Organisation', autocomplete: 'organization', hint: 'The short name of your clinic, e.g. northside' }),
    field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'username' }),
    field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' }),
    status,
    el('button', { type: 'submit' }, 'Log in'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    status.textContent = '';
    await busy(form, 'Logging in…', async () => {
      try {
        document.querySelector('[data-leftover]')?.remove();
        await login(data.get('tenant').trim(), data.get('email').trim(), data.get('password'));
      } catch (error) {
        status.textContent = loginFailure(error);
        form.querySelector('[name="password"]').value = '';
      }
    });
  });

  const notice = ended && endings[ended] ? message(endings[ended](idleSeconds), 'info') : null;
  show(el('section', { class: 'card narrow' },
    el('h1', { id: 'login-title' }, 'Log in'),
    notice,
    leftoverText(leftover),
    form,
    el('p', {}, 'New to Soapstone? ', el('a', { href: '#/signup' }, 'Create an organisation'))));
}

function loginFailure(error) {
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${duration(error.retryAfter)}.` : ' Try again later.';
    return `Too many attempts.${wait}`;
  }
  if (error.status === 401) return 'The organisation, email and password do not match an account.';
  if (error.status === 422) return 'Fill in the organisation, email and password.';
  return error.message;
}
