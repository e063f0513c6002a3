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

export function loginPage({ ended, idleSeconds } = {}) {
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
