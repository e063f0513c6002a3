// Who a user id is: the organisation's staff (GET /v1/staff, names and roles only, every page),
// fetched once per session, so authors, signers and the audit log read as people, not UUIDs.

import { callAll, current, onSessionChange } from './api.js';

let known = new Map();
let loading = null;

onSessionChange(() => {
  known = new Map();
  loading = null;
});

/** Fetches the staff once per session. Names are a help, not a need: on failure ids stay. */
export function loadStaff() {
  loading ??= callAll('/v1/staff').then(
    (staff) => {
      known = new Map(staff.map((member) => [member.id, member]));
    },
    () => {
      loading = null;
    });
  return loading;
}

/** The staff as [id, name] pairs by name, for a choice of people. */
export function staffChoices() {
  return [...known.values()].map((member) => [member.id, displayName(member)]);
}

/** How a user appears on a page: "you", their name, or their id when not known. */
export function nameOf(id) {
  if (!id) return '—';
  if (id === current?.user.id) return 'you';
  const member = known.get(id);
  return member ? displayName(member) : id;
}

const displayName = (member) => (member.active ? member.name : `${member.name} (deactivated)`);
