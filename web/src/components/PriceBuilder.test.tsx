import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";

import { checkPrice, emptyPrice, type PriceDraft } from "../lib/price";
import { PriceBuilder } from "./PriceBuilder";

function Harness({ onInput }: { onInput: (input: unknown) => void }) {
  const [draft, setDraft] = useState<PriceDraft>(emptyPrice("PER_UNIT"));
  const checked = checkPrice(draft);
  onInput(checked.input);
  return <PriceBuilder draft={draft} onChange={setDraft} problems={checked.problems} idPrefix="p0" />;
}

describe("the price builder", () => {
  it("builds a graduated price from the tier table as you type", async () => {
    const user = userEvent.setup();
    let latest: unknown = null;
    render(<Harness onInput={(i) => (latest = i)} />);
    await user.selectOptions(screen.getByLabelText("Price model"), "GRADUATED");
    await user.click(screen.getByRole("button", { name: "Add a tier" }));
    await user.clear(screen.getByLabelText("Tier 1 up to"));
    await user.type(screen.getByLabelText("Tier 1 up to"), "1000");
    await user.type(screen.getByLabelText("Tier 1 unit price"), "0.02");
    await user.type(screen.getByLabelText("Tier 2 unit price"), "0.01");
    expect(latest).toEqual({
      model: "GRADUATED",
      rounding: "NONE",
      freeUnits: "0",
      tierBasis: "TOTAL",
      tiers: [
        { upTo: "1000", unitPrice: "0.02", flatFee: null },
        { upTo: null, unitPrice: "0.01", flatFee: null },
      ],
    });
  });

  it("shows a mistake beside the field that has it", async () => {
    const user = userEvent.setup();
    render(<Harness onInput={() => undefined} />);
    await user.type(screen.getByLabelText("Unit price"), "abc");
    const input = screen.getByLabelText("Unit price");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByRole("alert")).toHaveTextContent(/must be a number/);
    expect(input.getAttribute("aria-describedby")).toBe(screen.getByRole("alert").id);
  });

  it("offers every one of the five models", () => {
    render(<Harness onInput={() => undefined} />);
    const options = Array.from((screen.getByLabelText("Price model") as HTMLSelectElement).options).map((o) => o.value);
    expect(options).toEqual(["PER_UNIT", "PACKAGE", "GRADUATED", "VOLUME", "FLAT_TIERED"]);
  });
});
