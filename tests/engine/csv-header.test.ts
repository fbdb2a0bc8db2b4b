import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseCsvHeader, readCsvHeader } from "../../engine/csv-header";

const bytes = (text: string) => Buffer.from(text);

describe("parseCsvHeader", () => {
  test("reads the first record's names with quotes, a BOM and CRLF", () => {
    expect(parseCsvHeader(bytes('\uFEFFa,"b,c","d""e"\r\n1,2,3\r\n'), ",")).toEqual(["a", "b,c", 'd"e']);
  });

  test("uses the configured delimiter; with the wrong one the header is one column", () => {
    expect(parseCsvHeader(bytes("a;b\n"), ";")).toEqual(["a", "b"]);
    expect(parseCsvHeader(bytes("a;b\n"), ",")).toEqual(["a;b"]);
  });

  test("an empty first line has no columns; empty names are kept", () => {
    expect(parseCsvHeader(bytes(""), ",")).toEqual([]);
    expect(parseCsvHeader(bytes("\nx\n"), ",")).toEqual([]);
    expect(parseCsvHeader(bytes("a,,b\n"), ",")).toEqual(["a", "", "b"]);
  });

  test("undecodable bytes read as U+FFFD so the check can name them", () => {
    expect(parseCsvHeader(Buffer.from([0x61, 0xff, 0x2c, 0x62]), ",")).toEqual(["a\uFFFD", "b"]);
  });
});

describe("readCsvHeader", () => {
  test("reads only the start of a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "csv-header-"));
    try {
      const file = join(dir, "big.csv");
      await writeFile(file, `id,name\n${"1,x\n".repeat(500_000)}`);
      expect(await readCsvHeader(file, ",")).toEqual(["id", "name"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
