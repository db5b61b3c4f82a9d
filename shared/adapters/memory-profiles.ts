import { type ImageProfile, type ProfileStore, type UsageSample, withSamples } from "../core/profile.js";

/** Image profiles in this process's memory (local runs with CITADEL_STORE=memory, and tests). */
export class MemoryProfileStore implements ProfileStore {
  private readonly profiles = new Map<string, ImageProfile>();

  async record(image: string, samples: UsageSample[], now: Date): Promise<void> {
    this.profiles.set(image, withSamples(this.profiles.get(image), image, samples, now));
  }

  async get(image: string): Promise<ImageProfile | undefined> {
    const profile = this.profiles.get(image);
    return profile && structuredClone(profile);
  }
}
