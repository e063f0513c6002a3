// Logs out after a stretch without the user touching the page (keyboard, pointer, scroll).
// The length comes from the server (meta soapstone-idle-seconds), 15 minutes by default.

const activity = ['keydown', 'pointerdown', 'wheel', 'touchstart'];
let timer = null;
let onIdle = null;

export const idleSeconds = Number(document.querySelector('meta[name="soapstone-idle-seconds"]')?.content) || 900;

function restart() {
  clearTimeout(timer);
  timer = setTimeout(() => onIdle?.(), idleSeconds * 1000);
}

export function watchIdle(callback) {
  onIdle = callback;
  for (const event of activity) window.addEventListener(event, restart, { passive: true });
  restart();
}

export function stopWatchingIdle() {
  clearTimeout(timer);
  for (const event of activity) window.removeEventListener(event, restart);
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
