/**
 * Reading one YAML document of untrusted text (a policy, an ignore file): syntax errors and alias
 * bombs refused with the line and the limit named, and the line of any path into the result,
 * for errors found later.
 */
import { LineCounter, parseDocument } from 'yaml';

/** A parsed document: its value, and the line of a path into it. */
export interface YamlText {
  value: unknown;
  /** The line of the node at `path`, or of its nearest ancestor that exists (1 at worst). */
  lineOf: (path: readonly PropertyKey[]) => number;
}

/** How {@link readYamlText} reads and refuses. */
export interface YamlTextOptions {
  /** Names the text in errors (a file path, `policy.yaml`). */
  source: string;
  /** What is refused when aliases expand too far (`the policy`, `the file`). */
  what: string;
  maxAliases: number;
  /** The error thrown (the caller's own kind), with the `yaml` package's error as `cause`. */
  fail: (message: string, cause?: unknown) => Error;
}

/**
 * Parses `text` (duplicate keys refused); throws `fail(…)` naming `source:line` for a syntax
 * error, or the alias limit when aliases expand past `maxAliases`.
 */
export function readYamlText(text: string, options: YamlTextOptions): YamlText {
  const { source } = options;
  const lines = new LineCounter();
  // logLevel 'error': the yaml package would otherwise print its own warnings to stderr.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    logLevel: 'error',
    uniqueKeys: true,
  });
  const yamlError = doc.errors[0];
  if (yamlError !== undefined) {
    const line = lines.linePos(yamlError.pos[0]).line;
    throw options.fail(`${source}:${line}: not valid YAML: ${firstLine(yamlError.message)}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: options.maxAliases });
  } catch (cause) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount (an "alias bomb").
    throw options.fail(
      `${source}: YAML aliases expand past the limit of ${options.maxAliases}; refusing ${options.what}`,
      cause,
    );
  }
  const lineOf = (path: readonly PropertyKey[]): number => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node: unknown = doc.getIn(path.slice(0, depth), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) return lines.linePos(range[0]).line;
    }
    return 1;
  };
  return { value, lineOf };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
