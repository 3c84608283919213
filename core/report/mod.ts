/**
 * Self-contained HTML reports with inline SVG charts (DET, histograms, diarization timeline, PCA).
 * @module
 */
export { type DiarizationSection, renderReport, type ReportData, type VerificationSection } from "./html.ts";
export { detPoints, detSvg, histogramSvg, probit, scatterSvg, timelineSvg, type Turn } from "./charts.ts";
export { pcaProject } from "./pca.ts";
