import { describe, expect, it } from "vitest";

import { money, quantity } from "./format";

const inCurrency = (currency: string, value: number) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);

describe("money", () => {
  it("shows an amount in its currency's minor units, never fewer", () => {
    expect(money("2035.00", "USD")).toBe(inCurrency("USD", 2035));
    expect(money("1200", "JPY")).toBe(inCurrency("JPY", 1200));
    expect(money("1200", "JPY")).not.toMatch(/[.,]00$/);
  });

  it("keeps a unit price's finer digits", () => {
    expect(money("0.0035", "USD")).toContain("0.0035");
  });
});

describe("quantity", () => {
  it("writes an exponent out", () => {
    expect(quantity("1E+4")).toBe(new Intl.NumberFormat().format(10000));
  });
});
