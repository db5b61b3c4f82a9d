import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { type ImageProfile, type ProfileStore, type UsageSample, withSamples } from "../../core/profile.js";
import { guarded } from "./errors.js";

/** Attempts to add samples when another refresh wrote the same profile meanwhile. */
const RECORD_ATTEMPTS = 5;

/** Image profiles in DynamoDB, one item per image; samples are added by read, merge and conditional put. */
export class DynamoDbProfileStore implements ProfileStore {
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
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
