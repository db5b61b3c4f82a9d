import { MemoryRegistry } from "../../shared/adapters/memory-registry.js";
import { racingMemoryRegistry } from "../support/racing.js";
import { gpusContract } from "./gpus-contract.js";
import { hostChangesContract } from "./host-changes-contract.js";
import { racesContract } from "./races-contract.js";
import { registryContract } from "./registry-contract.js";
import { resourcesContract } from "./resources-contract.js";
import { volumesContract } from "./volumes-contract.js";

registryContract("in-memory", async () => new MemoryRegistry());
hostChangesContract("in-memory", async () => new MemoryRegistry());
racesContract("in-memory", racingMemoryRegistry);
resourcesContract("in-memory", async () => new MemoryRegistry());
volumesContract("in-memory", async () => new MemoryRegistry());
gpusContract("in-memory", async () => new MemoryRegistry(), racingMemoryRegistry);
