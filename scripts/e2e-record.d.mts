// Types of e2e-record.mjs, for the test of the cluster fixture that uses it.
export interface RecordEntry {
  kind: 'ran' | 'skipped' | 'sandbox-only';
  file?: string;
  test?: string;
  on?: 'sandbox' | 'given';
  reason?: string;
  namespaces?: string[];
  clusterObjects?: { kind: string; name: string }[];
  groups?: string[];
}
export interface RecordCounts {
  ranOnSandbox: number;
  ranOnGiven: number;
  skipped: number;
  skippedBy: Record<string, number>;
  sandboxOnly: number;
}
export function readRecord(file: string): RecordEntry[];
export function countRecord(entries: RecordEntry[]): RecordCounts;
export function summary(entries: RecordEntry[], given: string | undefined): string[];
