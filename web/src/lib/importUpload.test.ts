import { describe, expect, it } from "vitest";

import { formatOf, ImportFailure, importUrl, progressText, readImportAnswer } from "./importUpload";

describe("the format of a usage file", () => {
  it("comes from its extension", () => {
    expect(formatOf("usage.CSV")).toBe("csv");
    expect(formatOf("usage.ndjson")).toBe("ndjson");
    expect(formatOf("usage.jsonl")).toBe("ndjson");
  });

  it("comes from its type when the name says nothing", () => {
    expect(formatOf("export", "text/csv; charset=utf-8")).toBe("csv");
  });

  it("is unknown when neither says", () => {
    expect(formatOf("usage.txt", "text/plain")).toBeNull();
  });
});

describe("the import request", () => {
  it("names the format and only the options that are on", () => {
    expect(importUrl({ format: "ndjson", backfill: false, createCompanies: false })).toBe(
      "/v1/usage-records:import?format=ndjson",
    );
    expect(importUrl({ format: "csv", backfill: true, createCompanies: true })).toBe(
      "/v1/usage-records:import?format=csv&backfill=true&createCompanies=true",
    );
  });
});

describe("upload progress", () => {
  it("is told in kB", () => {
    expect(progressText(1500, 20000)).toBe(`${(1.5).toFixed(1)} of ${(20).toFixed(1)} kB`);
  });
});

describe("the import answer", () => {
  it("is a summary with its per-line errors", () => {
    const body = JSON.stringify({
      accepted: 2,
      duplicates: 1,
      rejected: 1,
      companiesCreated: 0,
      errors: [{ line: 3, field: "value", code: "INVALID_FORMAT", message: "not a number" }],
      errorsTruncated: false,
    });
    const answer = readImportAnswer(200, body);
    expect(answer).not.toBeInstanceOf(ImportFailure);
    expect(answer).toMatchObject({ accepted: 2, duplicates: 1, rejected: 1, errors: [{ line: 3, field: "value" }] });
  });

  it("is the server's message for a refused file, with the line it names", () => {
    const body = JSON.stringify({
      error: { code: "LINE_TOO_LONG", message: "line 7 is longer than 10 bytes", field: "X", line: 7 },
    });
    const answer = readImportAnswer(400, body) as ImportFailure;
    expect(answer).toBeInstanceOf(ImportFailure);
    expect([answer.code, answer.message, answer.line]).toEqual(["LINE_TOO_LONG", "line 7 is longer than 10 bytes", 7]);
  });

  it("is a sentence when a refusal has no JSON body", () => {
    const answer = readImportAnswer(413, "<html>too large</html>") as ImportFailure;
    expect(answer.code).toBe("HTTP_413");
    expect(answer.message).toMatch(/larger than the server accepts/);
  });

  it("is a failure when a success cannot be read", () => {
    expect(readImportAnswer(200, "not json")).toBeInstanceOf(ImportFailure);
  });
});
