import {
  addDecimals,
  allocationChartData,
  fromUtcInput,
  monthStarts,
  periodStarts,
  profitabilityChartData,
  readCostImport,
  sumDecimals,
  toUtcInput,
  totalsByCurrency,
  UNALLOCATED,
} from "./costing";

describe("decimal amounts", () => {
  it("adds decimal strings exactly, whatever their number of decimals", () => {
    expect(addDecimals("0.1", "0.2")).toBe("0.3");
    expect(addDecimals("12.5", "0.25")).toBe("12.75");
    expect(addDecimals("-5.00", "2")).toBe("-3.00");
    expect(addDecimals("0.01", "-0.03")).toBe("-0.02");
    expect(sumDecimals(["1000000000000000000.01", "0.99"])).toBe("1000000000000000001.00");
    expect(sumDecimals([])).toBe("0");
  });

  it("refuses a string that is not a decimal", () => {
    expect(() => addDecimals("1e3", "1")).toThrow();
  });
});

describe("totals by currency", () => {
  it("keeps one total per currency and never adds two currencies", () => {
    const totals = totalsByCurrency(
      [
        { currency: "USD", amount: "10.00" },
        { currency: "EUR", amount: "3.50" },
        { currency: "USD", amount: "0.05" },
      ],
      (x) => x.amount,
    );
    expect(totals).toEqual([
      { currency: "EUR", amount: "3.50" },
      { currency: "USD", amount: "10.05" },
    ]);
  });
});

describe("the allocation chart", () => {
  const day1 = "2024-03-01T00:00:00+00:00";
  const day2 = "2024-03-02T00:00:00+00:00";
  const shares = [
    { periodStart: day1, companyId: "a", companyKey: "customer_a", amount: "6.00", currency: "USD" },
    { periodStart: day1, companyId: "a", companyKey: "customer_a", amount: "1.50", currency: "USD" },
    { periodStart: day1, companyId: "b", companyKey: "customer_b", amount: "4.00", currency: "USD" },
    { periodStart: day2, companyId: "b", companyKey: "customer_b", amount: "2.00", currency: "USD" },
    { periodStart: day2, companyId: null, companyKey: null, amount: "9.99", currency: "USD" },
    { periodStart: day2, companyId: "c", companyKey: "customer_c", amount: "7.00", currency: "EUR" },
  ];

  it("has one x per period and one series per customer, products of a period added up", () => {
    const chart = allocationChartData(shares, "USD");
    expect(chart.x).toEqual([Date.parse(day1) / 1000, Date.parse(day2) / 1000]);
    expect(chart.series).toEqual([
      { label: "customer_a", values: [7.5, null] },
      { label: "customer_b", values: [4, 2] },
      { label: UNALLOCATED, values: [null, 9.99] },
    ]);
  });

  it("draws one currency only", () => {
    const chart = allocationChartData(shares, "EUR");
    expect(chart.x).toEqual([Date.parse(day2) / 1000]);
    expect(chart.series).toEqual([{ label: "customer_c", values: [7] }]);
  });

  it("spans the whole window when given its periods, a period without cost being a gap", () => {
    const periods = periodStarts("2024-02-29T12:00:00Z", "2024-03-03T00:00:00Z", "DAILY");
    expect(periods).toEqual(["2024-03-01", "2024-03-02"].map((d) => Date.parse(`${d}T00:00:00Z`) / 1000));
    const chart = allocationChartData(shares, "EUR", periods);
    expect(chart.x).toEqual(periods);
    expect(chart.series).toEqual([{ label: "customer_c", values: [null, 7] }]);
  });

  it("is empty without shares", () => {
    expect(allocationChartData([], "USD")).toEqual({ x: [], series: [] });
  });
});

describe("the profitability chart", () => {
  it("shows the chosen measure per company and period in one currency", () => {
    const jan = "2024-01-01T00:00:00+00:00";
    const feb = "2024-02-01T00:00:00+00:00";
    const row = (companyKey: string, periodStart: string, currency: string, profit: string) => ({
      companyId: companyKey,
      companyKey,
      periodStart,
      currency,
      revenue: "100.00",
      cost: "40.00",
      profit,
    });
    const rows = [row("b", jan, "USD", "60.00"), row("a", feb, "USD", "-5.00"), row("c", feb, "EUR", "1.00")];
    expect(profitabilityChartData(rows, "USD", "profit")).toEqual({
      x: [Date.parse(jan) / 1000, Date.parse(feb) / 1000],
      series: [
        { label: "a", values: [null, -5] },
        { label: "b", values: [60, null] },
      ],
    });
    expect(profitabilityChartData(rows, "USD", "cost").series[1].values).toEqual([40, null]);
  });
});

describe("the periods of a window", () => {
  it("are the UTC hours or days starting in it", () => {
    expect(periodStarts("2024-03-01T00:00:00Z", "2024-03-01T03:00:00Z", "HOURLY")).toEqual(
      [0, 1, 2].map((h) => Date.parse("2024-03-01T00:00:00Z") / 1000 + h * 3600),
    );
    expect(periodStarts("2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", "HOURLY", 5)).toHaveLength(5);
    expect(periodStarts("2024-03-02T00:00:00Z", "2024-03-01T00:00:00Z", "DAILY")).toEqual([]);
  });

  it("are the UTC months starting in it", () => {
    expect(monthStarts("2023-11-15T00:00:00Z", "2024-02-01T00:00:00Z")).toEqual(
      ["2023-12-01", "2024-01-01"].map((d) => Date.parse(`${d}T00:00:00Z`) / 1000),
    );
    expect(monthStarts("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")).toEqual([Date.parse("2024-01-01T00:00:00Z") / 1000]);
  });
});

describe("UTC inputs", () => {
  it("reads a datetime-local value as UTC and writes one back", () => {
    expect(fromUtcInput("2024-03-01T05:00")).toBe("2024-03-01T05:00:00.000Z");
    expect(fromUtcInput("2024-03-01")).toBe("2024-03-01T00:00:00.000Z");
    expect(fromUtcInput("")).toBeNull();
    expect(fromUtcInput("yesterday")).toBeNull();
    expect(toUtcInput("2024-03-01T05:00:00+00:00")).toBe("2024-03-01T05:00");
  });
});

describe("a cost import's answer", () => {
  it("is a summary when the server accepted the file", () => {
    const answer = readCostImport(200, {
      accepted: 3,
      replaced: 1,
      rejected: 1,
      errors: [{ line: 4, field: "amount", code: "OUT_OF_RANGE", message: "negative" }],
    });
    expect(answer).toEqual({
      ok: true,
      summary: {
        accepted: 3,
        replaced: 1,
        rejected: 1,
        errors: [{ line: 4, field: "amount", code: "OUT_OF_RANGE", message: "negative" }],
      },
    });
  });

  it("is one sentence when it was refused", () => {
    expect(readCostImport(413, { error: { code: "FILE_TOO_LARGE", message: "x" } })).toEqual({
      ok: false,
      message: "The file is too large: a cost file is at most 50 MB.",
    });
    expect(readCostImport(502, null)).toEqual({ ok: false, message: "The import failed (HTTP 502). Try again shortly." });
  });
});
