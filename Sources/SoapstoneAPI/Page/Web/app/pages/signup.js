import { register } from '../api.js';
import { busy, el, field, message, show, showFieldErrors, showFormFailure } from '../ui.js';

export function signupPage() {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'signup-title' },
    el('fieldset', {},
      el('legend', {}, 'Organisation'),
      field({ name: 'organization.name', label: 'Name', autocomplete: 'organization' }),
      field({ name: 'organization.slug', label: 'Short name', hint: 'Lower-case letters, digits and hyphens; you log in with it.' })),
    el('fieldset', {},
      el('legend', {}, 'You, its first administrator'),
      field({ name: 'admin.name', label: 'Your name', autocomplete: 'name' }),
      field({ name: 'admin.email', label: 'Email', type: 'email', autocomplete: 'email' }),
      field({ name: 'admin.password', label: 'Password', type: 'password', autocomplete: 'new-password', hint: 'At least 12 characters; a phrase of a few words is good.' })),
    status,
    el('button', { type: 'submit' }, 'Create the organisation'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    status.textContent = '';
    showFieldErrors(form, {});
    await busy(form, 'Creating…', async () => {
      try {
        await register(
          { name: data.get('organization.name').trim(), slug: data.get('organization.slug').trim() },
          { name: data.get('admin.name').trim(), email: data.get('admin.email').trim(), password: data.get('admin.password') });
      } catch (error) {
        showFormFailure(form, status, error, {
          field: 'organization.slug', message: 'This short name is taken; choose another.',
        });
      }
    });
  });

  show(el('section', { class: 'card narrow' },
    el('h1', { id: 'signup-title' }, 'Create an organisation'),
    form,
    el('p', {}, 'Already have an account? ', el('a', { href: '#/login' }, 'Log in'))));
}
