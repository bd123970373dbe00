/** What a key does in the monitor. */
export type Shortcut = 'toggle-pause' | 'step' | 'heal' | 'help' | 'close-help';

interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly target: EventTarget | null;
}

const NOT_TEXT = new Set([
  'range',
  'checkbox',
  'radio',
  'button',
  'submit',
  'reset',
  'color',
  'file',
]);

/** Whether `target` takes typed text (a text field, a list, an editable element). */
export function takesText(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLElement;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  return !NOT_TEXT.has(((el as HTMLInputElement).type ?? 'text').toLowerCase());
}

/** Whether Space at `target` belongs to it: it presses buttons and links, ticks boxes. */
export function takesSpace(target: EventTarget | null): boolean {
  if (takesText(target)) return true;
  if (!target || typeof (target as Element).tagName !== 'string') return false;
  const el = target as HTMLInputElement;
  if (el.tagName === 'BUTTON' || el.tagName === 'A' || el.tagName === 'SUMMARY') return true;
  return el.tagName === 'INPUT' && el.type !== 'range';
}

/**
 * The shortcut a key press means: Space pauses or resumes, s steps, h heals, ? opens the help
 * and Esc closes it. None while the focus is in a text field; Space is left to a focused button
 * (it presses it: the app takes a mouse-clicked button's focus away, so after a click Space
 * pauses), and nothing happens with Ctrl, Meta or Alt held.
 */
export function shortcutFor(e: KeyLike, helpOpen: boolean): Shortcut | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === 'Escape') return helpOpen ? 'close-help' : null;
  if (helpOpen || takesText(e.target)) return null;
  switch (e.key) {
    case ' ':
    case 'Spacebar':
      return takesSpace(e.target) ? null : 'toggle-pause';
    case 's':
    case 'S':
      return 'step';
    case 'h':
    case 'H':
      return 'heal';
    case '?':
      return 'help';
    default:
      return null;
  }
}
