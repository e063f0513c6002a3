import { call, callAll, current } from '../api.js';
import { roleTitle } from '../roles.js';
import {
  busy, confirmStep, el, field, loading, message, selectField, show, showFailure, showFieldErrors, showFormFailure,
} from '../ui.js';

const roleOptions = ['admin', 'physician', 'nurse', 'front_desk', 'auditor'].map((role) => [role, roleTitle(role)]);

/** The organisation's users (admins): add one, change a role, deactivate or reactivate. */
export async function usersPage() {
  show(loading());
  let users;
  try {
    users = await callAll('/v1/users');
  } catch (error) {
    showFailure('Users', error);
    return;
  }
  const status = message();
  const done = message('', 'info');
  const list = el('ul', { class: 'rows', 'aria-label': 'Users' });
  const render = () => list.replaceChildren(...users.map((user) => userRow(user, { status, done }, (changed) => {
    users = users.map((other) => (other.id === changed.id ? changed : other));
    render();
  })));
  render();
  show(el('section', { class: 'card' },
    el('h1', {}, 'Users'),
    status,
    done,
    list),
  el('section', { class: 'card' }, newUserForm((created) => {
    users = [...users, created];
    render();
  })));
}

function userRow(user, { status, done }, changed) {
  const you = user.id === current.user.id;
  const select = selectField({ name: `role-${user.id}`, label: `Role of ${user.name}`, options: roleOptions, value: user.role });
  /** A change that ends the user's sessions: asked first, and said when done. */
  const update = async (body, button) => {
    const change = body.role !== undefined
      ? { title: `Make ${user.name} ${roleTitle(body.role).toLowerCase()}?`, done: `${user.name} is now ${roleTitle(body.role).toLowerCase()}.`, confirm: 'Change the role' }
      : body.active
        ? { title: `Reactivate ${user.name}?`, done: `${user.name} can log in again.`, confirm: 'Reactivate' }
        : { title: `Deactivate ${user.name}?`, done: `${user.name} is deactivated and logged out everywhere.`, confirm: 'Deactivate' };
    status.textContent = '';
    done.textContent = '';
    if (!(await confirmStep({
      title: change.title,
      text: `${user.name} (${user.email}) is logged out at once, on every device, and logs in again to go on.`,
      confirm: change.confirm,
    }))) return;
    button.disabled = true;
    try {
      changed((await call('PATCH', `/v1/users/${user.id}`, { body })).data);
      done.textContent = change.done;
    } catch (error) {
      status.textContent = error.message;
      button.disabled = false;
    }
  };
  return el('li', { 'data-user': user.email },
    el('span', {}, el('strong', {}, user.name), you ? ' (you)' : ''),
    el('span', { class: 'meta' }, `${user.email} · ${roleTitle(user.role)}${user.active ? '' : ' · deactivated'}`),
    !you && el('div', { class: 'actions' },
      select,
      el('button', {
        type: 'button', class: 'secondary',
        'aria-label': `Change the role of ${user.name}`,
        onclick: (event) => update({ role: select.querySelector('select').value }, event.currentTarget),
      }, 'Change role'),
      el('button', {
        type: 'button', class: 'secondary',
        'aria-label': `${user.active ? 'Deactivate' : 'Reactivate'} ${user.name}`,
        onclick: (event) => update({ active: !user.active }, event.currentTarget),
      }, user.active ? 'Deactivate' : 'Reactivate')));
}

function newUserForm(created) {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'new-user-title' },
    el('h2', { id: 'new-user-title' }, 'Add a user'),
    field({ name: 'name', label: 'Name', autocomplete: 'off' }),
    field({ name: 'email', label: 'Email', type: 'email', autocomplete: 'off' }),
    field({ name: 'password', label: 'First password', type: 'password', autocomplete: 'new-password', hint: 'At least 12 characters; give it to them in person.' }),
    selectField({ name: 'role', label: 'Role', options: roleOptions, value: 'nurse' }),
    status,
    el('button', { type: 'submit' }, 'Add the user'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = Object.fromEntries(['name', 'email', 'password', 'role'].map((key) => [key, String(data.get(key)).trim()]));
    body.password = String(data.get('password'));
    status.textContent = '';
    showFieldErrors(form, {});
    await busy(form, 'Adding…', async () => {
      try {
        const answer = await call('POST', '/v1/users', { body });
        form.reset();
        created(answer.data);
        status.textContent = '';
      } catch (error) {
        showFormFailure(form, status, error, { field: 'email' });
      }
    });
  });
  return form;
}
