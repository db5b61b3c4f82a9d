import { describe, expect, it } from "vitest";
import { imageTag, isImageReference } from "../../shared/core/image.js";

describe("Docker image references", () => {
  it.each([
    "redis",
    "crosbymichael/redis",
    "redis:7.2-alpine",
    "library/redis:latest",
    "registry.example.com/team/app",
    "localhost:5000/app:1.0",
    "127.0.0.1:5000/a/b/c",
    "app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "ghcr.io/org/app:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    "my_app__x/a-b--c.d",
  ])("accepts %s", (image) => {
    expect(isImageReference(image)).toBe(true);
  });

  it.each([
    "",
    "Redis",
    "crosby/Redis",
    "redis:",
    ":latest",
    "redis:-bad",
    "redis@sha256:short",
    "a//b",
    "/redis",
    "redis/",
    "redis image",
    "-redis",
    `a/${"b".repeat(260)}`,
  ])("refuses %j", (image) => {
    expect(isImageReference(image)).toBe(false);
  });
});

describe("image tags", () => {
  it("are 7 base-36 characters, the same for one name, different for different names", () => {
    const names = ["redis", "redis:7", "crosbymichael/redis", `registry.example.com/${"a".repeat(200)}:1`];
    const tags = names.map(imageTag);
    for (const tag of tags) expect(tag).toMatch(/^[0-9a-z]{7}$/);
    expect(new Set(tags).size).toBe(names.length);
    expect(names.map(imageTag)).toEqual(tags);
  });

  it("are 64-bit FNV-1a reduced to 36^7 values (a known vector: FNV-1a of the empty string)", () => {
    expect(imageTag("")).toBe((0xcbf29ce484222325n % 36n ** 7n).toString(36).padStart(7, "0"));
    expect(imageTag("a")).toBe((0xaf63dc4c8601ec8cn % 36n ** 7n).toString(36).padStart(7, "0"));
  });

  it("stay the same whatever number of images was tagged since (they are kept for the last ones)", () => {
    const names = Array.from({ length: 3000 }, (_, index) => `example/app-${index}:1`);
    const first = names.map(imageTag);
    expect(new Set(first).size).toBe(names.length);
    expect(names.map(imageTag)).toEqual(first);
    expect(imageTag("a")).toBe((0xaf63dc4c8601ec8cn % 36n ** 7n).toString(36).padStart(7, "0"));
  });
});
