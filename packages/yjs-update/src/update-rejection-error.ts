export type UpdateRejectionCode =
  | 'ERR_UPDATE_MALFORMED'
  | 'ERR_UPDATE_TOO_MANY_CLIENTS'
  | 'ERR_UPDATE_TOO_MANY_STRUCTS'
  | 'ERR_UPDATE_STRUCT_TOO_LONG'
  | 'ERR_UPDATE_STRING_TOO_LONG'
  | 'ERR_UPDATE_TOO_MANY_DELETES'
  | 'ERR_UPDATE_TOO_DEEP';

/**
 * Thrown inside the update readers to unwind on the first problem;
 * `inspectUpdate` turns it into an UpdateRejection and never lets it escape.
 */
export class UpdateRejectionError extends Error {
  override readonly name = 'UpdateRejectionError';

  constructor(
    readonly code: UpdateRejectionCode,
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}
