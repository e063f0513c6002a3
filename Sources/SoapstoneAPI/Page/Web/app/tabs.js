// The page's tabs share one session (the refresh cookie), so they share its end too: through a
// BroadcastChannel of this origin, activity in any tab keeps every tab from the idle logout,
// and a logout in one tab ends the session in all. Messages carry a type and a reason only,
// never anything of a patient.

const channel = 'BroadcastChannel' in window ? new BroadcastChannel('soapstone-session') : null;

export function tellTabs(message) {
  channel?.postMessage(message);
}

export function onTabMessage(handler) {
  channel?.addEventListener('message', (event) => handler(event.data));
}
