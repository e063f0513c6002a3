// Logs out after a stretch without the user touching the page (keyboard, pointer, scroll) in
// any of its tabs. The length comes from the server (meta soapstone-idle-seconds), 15 minutes
// by default.
import { onTabMessage, tellTabs } from './tabs.js';

const activity = ['keydown', 'pointerdown', 'wheel', 'touchstart'];
let timer = null;
let onIdle = null;

export const idleSeconds = Number(document.querySelector('meta[name="soapstone-idle-seconds"]')?.content) || 900;

let lastTold = 0;

function restart() {
  clearTimeout(timer);
  if (onIdle) timer = setTimeout(() => onIdle?.(), idleSeconds * 1000);
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
