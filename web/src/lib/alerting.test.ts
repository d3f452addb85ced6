import { draftOf, inputOf, localProblems, newThreshold, parseAddresses, problemAt, toggled } from "./alerting";

describe("the threshold form", () => {
  it("starts with a warning and a critical level on the platform channel", () => {
    const draft = newThreshold("api_calls");
    expect(draft.period).toBe("MONTH");
    expect(draft.levels.map((l) => [l.name, l.kind, l.value, l.channels])).toEqual([
      ["WARNING", "PERCENTAGE", "80", ["PLATFORM"]],
      ["CRITICAL", "PERCENTAGE", "100", ["PLATFORM"]],
    ]);
  });

  it("sends a blank limit as null, channels in the schema's order and no roles as every role", () => {
    const draft = newThreshold("api_calls");
    draft.levels[0] = { name: " WARNING ", kind: "ABSOLUTE", value: " 500 ", channels: ["SMS", "EMAIL"], roles: [] };
    draft.levels[1].roles = ["VIEWER", "COMPANY_ADMIN"];
    expect(inputOf(draft, null)).toEqual({
      metricCode: "api_calls",
      companyId: null,
      period: "MONTH",
      limit: null,
      levels: [
        { name: "WARNING", kind: "ABSOLUTE", value: "500", channels: ["EMAIL", "SMS"], roles: null },
        { name: "CRITICAL", kind: "PERCENTAGE", value: "100", channels: ["PLATFORM"], roles: ["COMPANY_ADMIN", "VIEWER"] },
      ],
    });
  });

  it("edits a stored threshold as it is", () => {
    const stored = {
      metricCode: "storage_gb",
      period: "DAY" as const,
      limit: "1000",
      levels: [{ name: "HIGH", kind: "PERCENTAGE" as const, value: "90", channels: ["EMAIL" as const], roles: ["VIEWER" as const] }],
    };
    const draft = draftOf(stored);
    expect(draft).toEqual({
      metricCode: "storage_gb",
      period: "DAY",
      limit: "1000",
      levels: [{ name: "HIGH", kind: "PERCENTAGE", value: "90", channels: ["EMAIL"], roles: ["VIEWER"] }],
    });
    expect(inputOf(draft, "c1").limit).toBe("1000");
  });

  it("names a value that is not a number beside its level before asking the server", () => {
    const draft = newThreshold("");
    draft.limit = "lots";
    draft.levels[1].value = "1,5";
    expect(localProblems(draft)).toEqual({
      metricCode: "Choose a metric.",
      limit: "Enter a number, e.g. 10000.",
      "levels[1].value": "Enter a number, e.g. 80.",
    });
    expect(localProblems(newThreshold("api_calls"))).toEqual({});
  });

  it("finds a server problem by its path with or without the input prefix", () => {
    expect(problemAt({ "input.levels[1].value": "too big" }, "levels[1].value")).toBe("too big");
    expect(problemAt({ "levels[0].name": "taken" }, "levels[0].name")).toBe("taken");
    expect(problemAt({}, "limit")).toBeUndefined();
  });

  it("toggles a channel on and off", () => {
    expect(toggled(["EMAIL"], "SMS", true)).toEqual(["EMAIL", "SMS"]);
    expect(toggled(["EMAIL", "SMS"], "SMS", true)).toEqual(["EMAIL", "SMS"]);
    expect(toggled(["EMAIL", "SMS"], "EMAIL", false)).toEqual(["SMS"]);
  });
});

describe("recipients", () => {
  it("are read one per line or comma separated, trimmed and each once", () => {
    expect(parseAddresses(" a@example.com,\nb@example.com ;a@example.com\n\n")).toEqual(["a@example.com", "b@example.com"]);
    expect(parseAddresses("  ")).toEqual([]);
  });
});
