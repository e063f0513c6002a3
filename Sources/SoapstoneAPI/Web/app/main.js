// The page's start: restore the session from the refresh cookie if there is one, then show
// the page the address asks for. Addresses hold page names and ids only, never patient data.
import { ApiError, Unreachable, current, logout, onSessionChange, refresh } from './api.js';
import { idleSeconds, stopWatchingIdle, watchIdle } from './idle.js';
import { homePage, roleTitle } from './pages/home.js';
import { loginPage } from './pages/login.js';
import { signupPage } from './pages/signup.js';
import { el, message, show } from './ui.js';

const publicPages = { '#/login': loginPage, '#/signup': signupPage };
let lastEnding = null;

function route() {
  const hash = location.hash || '#/';
  if (!current) {
    const page = publicPages[hash] ?? loginPage;
    page({ ended: lastEnding, idleSeconds });
    lastEnding = null;
    return;
  }
  if (publicPages[hash]) {
    location.replace('#/');
    return;
  }
  homePage();
}

function showAccount() {
  const account = document.getElementById('account');
  account.hidden = !current;
  document.getElementById('account-name').textContent = current
    ? `${current.user.name} · ${roleTitle(current.user.role)}`
    : '';
}

/** Shows `hash`: at once when the address is there already, else through hashchange. */
function go(hash) {
  if ((location.hash || '#/') === hash) route();
  else location.replace(hash);
}

onSessionChange((session, reason) => {
  showAccount();
  if (session) {
    watchIdle(() => logout('idle'));
    go(reason === 'login' || publicPages[location.hash] ? '#/' : location.hash || '#/');
  } else {
    stopWatchingIdle();
    lastEnding = reason;
    go('#/login');
  }
});

window.addEventListener('hashchange', route);
document.getElementById('logout').addEventListener('click', () => logout('logout'));

try {
  if (!(await refresh())) route();
} catch (error) {
  const text = error instanceof Unreachable || error instanceof ApiError
    ? error.message
    : 'Something went wrong while starting; reload the page.';
  show(el('section', { class: 'card narrow' }, el('h1', {}, 'Soapstone'), message(text)));
}
