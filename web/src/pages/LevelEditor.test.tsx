import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axe from "axe-core";
import { useState } from "react";

import { inputOf, type LevelDraft, newThreshold, problemAt } from "../lib/alerting";
import { LevelEditor } from "./LevelEditor";

function Harness({ problems = {}, onLevels }: { problems?: Record<string, string>; onLevels: (l: LevelDraft[]) => void }) {
  const [levels, setLevels] = useState<LevelDraft[]>(newThreshold("api_calls").levels);
  onLevels(levels);
  return (
    <form aria-label="Threshold">
      <LevelEditor levels={levels} onChange={setLevels} err={(f) => problemAt(problems, f)} />
    </form>
  );
}

describe("the level editor", () => {
  it("labels each row's name, kind and value, and builds the levels as you type", async () => {
    const user = userEvent.setup();
    let latest: LevelDraft[] = [];
    render(<Harness onLevels={(l) => (latest = l)} />);
    expect(screen.getAllByLabelText("Level name")).toHaveLength(2);
    expect(screen.getAllByLabelText("Kind")).toHaveLength(2);
    expect(screen.getAllByLabelText("Value")).toHaveLength(2);

    await user.click(screen.getByRole("button", { name: "Add a level" }));
    const third = screen.getByRole("row", { name: /Level 3/ });
    await user.type(within(third).getByLabelText("Level name"), "OVER");
    await user.selectOptions(within(third).getByLabelText("Kind"), "ABSOLUTE");
    await user.clear(within(third).getByLabelText("Value"));
    await user.type(within(third).getByLabelText("Value"), "5000");
    await user.click(within(third).getByLabelText("Email"));
    await user.click(within(third).getByLabelText("Platform"));
    await user.click(within(third).getByLabelText("Viewers"));

    const draft = { ...newThreshold("api_calls"), limit: "1000", levels: latest };
    expect(inputOf(draft, null).levels[2]).toEqual({
      name: "OVER",
      kind: "ABSOLUTE",
      value: "5000",
      channels: ["EMAIL"],
      roles: ["VIEWER"],
    });

    await user.click(screen.getByRole("button", { name: "Remove level 1" }));
    expect(latest.map((l) => l.name)).toEqual(["CRITICAL", "OVER"]);
  });

  it("shows a problem beside the control it names", () => {
    render(
      <Harness
        problems={{ "input.levels[1].value": "a percentage is 0 to 100", "levels[0].channels": "name a channel or more" }}
        onLevels={() => undefined}
      />,
    );
    const second = screen.getByRole("row", { name: /Level 2/ });
    const value = within(second).getByLabelText("Value");
    expect(value).toHaveAttribute("aria-invalid", "true");
    expect(value).toHaveAccessibleDescription("a percentage is 0 to 100");
    expect(within(screen.getByRole("row", { name: /Level 1/ })).getByLabelText("Value")).not.toHaveAttribute("aria-invalid");
    expect(screen.getByRole("group", { name: "Channels of level 1" })).toHaveAccessibleDescription("name a channel or more");
  });

  it("has no accessibility violations axe can find", async () => {
    const { container } = render(<Harness problems={{ "levels[0].name": "two levels 'WARNING'" }} onLevels={() => undefined} />);
    const result = await axe.run(container, { rules: { "color-contrast": { enabled: false } } });
    expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
  });
});
