import { billedTo } from "./billing";

describe("billed to", () => {
  it("joins the parts that are set, in the order an envelope has them", () => {
    expect(
      billedTo({
        legalName: "Customer A Ltd",
        addressLines: ["1 Main Street", "Suite 5"],
        city: "London",
        postalCode: "EC1A 1BB",
        country: "GB",
        taxId: "GB123456789",
        email: "ap@customer-a.example",
      }),
    ).toBe("Billed to Customer A Ltd, 1 Main Street, Suite 5, EC1A 1BB London, GB · tax id GB123456789 · ap@customer-a.example");
    expect(billedTo({ addressLines: [], email: "ap@b.example" })).toBe("Billed to ap@b.example");
  });

  it("says nothing when no part is set", () => {
    expect(billedTo({ addressLines: [], legalName: null, city: null })).toBe("");
  });
});
