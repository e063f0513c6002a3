// The page's start: restore the session from the refresh cookie if there is one, then show
// the page the address asks for. Addresses hold page names and ids only, never patient data.
import { ApiError, Unreachable, current, logout, may, onSessionChange, refresh } from './api.js';
import { idleSeconds, stopWatchingIdle, watchIdle } from './idle.js';
import { auditPage } from './pages/audit.js';
import { chartPage } from './pages/chart.js';
import { encounterPage } from './pages/encounter.js';
import { historyPage } from './pages/history.js';
import { homePage } from './pages/home.js';
import { loginPage } from './pages/login.js';
import { notePage } from './pages/note.js';
import { patientFormPage, patientsPage } from './pages/patients.js';
import { signupPage } from './pages/signup.js';
import { usersPage } from './pages/users.js';
import { roleTitle } from './roles.js';
import { askTabsToSave, answerSaveRequests } from './tabs.js';
import { confirmStep, el, leaving, message, show, unsavedTextSaver, unsavedWords } from './ui.js';

const publicPages = { '#/login': loginPage, '#/signup': signupPage };
const id = '([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})';

/** The pages of a logged-in user: address pattern, who may see it, what shows it. */
const pages = [
  { pattern: '#/', operation: null, show: homePage },
  { pattern: '#/patients', operation: 'listPatients', show: patientsPage, nav: 'Patients' },
  { pattern: '#/patients/new', operation: 'createPatient', show: () => patientFormPage() },
  { pattern: `#/patients/${id}`, operation: 'getPatient', show: chartPage },
  { pattern: `#/patients/${id}/edit`, operation: 'updatePatient', show: patientFormPage },
  { pattern: `#/encounters/${id}`, operation: 'listNotes', show: encounterPage },
  { pattern: `#/notes/${id}`, operation: 'getNote', show: notePage },
  { pattern: `#/notes/${id}/history`, operation: 'listNoteVersions', show: historyPage },
  { pattern: '#/audit', operation: 'listAuditEvents', show: auditPage, nav: 'Audit log' },
  { pattern: '#/users', operation: 'listUsers', show: usersPage, nav: 'Users' },
].map((page) => ({ ...page, regex: new RegExp(`^${page.pattern}$`) }));
let lastEnding = null;
/**
 * The editor's words a session ended before they were saved (`unsavedWords()`), for the login
 * page to show once; in memory only, and gone once shown.
 */
let leftover = null;
/** Where a session that timed out was, and whose it was: the same user logging in again returns there. */
let interrupted = null;
let shownHash = null; // the page on screen
let staying = false; // the next hashchange only puts back the address of the page that stayed

/** A page is for a role the server lets call the operation it opens with. */
function allowed(page) {
  return page.operation === null || may(page.operation);
}

async function route() {
  const hash = location.hash || '#/';
  if (staying) {
    staying = false;
    return;
  }
  // The page being left may have work to save first (the note editor); if it cannot, it stays.
  if (current && shownHash && hash !== shownHash && !(await leaving())) {
    staying = true;
    location.replace(shownHash);
    return;
  }
  shownHash = hash;
  if (!current) {
    const page = publicPages[hash] ?? loginPage;
    page({ ended: lastEnding, idleSeconds, leftover });
    lastEnding = null;
    leftover = null;
    return;
  }
  if (publicPages[hash]) {
    location.replace('#/');
    return;
  }
  showNav(hash);
  for (const page of pages) {
    const match = page.regex.exec(hash);
    if (!match) continue;
    if (!allowed(page)) {
      show(el('section', { class: 'card' }, el('h1', {}, 'Not for your role'), message('Your role does not allow this page.')));
      return;
    }
    page.show(...match.slice(1));
    return;
  }
  show(el('section', { class: 'card' }, el('h1', {}, 'Page not found'), el('p', {}, el('a', { href: '#/' }, 'Back to the start'))));
}

/** The main navigation: the pages this role may use, the current one marked. */
function showNav(hash) {
  const nav = document.getElementById('nav');
  const links = [{ pattern: '#/', nav: 'Home', operation: null }, ...pages.filter((page) => page.nav)]
    .filter(allowed)
    .map((page) => {
      const here = hash === page.pattern || (page.pattern !== '#/' && hash.startsWith(page.pattern));
      return el('li', {}, el('a', { href: page.pattern, 'aria-current': here ? 'page' : undefined }, page.nav));
    });
  nav.replaceChildren(el('ul', {}, links));
  nav.hidden = false;
}

let lastUser = null; // the id of the user whose session this page showed last

function showAccount() {
  if (current) lastUser = current.user.id;
  const account = document.getElementById('account');
  account.hidden = !current;
  if (!current) document.getElementById('nav').hidden = true;
  document.getElementById('account-name').textContent = current
    ? [current.user.name, roleTitle(current.user.role), current.tenant?.name].filter(Boolean).join(' · ')
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
    // The idle logout asks nobody anything (a dialog would wait on an empty chair): typed text
    // is saved if it can be, and what could not be is shown once after the logout.
    watchIdle(async () => {
      try {
        await unsavedTextSaver()?.();
        await askTabsToSave();
      } finally {
        logout('idle'); // whatever the saving met, the unattended session ends
      }
    });
    const back = reason === 'login' && interrupted?.user === session.user.id ? interrupted.hash : null;
    interrupted = null;
    go(back ?? (reason === 'login' || publicPages[location.hash] ? '#/' : location.hash || '#/'));
  } else {
    stopWatchingIdle();
    // Read before the page goes: what the editor could not save is the user's to copy.
    leftover = unsavedWords();
    // Only the address (page names and ids) is kept, in memory, and only for the same user.
    if ((reason === 'idle' || reason === 'expired') && shownHash && lastUser) interrupted = { user: lastUser, hash: shownHash };
    lastEnding = reason;
    go('#/login');
  }
});

window.addEventListener('hashchange', route);
// A logout in another tab asks this one to save its text first.
answerSaveRequests(unsavedTextSaver);

document.getElementById('logout').addEventListener('click', async () => {
  const saved = await leaving();
  // Every tab of this browser shares the session: each saves what it holds before it ends.
  const { unsaved } = await askTabsToSave();
  if ((!saved || unsaved > 0) && !(await confirmStep({
    title: 'Log out without saving?',
    text: [
      !saved && 'Your latest changes to the note could not be saved.',
      unsaved > 0 && (unsaved === 1 ? 'Another tab holds note text that could not be saved.'
        : `${unsaved} other tabs hold note text that could not be saved.`),
      'Logging out now loses it.',
    ].filter(Boolean).join(' '),
    confirm: 'Log out anyway', cancel: 'Stay and retry',
  }))) return;
  logout('logout');
});

try {
  if (!(await refresh())) route();
} catch (error) {
  const text = error instanceof Unreachable || error instanceof ApiError
    ? error.message
    : 'Something went wrong while starting; reload the page.';
  show(el('section', { class: 'card narrow' }, el('h1', {}, 'Soapstone'), message(text)));
}
