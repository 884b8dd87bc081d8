/**
 * The guard every metric attribute passes through. Values are ids, kinds and statuses; anything
 * that looks like free text (SQL, an error message, a URL) becomes "other", so a bug elsewhere can
 * neither leak a secret into a label nor explode the number of series.
 */
import type { Attributes } from '@opentelemetry/api';
import type { InstrumentSpec } from './instruments.js';

const SAFE_VALUE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The value itself when it is a short identifier, otherwise "other". */
export function labelValue(value: string): string {
  return SAFE_VALUE.test(value) ? value : 'other';
}

/** Attributes for an instrument: only its declared keys, each value guarded. */
export function attributesFor(spec: InstrumentSpec, values: Record<string, string>): Attributes {
  const out: Attributes = {};
  for (const key of spec.attributes) {
    const value = values[key];
    if (value !== undefined) out[key] = labelValue(value);
  }
  return out;
}
