import { freeDelta, type Host, type HostChanges } from "../../core/host.js";
import { type HostItem, toItem } from "./items.js";

// A host's writes besides commits and releases (commit.ts): a change and a deletion, each saying what
// it changes and what must hold.

/** The attributes a host change writes whole (the free counters move by a delta instead). */
const CHANGEABLE = [
  "labels",
  "status",
  "status_reason",
  "status_changed_at",
  "total_cpu",
  "total_memory",
  "declared_cpu",
  "declared_memory",
  "unmanaged",
  "updated_at",
  "version",
] as const satisfies readonly (keyof HostItem)[];

/**
 * A host change read at `host.version`: the attributes written whole as `changed` has them, the free
 * counters moved by the change's delta (commits and releases run meanwhile without a conflict), under
 * the condition that the version is still the one read (it moves on every change, not on commits, which
 * are fit-checked; items written before versions have none, which is version 0) and, unless the change
 * is observed fact, that the free counters stay at or above zero. An earlier version's engine and
 * health leave the item (they are the host's observation now: observations.ts).
 */
export function hostChange(table: string, host: Host, changes: HostChanges, changed: Host) {
  const delta = freeDelta(host, changes);
  const item = toItem(changed);
  const current =
    host.version === 0 ? "(attribute_not_exists(#version) OR #version = :seen)" : "#version = :seen";
  return {
    TableName: table,
    Key: { id: host.id },
    UpdateExpression: `SET ${CHANGEABLE.map((name) => `#${name} = :${name}`).join(", ")}, #fc = #fc + :dc, #fm = #fm + :dm REMOVE #engine, #health`,
    ConditionExpression: changes.observed ? current : `${current} AND #fc >= :minCpu AND #fm >= :minMemory`,
    ExpressionAttributeNames: {
      ...Object.fromEntries(CHANGEABLE.map((name) => [`#${name}`, name])),
      "#fc": "free_cpu",
      "#fm": "free_memory",
      "#engine": "engine",
      "#health": "health",
    },
    ExpressionAttributeValues: {
      ...Object.fromEntries(CHANGEABLE.map((name) => [`:${name}`, item[name] ?? null])),
      ":dc": delta.cpuMilli,
      ":dm": delta.memory,
      ":seen": host.version,
      ...(!changes.observed && {
        ":minCpu": Math.max(0, -delta.cpuMilli),
        ":minMemory": Math.max(0, -delta.memory),
      }),
    },
    ReturnValues: "ALL_NEW" as const,
    ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
  };
}

/** Deletes a host if it exists and, unless forced, holds no placement. */
export function hostDeletion(table: string, id: string, force: boolean) {
  return {
    TableName: table,
    Key: { id },
    ConditionExpression: force ? "attribute_exists(id)" : "attribute_exists(id) AND size(#pl) = :zero",
    ...(!force && {
      ExpressionAttributeNames: { "#pl": "placements" },
      ExpressionAttributeValues: { ":zero": 0 },
    }),
  };
}
