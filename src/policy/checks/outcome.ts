/** What a built-in check concludes: passed, or failed with the reason in one line. */
export type CheckOutcome = { pass: true } | { pass: false; reason: string };

/** Passed. */
export const passed: CheckOutcome = { pass: true };

/** Failed because of `items` (the first few named, then how many more). */
export function failedWith(what: string, items: readonly string[], shown = 3): CheckOutcome {
  const named = items.slice(0, shown).join(', ');
  const more = items.length > shown ? ` and ${items.length - shown} more` : '';
  return { pass: false, reason: `${what}: ${named}${more}` };
}
