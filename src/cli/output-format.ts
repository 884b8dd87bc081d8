/**
 * `--format text|json|junit|markdown` for the commands whose output CI consumes (`run`, `gate`).
 * `--json` stays as an alias of `--format json`; asking for two different formats is a usage error.
 */
import { InvalidArgumentError, type Command } from 'commander';

export const OUTPUT_FORMATS = ['text', 'json', 'junit', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface FormatFlags { format?: OutputFormat; json?: boolean }

/** Commander argument parser: one of OUTPUT_FORMATS. */
export function parseOutputFormat(text: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(text)) return text as OutputFormat;
  throw new InvalidArgumentError(`must be one of ${OUTPUT_FORMATS.join(', ')}`);
}

/** Adds --format and its --json alias. */
export function withFormatOptions(command: Command, what: string): Command {
  return command
    .option('--format <format>', `print ${what} as text (default), json, junit (JUnit XML for CI test reports) or markdown (for job summaries)`, parseOutputFormat)
    .option('--json', 'the same as --format json');
}

/** The format the flags ask for, or an error message when they ask for two. */
export function chosenFormat(flags: FormatFlags): { format: OutputFormat } | { error: string } {
  if (flags.json && flags.format !== undefined && flags.format !== 'json') {
    return { error: `--json asks for JSON but --format asks for ${flags.format}; use one` };
  }
  return { format: flags.json ? 'json' : (flags.format ?? 'text') };
}
