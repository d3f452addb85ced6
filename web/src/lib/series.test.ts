import { fieldOf, seriesLabel, toChartData } from "./series";

const bucket = (periodStart: string, sum: string | null, extra: Record<string, unknown> = {}) => ({
  periodStart,
  metricCode: "sms",
  sum,
  ...extra,
});

describe("the usage chart's data mapping", () => {
  it("puts periods on one sorted x axis in seconds", () => {
    const data = toChartData(
      [bucket("2024-01-02T00:00:00Z", "5"), bucket("2024-01-01T00:00:00Z", "1E+4")],
      "sum",
    );
    expect(data.x).toEqual([1704067200, 1704153600]);
    expect(data.series).toEqual([{ label: "sms", values: [10000, 5] }]);
  });

  it("makes one series per group and leaves a missing period as a gap, not a zero", () => {
    const data = toChartData(
      [
        bucket("2024-01-01T00:00:00Z", "1", { spaceId: "a" }),
        bucket("2024-01-01T00:00:00Z", "2", { spaceId: "b" }),
        bucket("2024-01-02T00:00:00Z", "3", { spaceId: "b" }),
      ],
      "sum",
    );
    expect(data.series).toEqual([
      { label: "a", values: [1, null] },
      { label: "b", values: [2, 3] },
    ]);
  });

  it("names series by metric when several metrics are drawn", () => {
    expect(seriesLabel({ periodStart: "", metricCode: "api", userId: "u1" }, 2)).toBe("api · u1");
    expect(seriesLabel({ periodStart: "", metricCode: "api" }, 1)).toBe("api");
  });

  it("reads the field of the chosen function and skips empty values", () => {
    expect(fieldOf("UNIQUE_COUNT")).toBe("uniqueCount");
    const data = toChartData([bucket("2024-01-01T00:00:00Z", null, { max: "7" })], "max");
    expect(data.series[0].values).toEqual([7]);
    expect(toChartData([bucket("2024-01-01T00:00:00Z", null)], "sum").series).toEqual([]);
  });

  it("maps 10,000 hourly buckets quickly enough for a browser", () => {
    const start = Date.UTC(2024, 0, 1);
    const many = Array.from({ length: 10_000 }, (_, i) =>
      bucket(new Date(start + i * 3_600_000).toISOString(), String(i)),
    );
    const data = toChartData(many, "sum");
    expect(data.x).toHaveLength(10_000);
    expect(data.series[0].values[9_999]).toBe(9_999);
  });
});
