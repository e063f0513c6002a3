// Logs out after a stretch without the user touching the page (keyboard, pointer, scroll) in
// any of its tabs. The length comes from the server (meta soapstone-idle-seconds), 15 minutes
// by default.
// A countdown says so before it happens: a minute before (a third of the stretch when that is
// shorter), so nobody is logged out mid-thought without warning.
import { onTabMessage, tellTabs } from './tabs.js';
import { el } from './ui.js';

const activity = ['keydown', 'pointerdown', 'wheel', 'touchstart'];
let timer = null;
let warningTimer = null;
let ticker = null;
let onIdle = null;

export const idleSeconds = Number(document.querySelector('meta[name="soapstone-idle-seconds"]')?.content) || 900;
const warningSeconds = Math.max(1, Math.min(60, Math.floor(idleSeconds / 3)));

const countdown = el('span', {});
const warning = el('div', { class: 'idle-warning', role: 'alert', hidden: true, 'data-idle-warning': '' },
  countdown, ' ', el('button', { type: 'button', class: 'secondary', onclick: () => active() }, 'Stay logged in'));
document.body.append(warning);

let lastTold = 0;

function hideWarning() {
  clearInterval(ticker);
  warning.hidden = true;
}

function warn() {
  const end = Date.now() + warningSeconds * 1000;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    countdown.textContent = `No activity: you will be logged out in ${duration(left)}. Typed note text is saved first.`;
  };
  tick();
  warning.hidden = false;
  ticker = setInterval(tick, 1000);
}

function restart() {
  clearTimeout(timer);
  clearTimeout(warningTimer);
  hideWarning();
  if (!onIdle) return;
  warningTimer = setTimeout(warn, (idleSeconds - warningSeconds) * 1000);
  timer = setTimeout(() => {
    hideWarning();
    onIdle?.();
  }, idleSeconds * 1000);
}

/** The user did something here: this tab and the others start counting again. */
function active() {
  restart();
  // Once a second at most: a keystroke need not become a message to every tab.
  if (Date.now() - lastTold > 1000) {
    lastTold = Date.now();
    tellTabs({ type: 'activity' });
  }
}

onTabMessage((message) => {
  if (message?.type === 'activity') restart();
});

export function watchIdle(callback) {
  onIdle = callback;
  for (const event of activity) window.addEventListener(event, active, { passive: true });
  restart();
}

export function stopWatchingIdle() {
  clearTimeout(timer);
  clearTimeout(warningTimer);
  hideWarning();
  for (const event of activity) window.removeEventListener(event, active);
  onIdle = null;
}

/** "15 minutes", "30 seconds": for messages. */
export function duration(seconds) {
  if (seconds >= 60) {
    const minutes = Math.round(seconds / 60);
    return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  }
  return `${seconds} second${seconds === 1 ? '' : 's'}`;
}
