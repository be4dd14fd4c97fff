/**
 * `moat admission manifests`: the Kubernetes objects that install Moat's admission webhooks.
 * Only the command definition lives here; the action loads admission-run.ts.
 */
import type { Command } from 'commander';

import type { CliIo } from './io.js';

/** The flags of `moat admission manifests`, as commander parses them. */
export interface AdmissionManifestFlags {
  serviceName: string;
  namespace: string;
  image?: string;
  config?: string;
  port: string;
  validityDays: string;
  publicUrl?: string;
}

/** Adds the `admission` command and its subcommands to `program`. */
export function registerAdmissionCommand(program: Command, io: CliIo): void {
  const admission = program.command('admission').description('the Kubernetes admission webhooks');
  admission
    .command('manifests')
    .description(
      'print the Secret (generated CA and serving certificate), ConfigMap, Deployment, Service and the validating and mutating webhook configurations, for kubectl apply -f -',
    )
    .requiredOption('--service-name <name>', 'name of the Service (and Deployment) of the webhook')
    .requiredOption('--namespace <namespace>', 'namespace to install into (never admitted itself)')
    .option('--image <image>', 'image running moat serve (default: moat:<version>)')
    .option(
      '--config <file>',
      'configuration whose admission policies are shipped (default: moat.yaml when present)',
    )
    .option('--port <port>', 'port moat serve listens on in the pod', '8443')
    .option('--validity-days <days>', 'days the serving certificate is valid', '730')
    .option(
      '--public-url <url>',
      'publicUrl of the in-cluster registry (its images are decided by the gate)',
    )
    .action(async (flags: AdmissionManifestFlags) => {
      await (await import('./admission-run.js')).runAdmissionManifests(flags, io);
    });
}
