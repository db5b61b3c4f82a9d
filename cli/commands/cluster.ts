import type { Command } from "commander";
import { act, showAnswer } from "../context.js";
import {
  type ClusterBody,
  clusterFields,
  type ProfileBody,
  profileTable,
  type RefreshBody,
  refreshReport,
} from "../views.js";

/** `cluster`, `profile` and `refresh`: the cluster's totals, image profiles, and a capacity refresh. */
export function clusterCommands(program: Command): void {
  program
    .command("cluster")
    .description("show the hosts by status and what is reserved of the cluster's capacity")
    .action(
      act(async (context) => {
        await showAnswer<ClusterBody>(context, { method: "GET", path: "/v1/cluster" }, clusterFields);
      }),
    );

  program
    .command("profile")
    .description("show what an image's containers used against what they requested, and a verdict")
    .argument("<image>", "the Docker image, such as redis:7")
    .action(
      act(async (context, image: string) => {
        // An image has slashes of its own: each of its segments is one of the path's.
        const path = `/v1/images/${image.split("/").map(encodeURIComponent).join("/")}/profile`;
        await showAnswer<ProfileBody>(context, { method: "GET", path }, profileTable);
      }),
    );

  program
    .command("refresh")
    .description("refresh every host's capacity from its Docker engine now (exit 4 while one runs)")
    .action(
      act(async (context) => {
        await showAnswer<RefreshBody>(context, { method: "POST", path: "/v1/hosts/refresh" }, refreshReport);
      }),
    );
}
