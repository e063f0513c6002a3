// A word-level diff of two texts: the longest common subsequence of their words (and the
// spaces between them), as runs of kept, removed and added text.

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
  return merge(parts);
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
