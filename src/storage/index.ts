/** The history: the only module that issues SQL. See docs/storage.md. */
export type {
  AuditComparison,
  AuditFilter,
  AuditSummary,
  CompareOptions,
  FinetuneArmSummary,
  FinetuneFilter,
  FinetuneSummary,
  History,
  HistoryOptions,
  SaveFinetuneOptions,
  StoredAudit,
  StoredFinetune,
  StoredSamples,
  TrendPoint,
} from './history';
export { auditNames, defaultHistoryPath, openHistory, recoveryNotice } from './sqlite-history';
export { SCHEMA_VERSION } from './schema';
