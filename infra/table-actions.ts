// Least privilege per function: which DynamoDB actions each Lambda may take on which table. The stack
// grants exactly these (citadel-stack.ts), and test/infra/stack.test.ts checks the synthesized policies.

/** The DynamoDB actions each function uses, and nothing more (a transaction needs its items' actions). */
export const TABLE_ACTIONS = {
  router: {
    hosts: [
      "dynamodb:GetItem",
      "dynamodb:Scan",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
      "dynamodb:DeleteItem",
    ],
    // Placements read whole, released, and a removed host's deleted.
    placements: ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:DeleteItem"],
    // A host's observation put with its registration, read with the host (one, a page, every host for
    // the cluster's view and for candidates), and deleted with it.
    observations: [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:Scan",
      "dynamodb:PutItem",
      "dynamodb:DeleteItem",
    ],
    // A host's events written with its registration and its changes, read, and deleted with it.
    events: ["dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"],
    profiles: ["dynamodb:GetItem"],
    // A host and its address's claim are put and deleted in one transaction.
    addresses: ["dynamodb:PutItem", "dynamodb:DeleteItem"],
  },
  scheduler: {
    hosts: ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
    // A placement is put before its commit and deleted when the commit fails or run mode releases it.
    placements: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"],
    // A host read whole (a commit's outcome read back) comes with its observation and its events; a
    // snapshot of every host (a small cluster, or a 409 judged on all) with their observations.
    observations: ["dynamodb:GetItem", "dynamodb:Scan"],
    events: ["dynamodb:Query"],
    requests: ["dynamodb:GetItem", "dynamodb:PutItem"],
  },
  // The refresh lists the hosts and hands them out; its workers read, probe and write them.
  refresh: {
    hosts: ["dynamodb:Scan"],
    // Engines tell which hosts share one (the shards keep them together).
    observations: ["dynamodb:Scan"],
  },
  refreshWorker: {
    hosts: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
    // What a probe saw: read with the host, written after it.
    observations: ["dynamodb:GetItem", "dynamodb:PutItem"],
    // Released placements deleted; what failed commits left behind found and deleted.
    placements: ["dynamodb:Query", "dynamodb:DeleteItem"],
    // The events a refresh's change made.
    events: ["dynamodb:PutItem"],
    profiles: ["dynamodb:GetItem", "dynamodb:PutItem"],
  },
} as const;
