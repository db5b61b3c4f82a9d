import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * The tables: hosts (key `id`), placements (key `host_id` and `id`: each placement whole, beside its
 * summary in its host's item), observations (key `id`: what the last refresh saw of a host), host
 * events (key `host_id` and `seq`, TTL on `expires_at`), idempotency records (key `key`, TTL on
 * `expires_at`), image profiles (key `image`), and address claims (key `addr`, attribute `host_id`:
 * which host has that address).
 */
export interface TableNames {
  hosts: string;
  placements: string;
  observations: string;
  events: string;
  requests: string;
  profiles: string;
  addresses: string;
}

/** The tables' key schemas, for DynamoDB Local and tests (the CDK stack declares the same keys). */
export function tableDefinitions(tables: TableNames): CreateTableCommandInput[] {
  return [
    {
      TableName: tables.hosts,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
    byHost(tables.placements, "id"),
    {
      TableName: tables.observations,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
    byHost(tables.events, "seq"),
    {
      TableName: tables.requests,
      AttributeDefinitions: [{ AttributeName: "key", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "key", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
    {
      TableName: tables.profiles,
      AttributeDefinitions: [{ AttributeName: "image", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "image", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
    {
      TableName: tables.addresses,
      AttributeDefinitions: [{ AttributeName: "addr", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "addr", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    },
  ];
}

/** A table of items keyed by their host's id and a sort key of their own. */
function byHost(table: string, sortKey: string): CreateTableCommandInput {
  return {
    TableName: table,
    AttributeDefinitions: [
      { AttributeName: "host_id", AttributeType: "S" },
      { AttributeName: sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: "host_id", KeyType: "HASH" },
      { AttributeName: sortKey, KeyType: "RANGE" },
    ],
    BillingMode: "PAY_PER_REQUEST",
  };
}
