import type { IdempotencyRecord } from "../../core/registry.js";

/** Writes a key's record unless a record that holds the key is there (the negation of `holdsKey`). */
export function takeKey(table: string, record: IdempotencyRecord) {
  return {
    TableName: table,
    Item: {
      key: record.key,
      fingerprint: record.fingerprint,
      outcome: record.outcome,
      answer: JSON.stringify(record.answer),
      delivery_id: record.deliveryId,
      created_at: record.createdAt,
      expires_at: record.expiresAt,
    },
    ConditionExpression:
      "attribute_not_exists(#key) OR #expires < :created OR (#outcome <> :placed AND #delivery <> :delivery)",
    ExpressionAttributeNames: {
      "#key": "key",
      "#expires": "expires_at",
      "#outcome": "outcome",
      "#delivery": "delivery_id",
    },
    ExpressionAttributeValues: {
      ":created": record.createdAt,
      ":placed": "placed",
      ":delivery": record.deliveryId,
    },
  };
}
