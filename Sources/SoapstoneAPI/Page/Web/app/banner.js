import { call } from './api.js';
import { el, patientName } from './ui.js';

/** Sex as the page writes it everywhere: the banner and the chart alike. */
export const sexNames = { female: 'Female', male: 'Male', other: 'Other', unknown: 'Sex unknown' };

/** The patient a clinical page is about (GET /v1/patients/{id}, audited as a read). */
export async function loadPatient(id) {
  return (await call('GET', `/v1/patients/${id}`)).data;
}

/** Whole years (or months, or days, for the youngest) from `birth` (YYYY-MM-DD) to `today`. */
export function age(birth, today = new Date()) {
  const [year, month, day] = birth.split('-').map(Number);
  let months = (today.getFullYear() - year) * 12 + (today.getMonth() + 1 - month);
  if (today.getDate() < day) months -= 1;
  if (months >= 24) return `${Math.floor(months / 12)} y`;
  if (months >= 1) return `${months} mo`;
  const days = Math.floor((today - new Date(year, month - 1, day)) / 86_400_000);
  return `${Math.max(0, days)} d`;
}

/**
 * Who the page is about: family and given name, MRN, birth date with age, sex, and an inactive
 * record marked as such. Every clinical page shows it at its top; the note editor keeps it in
 * view while the page scrolls, so no note is written or signed without the patient in sight.
 */
export function patientBanner(patient) {
  return el('section', { class: 'patient-banner', 'aria-label': 'Patient', 'data-patient-banner': patient.id },
    el('strong', { class: 'name' }, patientName(patient)),
    el('span', {}, `MRN ${patient.mrn}`),
    el('span', {}, `Born ${patient.birth_date} (${age(patient.birth_date)})`),
    el('span', {}, sexNames[patient.sex] ?? patient.sex),
    !patient.active && el('span', { class: 'marker' }, 'Inactive record'));
}
