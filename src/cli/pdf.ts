import type { AuditResult } from '../engine/audit';
import type { EngineClient } from '../engine/worker/engine-client';
import { toAuditView } from '../host/app-service';
import { printReportPdf } from '../host/pdf/print-report-pdf';
import { auditNames } from '../storage';
import type { FinetuneDocument } from '../shared/finetune-document';

export interface PdfRequest {
  file: string;
  pageSize: 'A4' | 'Letter';
}

/** Prints the report of an audit (and of a fine-tune, when given) and says where it went. */
export async function writeReportPdf(
  engine: EngineClient,
  audit: AuditResult,
  /** The model and test set, for thumbnails; absent for a score file (no images to show). */
  inputs: { modelPath?: string; dataPath?: string },
  pdf: PdfRequest,
  finetune: FinetuneDocument | null = null,
): Promise<void> {
  const names = auditNames(audit.document);
  await printReportPdf({
    audit: toAuditView('report', audit),
    finetune,
    model:
      inputs.modelPath !== undefined && audit.document.model
        ? { path: inputs.modelPath, label: names.model }
        : null,
    testSet:
      inputs.dataPath !== undefined && inputs.modelPath !== undefined
        ? { path: inputs.dataPath, label: names.testSet }
        : null,
    file: pdf.file,
    pageSize: pdf.pageSize,
    engine,
  });
  process.stdout.write(`Wrote the report to ${pdf.file}\n`);
}
