import type { Host } from "../../core/host.js";
import { freeDelta, type HostChanges } from "../../core/host-changes.js";
import { RESOURCES } from "../../core/resources.js";
import { changedGpus } from "./gpus.js";
import { type HostItem, toItem } from "./items.js";

// A host's writes besides commits and releases (commit.ts): a change and a deletion, each saying what
// it changes and what must hold.

/** The attributes a host change writes whole (the free counters move by a delta instead). */
const CHANGEABLE = [
  "labels",
  "status",
  "status_reason",
  "status_changed_at",
  ...RESOURCES.flatMap(({ name }) => [`total_${name}`, `declared_${name}`] as const),
  "unmanaged",
  "unmanaged_ports",
  "volumes",
  "port_range",
  "gpus",
  "updated_at",
  "version",
] satisfies readonly (keyof HostItem)[];

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
  // A counter an item lacks (a resource the host had none of) starts at zero; one that does not move and
  // need not be there is left as it is (absent), so that hosts without it keep their items small.
  const moved = RESOURCES.filter(({ name, required }) => required || delta[name] !== 0);
  const moves = moved.map(({ name }) => `#f_${name} = if_not_exists(#f_${name}, :zero) + :d_${name}`);
  // Unless observed, what shrinks must stay at or above zero (the core's rule: changedHost).
  const shrinking = changes.observed ? [] : RESOURCES.filter(({ name }) => delta[name] < 0);
  const gpus = changedGpus(host, changed);
  return {
    TableName: table,
    Key: { id: host.id },
    UpdateExpression: `SET ${CHANGEABLE.map((name) => `#${name} = :${name}`).join(", ")}, ${moves.join(", ")}${gpus.set} REMOVE #engine, #health`,
    ConditionExpression: [
      current,
      ...shrinking.map(({ name }) => `#f_${name} >= :min_${name}`),
      ...gpus.free,
    ].join(" AND "),
    ExpressionAttributeNames: {
      ...Object.fromEntries(CHANGEABLE.map((name) => [`#${name}`, name])),
      ...Object.fromEntries(moved.map(({ name }) => [`#f_${name}`, `free_${name}`])),
      ...gpus.names,
      "#engine": "engine",
      "#health": "health",
    },
    ExpressionAttributeValues: {
      ...Object.fromEntries(CHANGEABLE.map((name) => [`:${name}`, item[name] ?? null])),
      ...Object.fromEntries(moved.map(({ name }) => [`:d_${name}`, delta[name]])),
      ...Object.fromEntries(shrinking.map(({ name }) => [`:min_${name}`, -delta[name]])),
      ...gpus.values,
      ":zero": 0,
      ":seen": host.version,
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
