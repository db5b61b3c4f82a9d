import type { Engines } from "../core/engine.js";
import type { dockerEngines } from "./docker-engines.js";

/**
 * The Docker engines as `dockerEngines` builds them, loaded on their first call and kept: a scheduler
 * whose requests never ask to run a container never loads the engines' client, nor its TLS source.
 */
export function lazyDockerEngines(...options: Parameters<typeof dockerEngines>): Engines {
  let loaded: Promise<Engines> | undefined;
  const engines = () => {
    loaded ??= import("./docker-engines.js").then((module) => module.dockerEngines(...options));
    return loaded;
  };
  return {
    read: async (host, signal) => (await engines()).read(host, signal),
    run: async (host, spec, signal) => (await engines()).run(host, spec, signal),
    find: async (host, placementId, signal) => (await engines()).find(host, placementId, signal),
  };
}
