import { describe, expect, it } from "vitest";
import { entriesOf, toEntry, toItem } from "../../shared/adapters/dynamodb/items.js";
import { imageTag } from "../../shared/core/image.js";
import { summaryOf } from "../../shared/core/placement.js";
import { amounts } from "../../shared/core/resources.js";
import { host, NOW, placement } from "../support/fixtures.js";

// A host item's entries: what they keep of a placement, in this version's form and the one before.

const itemWith = (placements: Record<string, string>) => ({ ...toItem(host("h1", 4, 8192)), placements });

describe("a host item's placement entries", () => {
  it("keep sizes in base 36 and the image's tag, and give back the summary they were made from", () => {
    const made = summaryOf(placement("h1", 250, 512, "registry.example.com/team/service:1.2.3"));
    const entry = toEntry(made);
    expect(entry).toBe(`6y:e8${imageTag("registry.example.com/team/service:1.2.3")}`);
    const key = made.id.slice("h1.".length);
    expect(entriesOf(itemWith({ [key]: entry })).map((one) => one.summary)).toEqual([made]);
  });

  it("keep the creation time of an id that does not start with it", () => {
    const made = { ...summaryOf(placement("h1", 1000, 1024)), id: "h1.zzzzzzzzzzzz" };
    const entry = toEntry(made);
    expect(entry.split(":")).toHaveLength(3);
    expect(entriesOf(itemWith({ zzzzzzzzzzzz: entry })).map((one) => one.summary)).toEqual([made]);
  });

  it("read the form of the version before: decimal sizes, the time, the image's name", () => {
    const key = `${NOW.getTime().toString(36)}abcdefg`;
    const before = `250/512/${NOW.getTime().toString(36)}/crosbymichael/redis`;
    expect(entriesOf(itemWith({ [key]: before })).map((one) => one.summary)).toEqual([
      {
        id: `h1.${key}`,
        imageTag: imageTag("crosbymichael/redis"),
        amounts: amounts({ cpu: 250, memory: 512 }),
        createdAt: NOW.toISOString(),
      },
    ]);
  });
});
