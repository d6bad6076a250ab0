/**
 * VCF → VCF Zarr (specification v0.4): the streaming importer and its parts.
 * @module
 */
export { importVcf, type ImportVcfOptions, type ImportVcfSummary } from "./import.js";
export { VcfError } from "./errors.js";
export { parseHeader, parseStructured, type VcfHeader, type VcfFieldDef, type VcfFilterDef, type VcfContigDef, type VcfType } from "./header.js";
export { scanVcf, type VcfScan, type FieldStats } from "./scan.js";
export { planImport, DEFAULT_COMPRESSOR, BITSHUFFLE_COMPRESSOR, type ImportPlan, type ArraySpec, type FieldPlan, type FieldSelection, type PlanOptions, type ValueKind, type BloscChoice } from "./fields.js";
export { FLOAT_MISSING_BITS, FLOAT_FILL_BITS, INT_MISSING, INT_FILL } from "./columns.js";
export { parseIntBytes, parseFloatBytes } from "./numbers.js";
