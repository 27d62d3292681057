/**
 * Validates `bytes[start, end)` as UTF-8 exactly as lib0 decodes strings
 * (`TextDecoder('utf-8', { fatal: true, ignoreBOM: true })`) and returns the
 * length of the decoded string in UTF-16 code units — which is what a Yjs
 * string struct counts as its clock length — or -1 when the bytes are not
 * valid UTF-8 (lib0 would throw). It allocates nothing, so an inspector can
 * size a string struct without decoding it.
 */
export function measureUtf8(bytes: Uint8Array, start: number, end: number): number {
  let units = 0;
  let index = start;
  while (index < end) {
    const lead = bytes[index] as number;
    if (lead < 0x80) {
      units += 1;
      index += 1;
      continue;
    }
    // The bounds of the first continuation byte follow the WHATWG decoder,
    // which rules out overlong forms, UTF-16 surrogates and code points above
    // U+10FFFF; later continuation bytes are always 0x80–0xBF.
    let trailing: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      trailing = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      trailing = 2;
      if (lead === 0xe0) lower = 0xa0;
      if (lead === 0xed) upper = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      trailing = 3;
      if (lead === 0xf0) lower = 0x90;
      if (lead === 0xf4) upper = 0x8f;
    } else {
      return -1;
    }
    // The sequence's last byte must lie before `end`.
    if (index + trailing >= end) return -1;
    const second = bytes[index + 1] as number;
    if (second < lower || second > upper) return -1;
    for (let offset = 2; offset <= trailing; offset++) {
      const next = bytes[index + offset] as number;
      if (next < 0x80 || next > 0xbf) return -1;
    }
    // A four-byte sequence is a code point above U+FFFF: a surrogate pair.
    units += trailing === 3 ? 2 : 1;
    index += trailing + 1;
  }
  return units;
}
