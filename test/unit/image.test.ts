import { describe, expect, it } from "vitest";
import { isImageReference } from "../../shared/core/image.js";

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
