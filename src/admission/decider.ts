/**
 * The decisions behind both webhooks. Validation: each distinct image of the object is resolved
 * to its digest, then decided under the namespace's policy — Moat's own images by the gate
 * (`GateService.decideStored`: the stored scan, config and signatures), others, when the policy's
 * `allowedRegistries` admit their registry, by the policy pipeline (`checkImage`); images from any
 * other registry are refused. Decisions are cached per (policy hash, image digest). Mutation:
 * each tag is resolved to the digest it names. Both are bounded by `timeoutMs`: what is not
 * decided by then is answered as `docs/admission.md` describes (refused by validation, left
 * unpinned by mutation) while the work goes on and fills the cache for the API server's retry.
 */
import { isMoatError } from '../errors.js';
import { Semaphore } from '../util/semaphore.js';
import type { GateService } from '../server/gate-types.js';
import type { CompiledPolicy, Decision } from '../policy/types.js';
import { DecisionCache } from './decision-cache.js';
import type { ImageResolver, ResolvedImage, UnresolvedImage } from './image-resolver.js';
import type { ImagePin } from './patch.js';
import type { ContainerImage } from './pod-specs.js';
import { allowedRegistriesOf, registryAllowed } from './registries.js';

/** Decides an image outside Moat's registry under a policy (the policy helper's `checkImage`). */
export type ExternalCheck = (reference: string, policy: CompiledPolicy) => Promise<Decision>;

/** What {@link AdmissionDecider} needs. */
export interface AdmissionDeciderOptions {
  resolver: ImageResolver;
  /** Registry enforcement; absent, images in Moat's registry are refused with the reason. */
  gate?: Pick<GateService, 'decideStored'>;
  checkExternal: ExternalCheck;
  cacheTtlMs: number;
  timeoutMs: number;
  /** The hosts naming Moat's registry, for messages. */
  hosts: () => readonly string[];
  /** Images of other registries scanned at once (each reads and scans every layer); default 2. */
  externalConcurrency?: number;
}

/** The outcome of validating one object. */
export interface Validation {
  allowed: boolean;
  /** One line per refused image, naming each failing `deny` rule. */
  denials: string[];
  /** Failing `warn` rules and other notes. */
  warnings: string[];
  /** True when the timeout cut the decision short. */
  timedOut: boolean;
}

/** The outcome of mutating one object. */
export interface Mutation {
  pins: ImagePin[];
  warnings: string[];
  timedOut: boolean;
}

interface ImageOutcome {
  denials: string[];
  warnings: string[];
}

const timedOut = Symbol('timed out');

/** Both webhooks' decisions, with the cache and the deadline; one per server. */
export class AdmissionDecider {
  private readonly cache: DecisionCache;
  private readonly externalSlots: Semaphore;

  constructor(private readonly options: AdmissionDeciderOptions) {
    this.cache = new DecisionCache(options.cacheTtlMs);
    this.externalSlots = new Semaphore(options.externalConcurrency ?? 2);
  }

  /** Forgets the cached decisions about `digest` (called when its scan changes). */
  forget(digest: string): void {
    this.cache.forgetDigest(digest);
  }

  /**
   * Decides every image of an object under `policy`. With `dryRun` (the review's `request.dryRun`)
   * the gate's decisions are neither audited nor cached: the webhooks declare
   * `sideEffects: NoneOnDryRun`.
   * @example const { allowed, denials, warnings } = await decider.validate(images, policy);
   */
  async validate(
    images: readonly ContainerImage[],
    policy: CompiledPolicy,
    options: { dryRun?: boolean } = {},
  ): Promise<Validation> {
    const dryRun = options.dryRun === true;
    const byImage = groupByImage(images);
    const pending = new Map<string, Promise<ImageOutcome>>();
    for (const [image, containers] of byImage) {
      pending.set(image, this.decideImage(image, containers, policy, dryRun));
    }
    const outcomes = await this.withDeadline(pending);
    const denials: string[] = [];
    const warnings: string[] = [];
    const undecided: string[] = [];
    for (const [image] of byImage) {
      const outcome = outcomes.get(image);
      if (outcome === undefined) undecided.push(image);
      else {
        for (const line of outcome.denials) denials.push(line);
        for (const line of outcome.warnings) warnings.push(line);
      }
    }
    if (undecided.length > 0) {
      denials.push(
        `not decided within ${this.options.timeoutMs} ms (the scan or the registry is slow): ${undecided.join(', ')}; ` +
          'the decision goes on, and a retry is answered from the cache once it is made',
      );
    }
    return { allowed: denials.length === 0, denials, warnings, timedOut: undecided.length > 0 };
  }

  /**
   * Resolves the tag of every image that names none to its digest.
   * @example const { pins } = await decider.pin(images);
   */
  async pin(images: readonly ContainerImage[]): Promise<Mutation> {
    const pending = new Map<string, Promise<ResolvedImage | UnresolvedImage>>();
    for (const image of images) {
      if (!pending.has(image.image))
        pending.set(image.image, this.options.resolver.resolve(image.image));
    }
    const resolved = await this.withDeadline(pending);
    const pins: ImagePin[] = [];
    const warnings: string[] = [];
    const undecided = new Set<string>();
    for (const image of images) {
      const outcome = resolved.get(image.image);
      if (outcome === undefined) undecided.add(image.image);
      else if (!outcome.ok) warnings.push(`not pinned to a digest: ${outcome.reason}`);
      else pins.push({ path: image.path, from: image.image, digest: outcome.digest });
    }
    if (undecided.size > 0) {
      warnings.push(
        `not pinned to a digest: no answer within ${this.options.timeoutMs} ms for ${[...undecided].join(', ')}`,
      );
    }
    return { pins, warnings, timedOut: undecided.size > 0 };
  }

  private async decideImage(
    image: string,
    containers: readonly string[],
    policy: CompiledPolicy,
    dryRun: boolean,
  ): Promise<ImageOutcome> {
    const who = `${containers.length > 1 ? 'containers' : 'container'} ${containers.join(', ')} (${image})`;
    const { resolver } = this.options;
    const named = resolver.parse(image);
    // A registry the policy does not allow is refused before any request is sent to it.
    if (
      named.ok &&
      !resolver.isHosted(named.reference.registry) &&
      !registryAllowed(named.reference.registry, allowedRegistriesOf(policy))
    ) {
      return {
        denials: [
          `${who}: registry ${named.reference.registry} is neither Moat's registry (${this.options.hosts().join(', ')}) nor allowed by policy ${policy.name} (allowedRegistries)`,
        ],
        warnings: [],
      };
    }
    const resolved = await resolver.resolve(image);
    if (!resolved.ok) return { denials: [`${who}: ${resolved.reason}`], warnings: [] };
    const { reference, digest } = resolved;
    const name = `${reference.registry}/${reference.repository}`;
    const { gate } = this.options;
    if (resolved.hosted && gate === undefined) {
      return {
        denials: [`${who}: registry enforcement is not running on this server`],
        warnings: [],
      };
    }
    let decision: Decision;
    try {
      decision = await this.cache.getOrCompute(
        DecisionCache.keyOf(policy.hash, name, digest),
        () =>
          resolved.hosted && gate !== undefined
            ? gate.decideStored(reference.repository, digest, policy, { audit: !dryRun })
            : this.checkExternal(`${name}@${digest}`, policy),
        // A dry run's gate decision is not audited, so it is not kept for a real review either.
        { store: !(dryRun && resolved.hosted) },
      );
    } catch (error) {
      const reason = isMoatError(error)
        ? error.message
        : 'the decision failed (see the server log)';
      return {
        denials: [`${who}: policy ${policy.name} could not be evaluated: ${reason}`],
        warnings: [],
      };
    }
    return outcomeOf(who, decision, resolved.warnings);
  }

  /** `checkExternal` in one of the bounded slots: a pod of 200 new images never runs 200 scans. */
  private async checkExternal(reference: string, policy: CompiledPolicy): Promise<Decision> {
    await this.externalSlots.acquire();
    try {
      return await this.options.checkExternal(reference, policy);
    } finally {
      this.externalSlots.release();
    }
  }

  /** The settled values of `pending` by key, leaving out those not settled by the deadline. */
  private async withDeadline<T>(pending: Map<string, Promise<T>>): Promise<Map<string, T>> {
    const settled = new Map<string, T>();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<typeof timedOut>((resolve) => {
      timer = setTimeout(() => resolve(timedOut), this.options.timeoutMs);
    });
    const all = Promise.all(
      [...pending].map(async ([key, promise]) => {
        settled.set(key, await promise);
      }),
    );
    try {
      await Promise.race([all, deadline]);
    } finally {
      clearTimeout(timer);
    }
    return settled;
  }
}

function groupByImage(images: readonly ContainerImage[]): Map<string, string[]> {
  const byImage = new Map<string, string[]>();
  for (const image of images) {
    const names = byImage.get(image.image) ?? [];
    names.push(image.container);
    byImage.set(image.image, names);
  }
  return byImage;
}

function outcomeOf(who: string, decision: Decision, notes: readonly string[]): ImageOutcome {
  const failing = decision.results.filter((result) => result.outcome !== 'pass');
  const denied = failing.filter((result) => result.action === 'deny');
  const warned = failing.filter((result) => result.action === 'warn');
  const denials =
    denied.length > 0 || !decision.allowed
      ? [
          `${who} denied by policy ${decision.policy}: ${
            denied.map((r) => `${r.rule}: ${r.message}`).join('; ') || 'not allowed'
          }`,
        ]
      : [];
  return {
    denials,
    warnings: [...notes, ...warned.map((r) => `${who}: ${r.rule}: ${r.message}`)],
  };
}
