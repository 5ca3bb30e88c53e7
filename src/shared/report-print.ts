/** How both printers (headless Chromium and Electron's printToPDF) lay out the report's pages. */
export const REPORT_FOOTER_TEMPLATE = `<div style="width:100%;font-size:8px;color:#666;padding:0 14mm;display:flex;justify-content:space-between;font-family:system-ui,sans-serif"><span>Calibration Audit</span><span>page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;

/** Page margins in millimetres: room for the footer at the bottom. */
export const REPORT_MARGINS_MM = { top: 14, bottom: 16, left: 14, right: 14 } as const;
