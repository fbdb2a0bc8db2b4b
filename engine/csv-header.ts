/**
 * Reads the header row of a CSV object without trusting it, so that a wrong delimiter, a missing
 * column or undecodable bytes become validation problems instead of reader errors.
 * glue/pipeline_job.py (parse_csv_header) reads headers by the same rules.
 */
import { open } from "node:fs/promises";

/** Bytes read to find the header line; a header longer than this is cut there. */
export const HEADER_BYTES = 1024 * 1024;

/**
 * The column names of the first record of `bytes` (RFC 4180 quoting with `"`; a leading byte order
 * mark is dropped; bytes that are not UTF-8 read as U+FFFD). An empty first line has no columns.
 */
export function parseCsvHeader(bytes: Uint8Array, delimiter: string): string[] {
  const text = new TextDecoder("utf-8", { fatal: false, ignoreBOM: false }).decode(bytes);
  const columns: string[] = [];
  let field = "";
  let quoted = false;
  // A quote opens a quoted part only at the start of a field, as Python's csv module reads it.
  let atStart = true;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (ch === delimiter) {
      columns.push(field);
      field = "";
      atStart = true;
    } else if (ch === "\n" || ch === "\r") {
      break;
    } else {
      field += ch;
      atStart = false;
    }
  }
  if (columns.length === 0 && field === "" && atStart) return [];
  columns.push(field);
  return columns;
}

/** Reads the start of a local file and parses its header row. */
export async function readCsvHeader(path: string, delimiter: string): Promise<string[]> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return parseCsvHeader(buffer.subarray(0, bytesRead), delimiter);
  } finally {
    await handle.close();
  }
}
