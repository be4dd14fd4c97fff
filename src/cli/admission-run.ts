/**
 * The action of `moat admission manifests`: reads the admission policies of the configuration
 * (`admission.policyFile`, `admission.policies` of `moat.yaml` or `--config`, and `MOAT_ADMISSION_*`),
 * checks that each loads and needs no file beside it, and prints the manifests on stdout; notes
 * (unreachable or overlapping bindings) go to stderr.
 */
import { MoatError } from '../errors.js';
import { admissionManifests, type ShippedPolicy } from '../admission/manifests.js';
import { loadPolicyFile } from '../policy/index.js';
import { readFileBounded } from '../util/bounded-file.js';
import type { AdmissionManifestFlags } from './admission.js';
import type { CliIo } from './io.js';
import { loadConfigOfFlags } from './serve-config.js';
import { version } from './version.js';

/** The largest policy file shipped in the ConfigMap (a ConfigMap holds at most 1 MiB in all). */
const maxPolicyBytes = 256 * 1024;
const dnsLabel = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function usage(message: string): MoatError {
  return new MoatError('USAGE', message);
}

function integerFlag(value: string, flag: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    throw usage(
      `${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

/** `moat admission manifests`. */
export async function runAdmissionManifests(
  flags: AdmissionManifestFlags,
  io: CliIo,
): Promise<void> {
  if (!dnsLabel.test(flags.serviceName)) {
    throw usage(
      `--service-name: ${JSON.stringify(flags.serviceName)} is not a DNS label (lower-case letters, digits and -, at most 63)`,
    );
  }
  if (!dnsLabel.test(flags.namespace)) {
    throw usage(
      `--namespace: ${JSON.stringify(flags.namespace)} is not a DNS label (lower-case letters, digits and -, at most 63)`,
    );
  }
  const port = integerFlag(flags.port, '--port', 1024, 65535);
  const validityDays = integerFlag(flags.validityDays, '--validity-days', 1, 3650);
  if (flags.publicUrl !== undefined && !/^https?:\/\/[^/]+\/?$/.test(flags.publicUrl)) {
    throw usage(
      `--public-url: expected http(s)://host[:port], got ${JSON.stringify(flags.publicUrl)}`,
    );
  }
  const config = loadConfigOfFlags({ config: flags.config });
  const ship = async (path: string, where: string): Promise<string> => {
    // Refused here rather than at the pod's start: the policy must load, and only the policy
    // file goes into the ConfigMap, so keys and trusted roots must be written inline.
    const compiled = await loadPolicyFile(path);
    for (const rule of compiled.document.spec.rules) {
      const signatures = rule.requireSignatures;
      if (signatures === undefined) continue;
      const files = [
        ...(signatures.keys ?? []).filter((key) => !key.trimStart().startsWith('-----BEGIN')),
        ...(signatures.trustedRoot !== undefined &&
        !signatures.trustedRoot.trimStart().startsWith('{')
          ? [signatures.trustedRoot]
          : []),
      ];
      if (files.length > 0) {
        throw usage(
          `${where} ${path}: rule ${rule.name} reads ${files.join(', ')} beside the policy; only the policy is shipped to the cluster, so write keys (PEM) and trusted roots (JSON) inline`,
        );
      }
    }
    return (await readFileBounded(path, maxPolicyBytes, `${where} ${path}`)).toString('utf8');
  };
  const bindings: ShippedPolicy[] = [];
  for (const [index, binding] of config.admission.policies.entries()) {
    bindings.push({
      text: await ship(binding.policyFile, `admission.policies[${index}]`),
      ...(binding.namespaceSelector ? { namespaceSelector: binding.namespaceSelector } : {}),
    });
  }
  const fallbackFile = config.admission.policyFile;
  const fallback =
    fallbackFile !== undefined
      ? { text: await ship(fallbackFile, 'admission.policyFile') }
      : undefined;
  const { yaml, notes } = admissionManifests({
    serviceName: flags.serviceName,
    namespace: flags.namespace,
    image: flags.image ?? `moat:${version}`,
    bindings,
    ...(fallback ? { fallback } : {}),
    port,
    validityDays,
    ...(flags.publicUrl !== undefined ? { publicUrl: flags.publicUrl.replace(/\/$/, '') } : {}),
    timeoutSeconds: Math.min(9, Math.max(1, Math.floor(config.admission.timeoutMs / 1000))),
  });
  if (flags.image === undefined)
    notes.push(`the Deployment runs image moat:${version}; --image names another`);
  for (const note of notes) io.stderr.write(`moat: ${note}\n`);
  io.stdout.write(yaml);
}
