// Reads libvirt's XML test corpus (test/fixtures/libvirt) and its MANIFEST.tsv.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturePath } from "../support/fixtures.js";

export const CORPUS_DIR = fixturePath("libvirt");

export interface CorpusCase {
  suite: string;
  test: string;
  expectation: string;
  input: string;
  expectedOutput: string | null;
}

export function corpusCases(suite: string): CorpusCase[] {
  return readFileSync(join(CORPUS_DIR, "MANIFEST.tsv"), "utf8")
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((line) => {
      const [s, test, expectation, input, expected] = line.split("\t");
      return { suite: s, test, expectation, input, expectedOutput: expected === "-" ? null : expected };
    })
    .filter((c) => c.suite === suite);
}

export function corpusFile(rel: string): string {
  return readFileSync(join(CORPUS_DIR, rel), "utf8");
}
