/** Who is editing: shown next to their caret and in presence lists. */
export interface EditorUser {
  /** 1–64 characters after trimming. */
  readonly name: string;
  /** A `#rrggbb` colour; carets only render colours of this form. */
  readonly color: string;
}

export const MAX_USER_NAME_LENGTH = 64;

const COLOR = /^#[0-9a-fA-F]{6}$/u;

export function isUserColor(value: unknown): value is string {
  return typeof value === 'string' && COLOR.test(value);
}

/**
 * Reads a user from untrusted data (another client's awareness state):
 * anything that is not a usable name and colour yields null, and a long name
 * is cut rather than allowed to stretch the layout.
 */
export function readEditorUser(value: unknown): EditorUser | null {
  if (typeof value !== 'object' || value === null) return null;
  const { name, color } = value as { name?: unknown; color?: unknown };
  if (typeof name !== 'string' || !isUserColor(color)) return null;
  const trimmed = name.trim();
  if (trimmed.length === 0) return null;
  return { name: Array.from(trimmed).slice(0, MAX_USER_NAME_LENGTH).join(''), color };
}

/** Checks a user given by the application: a programmer error throws. */
export function requireEditorUser(value: unknown): EditorUser {
  if (typeof value !== 'object' || value === null) throw new TypeError('user must be { name, color }');
  const { name, color } = value as { name?: unknown; color?: unknown };
  if (typeof name !== 'string' || name.trim().length === 0) throw new TypeError('user.name must be a non-empty string');
  if (Array.from(name.trim()).length > MAX_USER_NAME_LENGTH) {
    throw new RangeError(`user.name must be at most ${MAX_USER_NAME_LENGTH} characters`);
  }
  if (!isUserColor(color)) throw new TypeError('user.color must be a #rrggbb colour');
  return { name: name.trim(), color };
}
