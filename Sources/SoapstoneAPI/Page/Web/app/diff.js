// A phrase-level diff of two texts: the longest common subsequence of their words (and the
// spaces between them), with neighbouring changed words read as one phrase, so "500 mg" to
// "1 g" is one change, not two.

import { el } from './ui.js';

const tokens = (text) => text.match(/\s+|[^\s]+/g) ?? [];
const largest = 4_000_000; // cells of the table; beyond it the whole text counts as replaced

/** [{ kind: 'same' | 'removed' | 'added', text }] turning `before` into `after`. */
function wordDiff(before, after) {
  const a = tokens(before);
  const b = tokens(after);
  if (a.length * b.length > largest) return merge([{ kind: 'removed', text: before }, { kind: 'added', text: after }]);
  // lengths[i][j]: the longest common run of a[i..] and b[j..], in one flat array.
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i -= 1) {
    for (let j = b.length - 1; j >= 0; j -= 1) {
      lengths[i * width + j] = a[i] === b[j]
        ? lengths[(i + 1) * width + j + 1] + 1
        : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const parts = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      parts.push({ kind: 'same', text: a[i] });
      i += 1;
      j += 1;
    } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
      parts.push({ kind: 'removed', text: a[i] });
      i += 1;
    } else {
      parts.push({ kind: 'added', text: b[j] });
      j += 1;
    }
  }
  for (; i < a.length; i += 1) parts.push({ kind: 'removed', text: a[i] });
  for (; j < b.length; j += 1) parts.push({ kind: 'added', text: b[j] });
  return phrases(merge(parts));
}

/**
 * Changes separated by blanks only become one removed and one added phrase: a kept space
 * between two changed words is part of the change, not of the text around it.
 */
function phrases(parts) {
  const result = [];
  let removed = '';
  let added = '';
  let pending = ''; // blanks kept between changes, not yet known to be inside a phrase
  const flush = () => {
    if (removed || added) result.push({ kind: 'removed', text: removed }, { kind: 'added', text: added });
    removed = '';
    added = '';
  };
  for (const part of parts) {
    if (part.kind === 'same' && /^\s+$/.test(part.text) && (removed || added)) {
      pending += part.text;
    } else if (part.kind === 'same') {
      flush();
      result.push({ kind: 'same', text: pending + part.text });
      pending = '';
    } else {
      removed += pending;
      added += pending;
      pending = '';
      if (part.kind === 'removed') removed += part.text;
      else added += part.text;
    }
  }
  flush();
  if (pending) result.push({ kind: 'same', text: pending });
  return merge(result);
}

function merge(parts) {
  const merged = [];
  for (const part of parts) {
    if (!part.text) continue;
    const last = merged[merged.length - 1];
    if (last && last.kind === part.kind) last.text += part.text;
    else merged.push({ ...part });
  }
  return merged;
}

/** The diff as page content: kept text as it is, removed in <del>, added in <ins>. */
export function diffNodes(before, after) {
  return wordDiff(before, after).map((part) => (part.kind === 'same'
    ? part.text
    : el(part.kind === 'added' ? 'ins' : 'del', {}, part.text)));
}
