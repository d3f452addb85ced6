import {
  codes,
  criteriaInput,
  criteriaProblems,
  describeCriteria,
  destinationInput,
  fileSize,
  inProgress,
  newCriteria,
} from "./reporting";

describe("report criteria", () => {
  it("send a relative window and no fixed span", () => {
    const draft = { ...newCriteria(), from: "2024-01-01T00:00:00.000Z", window: "LAST_7_DAYS" as const };
    expect(criteriaInput(draft)).toEqual({
      kind: "USAGE",
      window: "LAST_7_DAYS",
      from: null,
      to: null,
      granularity: "DAY",
      allocationGranularity: "DAILY",
      companyId: null,
      metricCodes: null,
      productCodes: null,
    });
  });

  it("send a fixed span and no window, with the codes the kind uses", () => {
    const draft = {
      ...newCriteria(),
      kind: "COST_ALLOCATION" as const,
      span: "fixed" as const,
      from: "2024-01-01T00:00:00.000Z",
      to: "2024-02-01T00:00:00.000Z",
      companyId: "c1",
      metricCodes: "api_calls",
      productCodes: "compute, storage compute",
    };
    const input = criteriaInput(draft);
    expect(input.window).toBeNull();
    expect([input.from, input.to]).toEqual(["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z"]);
    expect(input.companyId).toBe("c1");
    expect(input.metricCodes).toBeNull();
    expect(input.productCodes).toEqual(["compute", "storage"]);
  });

  it("name a missing or backwards fixed span beside its field", () => {
    const fixed = { ...newCriteria(), span: "fixed" as const };
    expect(criteriaProblems(fixed)).toEqual({
      "criteria.from": "Enter the start of the window.",
      "criteria.to": "Enter the end of the window.",
    });
    expect(
      criteriaProblems({ ...fixed, from: "2024-02-01T00:00:00Z", to: "2024-01-01T00:00:00Z" }),
    ).toEqual({ "criteria.to": "The end comes after the start." });
    expect(criteriaProblems(newCriteria())).toEqual({});
  });

  it("read codes separated by commas or spaces, each once", () => {
    expect(codes(" a, b  a ")).toEqual(["a", "b"]);
    expect(codes("  ")).toBeNull();
  });

  it("are described in a few words", () => {
    expect(describeCriteria({ kind: "USAGE", window: "PREVIOUS_MONTH", granularity: "DAY", metricCodes: ["api_calls"] })).toBe(
      "Previous month · by day · api_calls",
    );
    expect(
      describeCriteria({
        kind: "COST_ALLOCATION",
        from: "2024-01-01T00:00:00+00:00",
        to: "2024-02-01T00:00:00+00:00",
        allocationGranularity: "HOURLY",
        productCodes: [],
      }),
    ).toBe("2024-01-01 – 2024-02-01 · hourly");
    expect(describeCriteria(null)).toBe("—");
  });
});

describe("reports", () => {
  it("are in progress while pending or running", () => {
    expect(["PENDING", "RUNNING", "SUCCEEDED", "FAILED"].map(inProgress)).toEqual([true, true, false, false]);
  });

  it("have sizes in words", () => {
    expect(fileSize(null)).toBe("—");
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(30 * 1024 * 1024)).toBe("30 MB");
  });
});

describe("a schedule's destination", () => {
  it("carries only the fields of its type", () => {
    const draft = { type: "EMAIL" as const, to: "a@example.com, b@example.com\na@example.com", url: "https://x", secret: "s" };
    expect(destinationInput(draft)).toEqual({ type: "EMAIL", to: ["a@example.com", "b@example.com"], url: null, secret: null });
    expect(destinationInput({ ...draft, type: "WEBHOOK", url: " https://hooks.example.com/r " })).toEqual({
      type: "WEBHOOK",
      to: null,
      url: "https://hooks.example.com/r",
      secret: "s",
    });
    expect(destinationInput({ ...draft, type: "WEBHOOK", secret: "" }).secret).toBeNull();
    expect(destinationInput({ ...draft, type: "STORED" })).toEqual({ type: "STORED", to: null, url: null, secret: null });
  });
});
