import { expect, it } from "vitest";
import pkg from "../package.json";
import { VERSION } from "../src/version";

it("reports the package's version (user-agent, /healthz)", () => {
  expect(VERSION).toBe(pkg.version);
});
