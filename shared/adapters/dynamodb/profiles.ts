import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type ImageProfile, type ProfileStore, type UsageSample, withSamples } from "../../core/profile.js";
import { system } from "../system.js";
import { guarded } from "./errors.js";

/**
 * Attempts to add samples when another writer added to the same profile meanwhile: the shards of a
 * refresh round each write the images their hosts run, often at once (functions/refresh-worker).
 */
const RECORD_ATTEMPTS = 12;

/**
 * The pause after a lost race, at most: random up to min(this, 20 ms × 2^attempt) ("full jitter", AWS
 * Architecture Blog, "Exponential Backoff And Jitter", 2015), so that writers that collided spread out
 * instead of colliding again; 12 attempts wait at most about 6 s in all.
 */
const MAX_BACKOFF_MS = 1000;

/**
 * Image profiles in DynamoDB, one item per image; samples are added by read, merge and conditional put
 * on the item's version, so that concurrent writers never lose or double another's samples.
 */
export class DynamoDbProfileStore implements ProfileStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly pause: { sleep: (ms: number) => Promise<void>; random: () => number } = system,
  ) {
    this.documents = DynamoDBDocumentClient.from(client);
  }

  async record(image: string, samples: UsageSample[], now: Date): Promise<void> {
    for (let attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
      const current = await this.read(image);
      const next = withSamples(current?.profile, image, samples, now);
      try {
        await guarded(
          this.documents.send(
            new PutCommand({
              TableName: this.table,
              Item: { ...next, version: (current?.version ?? 0) + 1 },
              ConditionExpression: current ? "version = :seen" : "attribute_not_exists(image)",
              ...(current && { ExpressionAttributeValues: { ":seen": current.version } }),
            }),
          ),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        await this.pause.sleep(this.pause.random() * Math.min(MAX_BACKOFF_MS, 20 * 2 ** attempt));
      }
    }
    throw new Error(`the profile of ${image} kept changing under ${RECORD_ATTEMPTS} attempts`);
  }

  async get(image: string): Promise<ImageProfile | undefined> {
    return (await this.read(image))?.profile;
  }

  private async read(image: string): Promise<{ profile: ImageProfile; version: number } | undefined> {
    const { Item } = await guarded(
      this.documents.send(new GetCommand({ TableName: this.table, Key: { image }, ConsistentRead: true })),
    );
    if (!Item) return undefined;
    const { version, ...profile } = Item;
    return { profile: profile as ImageProfile, version: Number(version) };
  }
}
