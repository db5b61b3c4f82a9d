import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { hostChangesContract } from "./host-changes-contract.js";
import { registryContract } from "./registry-contract.js";

registryContract("in-memory", async () => new MemoryRegistry());
hostChangesContract("in-memory", async () => new MemoryRegistry());
