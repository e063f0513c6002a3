import { ApiError, call, ifMatch, may as allowed, sendOnExit } from '../api.js';
import { loadPatient, patientBanner } from '../banner.js';
import { diffNodes } from '../diff.js';
import { loadStaff, nameOf } from '../staff.js';
import {
  busy, confirmStep, el, field, loading, message, onLeaving, onUnsavedText, patientName, show, showFailure, when,
} from '../ui.js';

const sections = [
  ['subjective', 'Subjective', 'What the patient reports'],
  ['objective', 'Objective', 'Findings, measurements'],
  ['assessment', 'Assessment', 'Diagnosis, reasoning'],
  ['plan', 'Plan', 'Treatment, follow-up'],
];
/**
 * When the editor keeps a version by itself: once typing pauses this long, and at least this
 * often while it goes on (the server says, in the page's meta tags). Every version is a
 * revision someone can name in History, not a keystroke's.
 */
const seconds = (name, fallback) => Number(document.querySelector(`meta[name="${name}"]`)?.content) || fallback;
const autosavePause = seconds('soapstone-autosave-pause-seconds', 10) * 1000;
const autosaveAtMost = seconds('soapstone-autosave-most-seconds', 180) * 1000;

/** The editor's text not yet saved, if an editor is open: read when the page is closed. */
let unsavedDraft = null;
/** Whether the editor holds text no version has, a conflict's included: a reload asks first. */
let holdsUnsaved = null;
window.addEventListener('beforeunload', (event) => {
  if (holdsUnsaved?.()) event.preventDefault();
});
window.addEventListener('pagehide', () => {
  const draft = unsavedDraft?.();
  if (draft) sendOnExit('PUT', `/v1/notes/${draft.id}`, { body: draft.text, headers: ifMatch(draft.version) });
});

const content = (note) => Object.fromEntries(sections.map(([key]) => [key, note[key]]));
const same = (a, b) => sections.every(([key]) => a[key] === b[key]);

/** One note: the SOAP editor for a draft, read-only once signed, with its lifecycle. */
export async function notePage(id) {
  show(loading());
  let note;
  let patient;
  try {
    [[note, patient]] = await Promise.all([
      call('GET', `/v1/notes/${id}`).then(async ({ data }) => [data, await loadPatient(data.patient_id)]),
      loadStaff(),
    ]);
  } catch (error) {
    showFailure('Note', error, 'No such note in your organisation.');
    return;
  }
  // What may be done to the note is the server's word (its `actions`): a draft this user may
  // save opens in the editor, anything else read-only with the actions offered.
  if (note.actions.includes('save')) draftEditor(note, patient);
  else frozenNote(note, patient);
}

function header(note, title) {
  return [
    el('p', { class: 'actions' },
      el('a', { href: `#/encounters/${note.encounter_id}` }, 'Back to the encounter'),
      el('a', { href: `#/notes/${note.id}/history` }, 'History')),
    el('h1', {}, title),
  ];
}

function draftEditor(initial, patient) {
  let saved = initial; // the server's note as last seen
  let saving = null;
  let conflict = false;
  const may = (action) => initial.actions.includes(action);
  // Whether the note may be signed now is the server's word about the version last seen (its
  // `actions`): not at a version saved with a conflict unresolved, until a later save.
  const signButton = allowed('signNote')
    && el('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => sign() }, 'Sign');
  const state = el('p', { class: 'state', role: 'status', 'aria-live': 'polite' }, `Version ${saved.version}, saved.`);
  const status = message();
  // A failed save stays in view, pinned under the patient, until a save succeeds.
  const failureText = el('span', {});
  const failure = el('div', { class: 'save-failure', role: 'alert', hidden: true, 'data-save-failure': true },
    failureText, el('button', { type: 'button', class: 'secondary', onclick: () => save() }, 'Retry'));
  const form = el('form', { novalidate: true, class: 'soap', 'aria-labelledby': 'note-title' },
    sections.map(([key, label, hint]) => {
      const id = `section-${key}`;
      return el('div', { class: 'field' },
        el('label', { for: id }, label),
        el('p', { class: 'hint', id: `${id}-hint` }, hint),
        el('textarea', { id, name: key, rows: 5, 'aria-describedby': `${id}-hint` }, saved[key]));
    }),
    status,
    el('div', { class: 'actions' },
      el('button', { type: 'submit' }, 'Save as a new version'),
      signButton));
  const conflictPanel = el('section', { class: 'conflict', hidden: true, 'aria-labelledby': 'conflict-title' });
  // Someone else's words a merge brought into this editor, by section, until this user has read
  // them ({ base, theirs, who }): nobody signs words they have not seen. Signing stops while any
  // are here; they are shown highlighted, and a sign the server refused for a newer version
  // brings that version's words here too.
  const incoming = new Map();
  const reviewPanel = el('section', { class: 'incoming', hidden: true, 'aria-labelledby': 'incoming-title' });
  // Why a sign did not happen, pinned in view under the patient until the changes are read.
  const notSigned = el('div', { class: 'save-failure', role: 'alert', hidden: true, 'data-not-signed': true });
  // The version last seen was saved with a conflict unresolved: what it replaced, highlighted.
  const unresolvedPanel = el('section', {
    class: 'incoming', hidden: true, 'data-unresolved': true, 'aria-labelledby': 'unresolved-title',
  });
  let unresolvedShown = null; // the version the panel shows
  let unresolvedSaving = null; // `saveUnresolved` under way
  let savedUnresolved = null; // the version this page saved with a conflict unresolved
  const typed = () => Object.fromEntries(sections.map(([key]) => [key, form.elements[key].value]));

  let refreshMerge = () => {}; // while a conflict shows, keeps its comparison up to date
  let pauseTimer = null;
  let unsavedSince = null; // when typing began that no version holds yet
  const dirty = () => !same(typed(), saved);
  /** A version once typing pauses, or now when it has gone on for long enough. */
  const schedule = () => {
    clearTimeout(pauseTimer);
    if (!dirty()) {
      unsavedSince = null;
      return;
    }
    unsavedSince ??= Date.now();
    if (Date.now() - unsavedSince >= autosaveAtMost) save();
    else pauseTimer = setTimeout(() => save(), autosavePause);
  };
  form.addEventListener('input', () => {
    if (!conflict) state.textContent = `Version ${saved.version}; changes not saved yet.`;
    refreshMerge();
    schedule();
  });
  const open = () => document.body.contains(form);
  unsavedDraft = () => (open() && !conflict && dirty() ? { id: saved.id, version: saved.version, text: typed() } : null);
  holdsUnsaved = () => open() && dirty();
  onUnsavedText({
    // The session ending (idle, or a logout in another tab) saves this text first. Nobody is
    // there to choose in a merge: one open, or one this save runs into, is saved as it stands
    // and marked unresolved (`saveUnresolved`).
    saver: () => {
      if (!open() || !dirty()) return null;
      return async () => (conflict ? saveUnresolved() : (await save()) || (conflict && saveUnresolved()));
    },
    // A session that ends before a save (an admin changed the role) shows these words once.
    words: () => {
      if (!open()) return null;
      const mine = typed();
      return {
        about: `the note for ${patientName(patient)} (MRN ${patient.mrn})`,
        sections: sections.filter(([key]) => mine[key] !== saved[key]).map(([key, label]) => [label, mine[key]]),
        unresolved: savedUnresolved,
      };
    },
  });
  // Leaving the editor (a link, Back, logging out) saves what is typed first; if that fails,
  // the editor stays, saying so.
  onLeaving(async () => {
    if (!open() || !dirty()) return true;
    if (conflict) {
      return confirmStep({
        title: 'Leave without saving?',
        text: 'Your text is not saved: another version was saved meanwhile. Leaving now loses your text.',
        confirm: 'Leave anyway', cancel: 'Stay',
      });
    }
    return save();
  });

  /**
   * Saves what is typed as the next version, from the version this page last saw. When someone
   * saved first, their version is merged with this one section by section (`mergeWith`) and
   * the merge saved, unless both changed the same section: then the page asks.
   */
  async function save({ evenUnchanged = false } = {}) {
    if (conflict) return false;
    if (saving) return saving;
    if (same(typed(), saved) && !evenUnchanged) return true;
    saving = (async () => {
      state.textContent = 'Saving…';
      try {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          try {
            const { data } = await call('PUT', `/v1/notes/${saved.id}`, {
              body: typed(), headers: ifMatch(saved.version),
            });
            adopt(data);
            state.textContent = `Version ${saved.version}, saved at ${when(new Date())}.`;
            failure.hidden = true;
            return true;
          } catch (error) {
            if (!(error instanceof ApiError) || error.status !== 412) throw error;
            if (!(await mergeWith())) return false;
          }
        }
        return false;
      } catch (error) {
        state.textContent = `Version ${saved.version}; changes not saved.`;
        failureText.textContent = `Your latest changes are not saved: ${error.message} They stay here until a save succeeds.`;
        failure.hidden = false;
        return false;
      } finally {
        saving = null;
        unsavedSince = null;
        if (open() && !conflict && failure.hidden) schedule(); // text typed while saving
      }
    })();
    return saving;
  }

  /**
   * Someone saved a version while this page was writing: a three-way merge from the version
   * both started from (`saved`). A section only they changed takes their text, one only this
   * page changed keeps it; answers true when that was all (the merge is then saved from their
   * version). A section both changed is shown side by side for a choice; nothing is
   * overwritten meanwhile.
   */
  async function mergeWith() {
    const base = saved;
    const theirs = (await call('GET', `/v1/notes/${saved.id}`)).data;
    if (theirs.status !== 'draft') {
      conflict = true;
      frozenNote(
        theirs, patient, 'Someone signed or withdrew this note while you were writing; your unsaved text is below.', typed());
      return false;
    }
    const their = (await call('GET', `/v1/notes/${saved.id}/versions/${theirs.version}`)).data;
    const who = `${nameOf(their.author_id)} at ${when(their.created_at)}`;
    const mine = typed();
    const clashes = [];
    const taken = [];
    for (const [key, label] of sections) {
      if (mine[key] === theirs[key] || theirs[key] === base[key]) continue; // the same, or only mine changed
      if (mine[key] === base[key]) {
        form.elements[key].value = theirs[key]; // only theirs changed
        taken.push(label);
        // Words this page's user has not seen yet: reviewed before signing (since the first
        // version they came after, however many arrive).
        const earlier = incoming.get(key);
        incoming.set(key, { base: earlier ? earlier.base : base[key], theirs: theirs[key], who });
      } else {
        clashes.push([key, label]);
      }
    }
    showIncoming();
    adopt(theirs);
    const merged = taken.length ? ` Their ${taken.join(', ').toLowerCase()} is kept with your text.` : '';
    if (clashes.length === 0) {
      state.textContent = `Merged with version ${theirs.version}, saved by ${who}.${merged}`;
      return true;
    }
    conflict = true;
    state.textContent = `Not saved yet: version ${theirs.version} was saved by ${who}, and you both changed `
      + `${clashes.map(([, label]) => label.toLowerCase()).join(' and ')}.`;
    const boxes = clashes.map(([key, label]) => clashBox(key, label, base, theirs, who));
    refreshMerge = () => boxes.forEach((box) => box.render());
    conflictPanel.replaceChildren(
      el('h2', { id: 'conflict-title' }, `Version ${theirs.version} was saved by ${who} while you were writing`),
      el('p', {}, `Nothing is lost: version ${theirs.version} stays in the history whatever you choose.${merged} `
        + 'Where you both changed a section, choose their text or yours, or edit yours below, then save the merged note.'),
      el('div', { class: 'compare' }, boxes.map((box) => box.node)),
      el('div', { class: 'actions' },
        el('button', {
          type: 'button',
          onclick: async () => {
            closeConflict();
            await save();
          },
        }, 'Save the merged note')));
    refreshMerge();
    conflictPanel.hidden = false;
    conflictPanel.querySelector('h2').tabIndex = -1;
    conflictPanel.querySelector('h2').focus();
    return false;
  }

  /** A section both changed: what they changed and what you changed, each from the common version. */
  function clashBox(key, label, base, theirs, who) {
    const node = el('div', { class: 'theirs', 'data-merge': key });
    const render = () => {
      const mine = form.elements[key].value;
      node.replaceChildren(
        el('h3', {}, label),
        el('p', { class: 'hint' }, `Their change (${who}):`),
        el('p', { class: 'text diff', 'data-theirs': key }, diffNodes(base[key], theirs[key])),
        el('p', { class: 'hint' }, 'Your change:'),
        el('p', { class: 'text diff', 'data-mine': key }, diffNodes(base[key], mine)),
        el('div', { class: 'actions' },
          el('button', {
            type: 'button', class: 'secondary',
            onclick: () => {
              form.elements[key].value = theirs[key];
              render();
              form.elements[key].focus();
            },
          }, `Use their ${label.toLowerCase()}`),
          el('button', {
            type: 'button', class: 'secondary',
            onclick: () => {
              form.elements[key].focus();
            },
          }, `Keep my ${label.toLowerCase()}`)));
    };
    return { node, render };
  }

  /** The words others brought in and this user has not yet read, highlighted against the text before them. */
  function showIncoming() {
    if (incoming.size === 0) {
      reviewPanel.hidden = true;
      reviewPanel.replaceChildren();
      notSigned.hidden = true;
      return;
    }
    reviewPanel.replaceChildren(
      el('h2', { id: 'incoming-title', tabindex: '-1' }, 'Changed by someone else while you were writing'),
      el('p', {}, 'These words are part of the note now. Read the highlighted changes before you sign.'),
      ...sections.filter(([key]) => incoming.has(key)).map(([key, label]) => {
        const change = incoming.get(key);
        return el('div', { class: 'theirs', 'data-incoming': key },
          el('h3', {}, `${label} (${change.who})`),
          el('p', { class: 'text diff' }, diffNodes(change.base, change.theirs)));
      }),
      el('div', { class: 'actions' },
        el('button', {
          type: 'button', class: 'secondary',
          onclick: () => {
            incoming.clear();
            showIncoming();
            form.elements.subjective.focus();
          },
        }, 'I have read these changes')));
    reviewPanel.hidden = false;
  }

  /** Signing stops: says why in view, and takes the reader to the changes. */
  function stopSigning(reason) {
    if (!open()) return;
    notSigned.textContent = reason;
    notSigned.hidden = false;
    showIncoming();
    reviewPanel.querySelector('h2')?.focus();
  }

  /** The server's note as this page last saw it: what it may do next, and whether a conflict was left unresolved. */
  function adopt(note) {
    saved = note;
    if (signButton) signButton.hidden = !saved.actions.includes('sign');
    showUnresolved();
  }

  /**
   * The session ends (idle, or a logout in another tab) while a merge is still open: nobody is
   * there to choose, so the user's side is saved as it stands, marked unresolved_conflict for
   * the next reader, rather than lost; the other version stays in History. From the newest
   * version if another came meanwhile. Answers whether it was saved, never throws (the session
   * ends either way), and runs once however many ask (each tab's idle logout, another tab's).
   */
  function saveUnresolved() {
    unresolvedSaving ??= (async () => {
      let base = saved.version;
      try {
        for (let attempt = 0; attempt < 3; attempt += 1) {
          try {
            const { data } = await call('PUT', `/v1/notes/${saved.id}`, {
              body: { ...typed(), unresolved_conflict: true }, headers: ifMatch(base),
            });
            closeConflict();
            // The session is ending: the version is this page's own, so it reads nothing more
            // (the next reader is shown what it replaced).
            saved = data;
            savedUnresolved = data.version;
            if (signButton) signButton.hidden = true;
            state.textContent = `Version ${data.version}, saved with the conflict unresolved.`;
            return true;
          } catch (error) {
            if (!(error instanceof ApiError) || error.status !== 412) return false;
            const { data } = await call('GET', `/v1/notes/${saved.id}`);
            if (data.status !== 'draft') return false;
            base = data.version;
          }
        }
        return false;
      } catch {
        return false;
      } finally {
        unresolvedSaving = null;
      }
    })();
    return unresolvedSaving;
  }

  /** Says so when the version last seen was saved with a conflict unresolved, with what it replaced. */
  async function showUnresolved() {
    const { version } = saved;
    if (!saved.unresolved_conflict) {
      unresolvedShown = null;
      unresolvedPanel.hidden = true;
      unresolvedPanel.replaceChildren();
      return;
    }
    if (unresolvedShown === version) return;
    unresolvedShown = version;
    const title = el('h2', { id: 'unresolved-title', tabindex: '-1' }, `Version ${version} was saved with a conflict unresolved`);
    unresolvedPanel.replaceChildren(title, el('p', {}, 'Reading what it replaced…'));
    unresolvedPanel.hidden = false;
    let before;
    let mine;
    try {
      [before, mine] = await Promise.all([version - 1, version].map(
        (n) => call('GET', `/v1/notes/${saved.id}/versions/${n}`).then(({ data }) => data)));
    } catch (error) {
      if (unresolvedShown === version) {
        unresolvedPanel.replaceChildren(title, el('p', { class: 'error', role: 'alert' },
          `Versions ${version - 1} and ${version} could not be read: ${error.message} Compare them in History.`));
      }
      return;
    }
    if (unresolvedShown !== version) return;
    unresolvedPanel.replaceChildren(
      title,
      el('p', {}, `Saved by ${nameOf(mine.author_id)} at ${when(mine.created_at)}: the session ended before the conflict `
        + `with version ${version - 1} was resolved, and the text was kept as it stood. Where it differs from version `
        + `${version - 1}, the changes are highlighted. Save the note as it should read, or keep it as it is, before `
        + 'it is signed.'),
      ...sections.filter(([key]) => before[key] !== mine[key]).map(([key, label]) => el('div', {
        class: 'theirs', 'data-unresolved-section': key,
      },
        el('h3', {}, label),
        el('p', { class: 'text diff' }, diffNodes(before[key], mine[key])))),
      el('div', { class: 'actions' },
        el('button', {
          type: 'button', class: 'secondary',
          onclick: () => busy(form, 'Saving…', () => save({ evenUnchanged: true })),
        }, 'Keep this text')));
  }

  function closeConflict() {
    refreshMerge = () => {};
    conflict = false;
    conflictPanel.hidden = true;
    conflictPanel.replaceChildren();
  }

  async function sign() {
    if (!(await save())) return;
    status.textContent = '';
    if (!saved.actions.includes('sign')) return; // the server's word on this version: the panel says why
    if (incoming.size > 0) {
      stopSigning('Not signed yet: someone else changed the note while you were writing. Read the highlighted changes, then sign again.');
      return;
    }
    const attested = await confirmStep({
      title: 'Sign this note',
      text: `I attest that this note for ${patientName(patient)} (MRN ${patient.mrn}, born ${patient.birth_date}) `
        + 'is accurate and complete. Once signed, it changes only by amendment.',
      confirm: 'Sign the note',
    });
    if (!attested) return;
    try {
      const { data } = await call('POST', `/v1/notes/${saved.id}/sign`, { headers: ifMatch(saved.version) });
      clearTimeout(pauseTimer);
      frozenNote(data, patient);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 412) {
        status.textContent = error.message;
        return;
      }
      // Another version came first: the signature was refused for it. Its words come in to be
      // read, never signed unseen.
      if (await mergeWith()) await save();
      stopSigning('Not signed: the note changed. Review the changes and sign again.');
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // In a conflict the editor holds the merge as the user has made it so far (the panel shows
    // both sides): saving it is saving the merged note, as the panel's own button does.
    if (conflict) closeConflict();
    await busy(form, 'Saving…', save);
  });

  show(el('div', { class: 'pinned' }, patientBanner(patient), failure, notSigned), el('section', { class: 'card' },
    ...header(saved, 'Draft note'),
    el('p', { class: 'meta', 'data-provenance': 'author' }, `Written by ${nameOf(saved.author_id)}.`),
    // Whoever cannot sign should not take a saved draft for a finished record.
    !allowed('signNote') && el('p', { class: 'awaits', 'data-awaits': 'signature' },
      'Awaits a physician\'s signature: until it is signed, this draft is not part of the signed record.'),
    state,
    unresolvedPanel,
    reviewPanel,
    conflictPanel,
    form,
    may('enter_in_error') && withdrawal(() => saved, patient, (data) => {
      clearTimeout(pauseTimer);
      frozenNote(data, patient);
    })));
  adopt(saved);
}

/** A signed, amended or withdrawn note: read-only, with its provenance and what may follow. */
function frozenNote(note, patient, notice, unsaved) {
  const titles = {
    draft: 'Draft note', signed: 'Signed note', amended: 'Amended note', entered_in_error: 'Note entered in error',
  };
  const withdrawn = note.status === 'entered_in_error';
  show(patientBanner(patient), el('section', { class: withdrawn ? 'card entered-in-error' : 'card' },
    ...header(note, titles[note.status] ?? 'Note'),
    // Unmistakable: a withdrawn note's words stay readable for the record, never as valid.
    withdrawn && el('p', { class: 'withdrawn-banner', role: 'note', 'data-withdrawn': true },
      `Entered in error: not to be relied on. Reason: ${note.entered_in_error_reason}`),
    notice && message(notice),
    note.signed_at && el('dl', { class: 'facts signature' },
      el('dt', {}, 'Signed by'), el('dd', {}, nameOf(note.signed_by)),
      el('dt', {}, 'Signed at'), el('dd', {}, when(note.signed_at)),
      el('dt', {}, 'Signed version'), el('dd', {}, String(note.signed_version)),
      el('dt', {}, 'SHA-256 of the signed version'), el('dd', { class: 'hash' }, note.signed_sha256)),
    provenance(note),
    el('p', {}, `Version ${note.version}.`),
    sections.map(([key, label]) => el('div', { class: 'section' },
      el('h2', {}, label), el('p', { class: 'text', 'data-section': key }, note[key] || '—'))),
    unsaved && el('details', {}, el('summary', {}, 'Your unsaved text'),
      sections.map(([key, label]) => el('p', {}, el('strong', {}, `${label}: `), unsaved[key] || '—'))),
    note.actions.includes('amend') && amendment(note, patient),
    note.actions.includes('enter_in_error') && withdrawal(() => note, patient, (data) => frozenNote(data, patient))));
}

/**
 * The note's story on its own face: who wrote it, who signed it, each amendment (who, when,
 * why, from its versions) and, if it came to that, who marked it entered in error, when and why.
 */
function provenance(note) {
  const list = el('ul', { class: 'provenance', 'aria-label': 'Provenance' },
    el('li', { 'data-provenance': 'author' }, `Written by ${nameOf(note.author_id)}.`),
    note.signed_at && el('li', { 'data-provenance': 'signature' },
      `Signed by ${nameOf(note.signed_by)} on ${when(note.signed_at)} (version ${note.signed_version}).`));
  if (note.status === 'entered_in_error') {
    const by = note.entered_in_error_by ? ` by ${nameOf(note.entered_in_error_by)}` : '';
    const at = note.entered_in_error_at ? ` on ${when(note.entered_in_error_at)}` : '';
    list.append(el('li', { 'data-provenance': 'entered-in-error' },
      `Entered in error${by}${at}: ${note.entered_in_error_reason}`));
  }
  if (note.signed_version && note.version > note.signed_version) {
    call('GET', `/v1/notes/${note.id}/versions`).then(({ data }) => {
      const amendments = data.items.filter((v) => v.version > note.signed_version).map((v) => el('li', {
        'data-provenance': 'amendment',
      }, `Amended by ${nameOf(v.author_id)} on ${when(v.created_at)} (version ${v.version}): ${v.reason}`));
      list.querySelector('[data-provenance="signature"]').after(...amendments);
    }).catch(() => list.append(el('li', {}, 'The amendments could not be loaded; see History.')));
  }
  return list;
}

function amendment(note, patient) {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'amend-title' },
    el('h2', { id: 'amend-title' }, 'Amend'),
    el('p', { class: 'hint' }, 'An amendment is a new version with a reason; the signed version stays as it was.'),
    sections.map(([key, label]) => el('div', { class: 'field' },
      el('label', { for: `amend-${key}` }, label),
      el('textarea', { id: `amend-${key}`, name: key, rows: 4 }, note[key]))),
    field({ name: 'reason', label: 'Reason for the amendment' }),
    status,
    el('button', { type: 'submit' }, 'Amend the note'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = Object.fromEntries(sections.map(([key]) => [key, String(data.get(key))]));
    body.reason = String(data.get('reason')).trim();
    if (!body.reason) {
      status.textContent = 'Say why the note is amended.';
      return;
    }
    await busy(form, 'Amending…', async () => {
      try {
        const answer = await call('POST', `/v1/notes/${note.id}/amend`, { body, headers: ifMatch(note.version) });
        frozenNote(answer.data, patient);
      } catch (error) {
        status.textContent = error.status === 412
          ? 'Someone amended the note meanwhile; reload it to see their version.'
          : error.message;
      }
    });
  });
  return el('details', { class: 'panel' }, el('summary', {}, 'Amend this note'), form);
}

/**
 * Marks the note entered in error, after a confirmation that names the patient and the note's
 * author; `note()` answers the note as last saved, for its If-Match.
 */
function withdrawal(note, patient, done) {
  const status = message();
  const form = el('form', { novalidate: true, 'aria-labelledby': 'withdraw-title' },
    el('h2', { id: 'withdraw-title' }, 'Mark entered in error'),
    el('p', { class: 'hint' }, 'For a note written for the wrong patient or encounter. It stays on record, marked.'),
    field({ name: 'withdraw-reason', label: 'Reason' }),
    status,
    el('button', { type: 'submit', class: 'secondary' }, 'Mark entered in error'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const reason = String(new FormData(form).get('withdraw-reason')).trim();
    if (!reason) {
      status.textContent = 'Say why the note is entered in error.';
      return;
    }
    const latest = note();
    const confirmed = await confirmStep({
      title: 'Mark this note entered in error?',
      text: `The note for ${patientName(patient)} (MRN ${patient.mrn}) written by ${nameOf(latest.author_id)} `
        + 'will be marked entered in error: kept on record, no longer to be relied on, and never changed again.',
      confirm: 'Mark entered in error', cancel: 'Keep the note',
    });
    if (!confirmed) return;
    await busy(form, 'Marking…', async () => {
      try {
        const answer = await call('POST', `/v1/notes/${latest.id}/entered-in-error`, {
          body: { reason }, headers: ifMatch(latest.version),
        });
        done(answer.data);
      } catch (error) {
        status.textContent = error.message;
      }
    });
  });
  return el('details', { class: 'panel' }, el('summary', {}, 'Mark entered in error'), form);
}
