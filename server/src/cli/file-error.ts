/**
 * What a failed file operation means, in words: operators read these
 * messages, and an errno such as EEXIST says nothing to most of them.
 */
const FILE_ERRORS: Readonly<Record<string, string>> = {
  EEXIST: 'the file already exists; choose another name',
  ENOENT: 'no such file',
  EISDIR: 'that is a directory; give a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
};

/** `path: what went wrong` for a Node fs error with a known code; undefined for anything else. */
export function describeFileError(error: unknown, path: string): string | undefined {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  const words = code === undefined ? undefined : FILE_ERRORS[code];
  return words === undefined ? undefined : `${path}: ${words}`;
}
