// The page's tabs share one session (the refresh cookie), so they share its end too: through a
// BroadcastChannel of this origin, activity in any tab keeps every tab from the idle logout,
// and a logout in one tab ends the session in all, after each tab has saved what it holds.
// Messages carry a type, a reason and ids of tabs and requests only, never anything of a patient.

const channel = 'BroadcastChannel' in window ? new BroadcastChannel('soapstone-session') : null;

export function tellTabs(message) {
  channel?.postMessage(message);
}

export function onTabMessage(handler) {
  channel?.addEventListener('message', (event) => handler(event.data));
}

/** This tab, to tell its answers from another's. */
const tab = crypto.randomUUID();

/**
 * Before the session ends: asks every other tab to save the text it holds and waits for those
 * that hold some (at most `limitMs`). Answers how many could not save, or did not say in time.
 */
export async function askTabsToSave(limitMs = 5000) {
  if (!channel) return { unsaved: 0 };
  const ask = crypto.randomUUID();
  const saving = new Set();
  const failed = new Set();
  const done = new Set();
  const listen = (event) => {
    const answer = event.data;
    if (answer?.ask !== ask) return;
    if (answer.type === 'saving') saving.add(answer.tab);
    if (answer.type === 'saved') {
      done.add(answer.tab);
      if (!answer.ok) failed.add(answer.tab);
    }
  };
  channel.addEventListener('message', listen);
  channel.postMessage({ type: 'save-request', ask });
  const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
  const started = Date.now();
  await pause(300); // a tab holding text says so at once
  while ([...saving].some((other) => !done.has(other)) && Date.now() - started < limitMs) await pause(100);
  channel.removeEventListener('message', listen);
  return { unsaved: failed.size + [...saving].filter((other) => !done.has(other)).length };
}

/**
 * Answers other tabs' `askTabsToSave`: `saver()` answers null when this tab holds no unsaved
 * text, else a function that saves it and answers whether it could.
 */
export function answerSaveRequests(saver) {
  onTabMessage(async (message) => {
    if (message?.type !== 'save-request') return;
    const save = saver();
    if (!save) return;
    tellTabs({ type: 'saving', ask: message.ask, tab });
    let ok = false;
    try {
      ok = await save();
    } finally {
      tellTabs({ type: 'saved', ask: message.ask, tab, ok });
    }
  });
}
