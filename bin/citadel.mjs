#!/usr/bin/env node
// The `citadel` command: loads the TypeScript of cli/ through tsx (a runtime dependency), so that
// `npx citadel` works after `npm ci` with no build step.
import { tsImport } from "tsx/esm/api";

await tsImport("../cli/main.ts", import.meta.url);
