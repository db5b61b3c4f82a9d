import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { registryContract } from "./registry-contract.js";

registryContract("in-memory", async () => new MemoryRegistry());
