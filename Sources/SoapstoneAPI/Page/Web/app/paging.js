// A list read a page at a time (`{items, next_cursor}` answers), the one way every list page
// loads, appends and fails.

import { el } from './ui.js';

/**
 * The rows of `list`, the first page on `reload()` and the next on "Load more". An answer to
 * an older load never replaces a newer one's rows; a first page that fails clears the rows,
 * so another query's rows never stand under its error.
 *
 * - `fetchPage(cursor)` answers the API's page for that cursor (null: the first);
 * - `row(item)` makes one row;
 * - `describe(count, hasMore)` says what is shown, in `status`;
 * - `failure(error)` says what went wrong, in `problem` (or `status` without one).
 *
 * `cancel()` drops the answer of a load still on its way: the caller has cleared the rows
 * for another question.
 */
export function pagedList({ list, status, problem, fetchPage, row, describe, failure, loadingText = 'Loading…' }) {
  const more = el('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  let cursor = null;
  let generation = 0;

  async function load(append) {
    const mine = ++generation;
    status.textContent = loadingText;
    if (problem) problem.textContent = '';
    more.disabled = true;
    try {
      const data = await fetchPage(append ? cursor : null);
      if (mine !== generation) return;
      if (!append) list.replaceChildren();
      list.append(...data.items.map(row));
      cursor = data.next_cursor;
      more.hidden = !cursor;
      status.textContent = describe(list.children.length, Boolean(cursor));
    } catch (error) {
      if (mine !== generation) return;
      if (!append) {
        list.replaceChildren();
        cursor = null;
        more.hidden = true;
      }
      status.textContent = '';
      (problem ?? status).textContent = failure ? failure(error) : error.message;
    } finally {
      more.disabled = false;
    }
  }

  more.addEventListener('click', () => load(true));
  return {
    more,
    reload: () => load(false),
    cancel: () => {
      generation += 1;
      cursor = null;
      more.hidden = true;
    },
  };
}

/** "3 patients, more to load." */
export function counted(count, hasMore, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}${hasMore ? ', more to load' : ''}.`;
}
