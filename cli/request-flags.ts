import type { Command } from "commander";
import type { AffinityText, PortText, VolumeText } from "../shared/core/request-text.js";
import type { Spread } from "../shared/core/soft-rules.js";
import { affinity, collect, decimal, label, portMapping, spread, volumeMount, wholeNumber } from "./flags.js";

/** The flags of a container request, as commander parses them. */
export interface RequestOptions {
  image: string;
  cpus: string;
  memory: number;
  type: string;
  constraint?: string[];
  label?: Record<string, string>;
  distinctHosts?: boolean;
  disk?: number;
  port?: PortText[];
  volume?: VolumeText[];
  gpus?: number;
  gpuModel?: string[];
  affinity?: AffinityText[];
  spread?: Spread;
  run?: boolean;
}

/**
 * Adds the container request's flags (and run mode's command, after `--`) to `command`: `place` and
 * `candidates` take the same request, as their routes take the same body.
 */
export function withRequestFlags(command: Command): Command {
  return command
    .argument("[command...]", "with --run: the command to start the container with, after --")
    .requiredOption("--image <ref>", "the Docker image, such as redis:7")
    .requiredOption("--cpus <cpus>", "cpus to reserve, up to 3 decimals: 0.2, 2")
    .requiredOption("--memory <MiB>", "memory to reserve, in MiB", wholeNumber)
    .requiredOption("--type <type>", "the scheduler type: service, batch, gpu, or a configured one")
    .option(
      "--constraint <expr>",
      "on the host's labels: key==value, key!=value, key=~regex, 'key in (a,b)', 'key not in (a,b)'; on its id: host==ID (repeatable)",
      collect,
    )
    .option("--distinct-hosts", "never on a host already running a live placement of the same image")
    .option("--disk <MiB>", "disk to reserve, in MiB", wholeNumber)
    .option(
      "--port <container[:host][/udp]>",
      "a host port: 80:8080 publishes container port 80 on host port 8080, 80 on a free one of the host's range (repeatable)",
      portMapping,
    )
    .option(
      "--volume <name:path[:create]>",
      "a named volume to mount: on the host that holds it; :create creates it where the container lands when no host does (repeatable)",
      volumeMount,
    )
    .option("--gpus <n>", "GPU devices to reserve (2), or a share of one device (0.5)", decimal)
    .option("--gpu-model <model>", "a GPU model the devices may be (repeatable; by default any)", collect)
    .option(
      "--affinity <weight:constraint>",
      "prefer (weight 1 to 100) or avoid (-100 to -1) hosts that meet a constraint: 50:zone==a (repeatable)",
      affinity,
    )
    .option(
      "--spread <label[=value:percent,...]>",
      "spread the image's placements over a host label's values: zone (evenly) or zone=a:70,b:30",
      spread,
    )
    .option("--label <key=value>", "a label stored with the placement (repeatable)", label)
    .option("--run", "Citadel starts the container on the host itself");
}

/** The container request's JSON body, from the flags `withRequestFlags` added. */
export function requestBody(command: string[], options: RequestOptions): Record<string, unknown> {
  return {
    image: options.image,
    cpus: options.cpus,
    memory: options.memory,
    type: options.type,
    ...(options.constraint && { constraints: options.constraint }),
    ...(options.disk !== undefined && { disk: options.disk }),
    ...(options.port && { ports: options.port }),
    ...(options.volume && { volumes: options.volume }),
    ...(options.gpus !== undefined && { gpus: options.gpus }),
    ...(options.gpuModel && { gpu_models: options.gpuModel }),
    ...(options.affinity && { affinities: options.affinity }),
    ...(options.spread && { spread: options.spread }),
    ...(options.label && { labels: options.label }),
    ...(options.distinctHosts && { distinct_hosts: true }),
    ...(options.run && { run: true }),
    ...(command.length > 0 && { command }),
  };
}
