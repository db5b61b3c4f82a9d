import type { Command } from "commander";
import { act, show, showAnswer, write } from "../context.js";
import { label, wholeNumber } from "../flags.js";
import { allPages } from "../paging.js";
import { type HostBody, type HostDetailBody, hostFields, hostsTable } from "../views.js";

interface AddOptions {
  id?: string;
  label?: Record<string, string>;
  tls?: boolean;
  cpus?: string;
  memory?: number;
  disk?: number;
  portRange?: string;
  gpus?: number;
  gpuModel?: string;
}

/** `hosts` and `host add|show|drain|undrain|rm`: the Docker hosts (all but reading them is for operators). */
export function hostCommands(program: Command): void {
  program
    .command("hosts")
    .description("list the Docker hosts, every page")
    .option("--limit <n>", "hosts per page asked of the API (1-1000)", wholeNumber)
    .action(
      act(async (context, options: { limit?: number }) => {
        const hosts = await allPages<HostBody>(context.client, "hosts", { limit: options.limit?.toString() });
        show(context, { hosts, next: null }, (body) => hostsTable(body.hosts));
      }),
    );

  const host = program
    .command("host")
    .description("register, show, drain, undrain or remove one Docker host");

  host
    .command("add")
    .description("register a Docker host by its Engine API address")
    .argument("<addr>", "[tcp://]host[:port] of its Docker Engine API (2375, or 2376 with TLS)")
    .option("--id <id>", "its id (by default the address, punctuation as dashes)")
    .option("--label <key=value>", "a label constraints can select it by (repeatable)", label)
    .option("--tls", "reach the engine with client certificates (the default on port 2376)")
    .option("--cpus <cpus>", "cpus Citadel may schedule (by default what the engine reports)")
    .option(
      "--memory <MiB>",
      "memory Citadel may schedule, in MiB (by default what the engine reports)",
      wholeNumber,
    )
    .option(
      "--disk <MiB>",
      "disk Citadel may schedule, in MiB (none by default: the engine reports none)",
      wholeNumber,
    )
    .option("--port-range <low-high>", "where dynamic host ports come from (20000-32767 by default)")
    .option("--gpus <count>", "its GPU devices, all of one model (with --gpu-model)", wholeNumber)
    .option("--gpu-model <model>", "the model of its GPU devices, such as V100M32")

    .action(
      act(async (context, addr: string, options: AddOptions) => {
        const call = {
          method: "POST" as const,
          path: "/v1/hosts",
          body: {
            addr,
            ...(options.id !== undefined && { id: options.id }),
            ...(options.label && { labels: options.label }),
            ...(options.tls && { tls: true }),
            ...(options.cpus !== undefined && { total_cpus: options.cpus }),
            ...(options.memory !== undefined && { total_memory: options.memory }),
            ...(options.disk !== undefined && { total_disk: options.disk }),
            ...(options.portRange !== undefined && { port_range: options.portRange }),
            ...((options.gpus !== undefined || options.gpuModel !== undefined) && {
              gpus: { count: options.gpus, model: options.gpuModel },
            }),
          },
        };
        await showAnswer<HostBody>(context, call, (added) => hostsTable([added]));
      }),
    );

  host
    .command("show")
    .description("show a host: capacity, engine, health, and its recent events")
    .argument("<id>", "the host's id")
    .action(
      act(async (context, id: string) => {
        await showAnswer<HostDetailBody>(context, { method: "GET", path: hostPath(id) }, hostFields);
      }),
    );

  for (const [name, status, description] of [
    ["drain", "draining", "stop placing on a host; its placements stay"],
    ["undrain", "ready", "let a draining host take placements again"],
  ] as const) {
    host
      .command(name)
      .description(description)
      .argument("<id>", "the host's id")
      .action(
        act(async (context, id: string) => {
          const call = { method: "PATCH" as const, path: hostPath(id), body: { status } };
          await showAnswer<HostBody>(context, call, (changed) => hostsTable([changed]));
        }),
      );
  }

  host
    .command("rm")
    .description("remove a host (refused while it has placements, unless --force)")
    .argument("<id>", "the host's id")
    .option("--force", "remove it even with live placements")
    .action(
      act(async (context, id: string, options: { force?: boolean }) => {
        await context.client.call({
          method: "DELETE",
          path: hostPath(id),
          ...(options.force && { query: { force: "true" } }),
        });
        // The API answers 204, with no body: --json prints nothing.
        if (!context.json) write(`removed ${id}`);
      }),
    );
}

function hostPath(id: string): string {
  return `/v1/hosts/${encodeURIComponent(id)}`;
}
