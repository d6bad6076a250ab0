/**
 * Result-type rules of the block kernels: numpy 1.24's array-array promotion
 * (`np.result_type` of two arrays, never value-based), with Python scalars treated as
 * "weak" (NEP 50: a Python int keeps an int8 array int8, a Python float keeps float32
 * float32 but turns integer arrays into float64), and each operation's own rule (true
 * division of integers gives float64, comparisons give bool, sqrt of int8 gives float16...).
 *
 * Also the typed errors the kernels raise and the guards that refuse dtypes they do not
 * compute with (complex, strings, datetimes, structured).
 * @module
 */
import { isNumeric, promoteTypes, type NumericDType } from "../../codecs/elementwise.js";
import { dtypeName, type DataType } from "../../format/dtype.js";
import { ComputeError, ComputeError as KernelError, UnsupportedError } from "../../format/errors.js";

/** Kernels throw {@link ComputeError} (format/errors.ts) for arguments they cannot compute with. */
export { ComputeError as KernelError };

/** A Python-like scalar operand's kind: scalars are "weak" in promotion. */
export type ScalarKind = "int-scalar" | "float-scalar" | "bool-scalar";
/** What a result-type rule takes per operand. */
export type OperandType = DataType | ScalarKind;

/** Binary elementwise operations (numpy ufunc names in camelCase). */
export type BinaryOp =
  | "add" | "subtract" | "multiply" | "divide" | "floorDivide" | "mod" | "power" | "minimum" | "maximum" | "fmin" | "fmax"
  | "equal" | "notEqual" | "less" | "lessEqual" | "greater" | "greaterEqual"
  | "logicalAnd" | "logicalOr" | "logicalXor" | "bitwiseAnd" | "bitwiseOr" | "bitwiseXor";

/** Unary elementwise operations. */
export type UnaryOp =
  | "negative" | "abs" | "sqrt" | "exp" | "log" | "log1p" | "floor" | "ceil" | "round"
  | "isnan" | "isfinite" | "logicalNot" | "bitwiseNot";

/** Every binary op, for validation and tests. */
export const BINARY_OPS: readonly BinaryOp[] = [
  "add", "subtract", "multiply", "divide", "floorDivide", "mod", "power", "minimum", "maximum", "fmin", "fmax",
  "equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual",
  "logicalAnd", "logicalOr", "logicalXor", "bitwiseAnd", "bitwiseOr", "bitwiseXor",
];
/** Every unary op. */
export const UNARY_OPS: readonly UnaryOp[] = [
  "negative", "abs", "sqrt", "exp", "log", "log1p", "floor", "ceil", "round", "isnan", "isfinite", "logicalNot", "bitwiseNot",
];

const COMPARISONS = new Set<string>(["equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"]);
const LOGICAL = new Set<string>(["logicalAnd", "logicalOr", "logicalXor"]);
const BITWISE = new Set<string>(["bitwiseAnd", "bitwiseOr", "bitwiseXor"]);
const FLOAT_FUNCS = new Set<string>(["sqrt", "exp", "log", "log1p", "floor", "ceil"]);

/** True for a comparison op (bool result, compared in the promoted type). */
export const isComparison = (op: string): boolean => COMPARISONS.has(op);
/** True for logicalAnd/Or/Xor (bool result from each operand's truthiness). */
export const isLogical = (op: string): boolean => LOGICAL.has(op);
/** True for bitwiseAnd/Or/Xor. */
export const isBitwise = (op: string): boolean => BITWISE.has(op);

/** The numeric dtype descriptors, little endian (the in-memory order). */
export const DT = {
  bool: { kind: "bool" } as NumericDType,
  int8: { kind: "int", bits: 8, endian: "little" } as NumericDType,
  int16: { kind: "int", bits: 16, endian: "little" } as NumericDType,
  int32: { kind: "int", bits: 32, endian: "little" } as NumericDType,
  int64: { kind: "int", bits: 64, endian: "little" } as NumericDType,
  uint8: { kind: "uint", bits: 8, endian: "little" } as NumericDType,
  uint16: { kind: "uint", bits: 16, endian: "little" } as NumericDType,
  uint32: { kind: "uint", bits: 32, endian: "little" } as NumericDType,
  uint64: { kind: "uint", bits: 64, endian: "little" } as NumericDType,
  float16: { kind: "float", bits: 16, endian: "little" } as NumericDType,
  float32: { kind: "float", bits: 32, endian: "little" } as NumericDType,
  float64: { kind: "float", bits: 64, endian: "little" } as NumericDType,
} as const;

/** Every numeric dtype name the kernels compute with. */
export const NUMERIC_NAMES = Object.keys(DT) as (keyof typeof DT)[];

/** `dt` as a little-endian numeric dtype, or a typed error naming `op` (complex, strings, datetimes... are refused). */
export function requireNumeric(dt: DataType, op: string): NumericDType {
  if (!isNumeric(dt)) {
    const what = dt.kind === "complex" ? "complex arithmetic" : "dtype";
    throw new UnsupportedError(what, `${op} does not support ${dtypeName(dt)} data`);
  }
  return dt.kind === "bool" ? DT.bool : ({ kind: dt.kind, bits: dt.bits, endian: "little" } as NumericDType);
}

/** Same numeric type (byte order ignored). */
export function sameType(a: DataType, b: DataType): boolean {
  return a.kind === b.kind && (a as { bits?: number }).bits === (b as { bits?: number }).bits;
}

const isScalarKind = (t: OperandType): t is ScalarKind => typeof t === "string";
const isFloatT = (d: NumericDType) => d.kind === "float";
const isIntT = (d: NumericDType) => d.kind === "int" || d.kind === "uint";

/** The type a scalar operand has on its own (Python int → int64, float → float64). */
function scalarAlone(s: ScalarKind): NumericDType {
  return s === "bool-scalar" ? DT.bool : s === "int-scalar" ? DT.int64 : DT.float64;
}

/** A weak scalar of kind `s` meeting an array of `dt`: the array's type unless the scalar's category is higher. */
function withScalar(dt: NumericDType, s: ScalarKind): NumericDType {
  if (s === "bool-scalar") return dt;
  if (s === "int-scalar") return dt.kind === "bool" ? DT.int64 : dt;
  return isFloatT(dt) ? dt : DT.float64;
}

/** The common type of the operands (numpy promotion, weak scalars), before each op's own rule. */
export function commonType(op: string, a: OperandType, b?: OperandType): NumericDType {
  if (b === undefined) return isScalarKind(a) ? scalarAlone(a) : requireNumeric(a, op);
  if (isScalarKind(a) && isScalarKind(b)) return promoteTypes(scalarAlone(a), scalarAlone(b));
  if (isScalarKind(a)) return withScalar(requireNumeric(b as DataType, op), a);
  if (isScalarKind(b)) return withScalar(requireNumeric(a, op), b);
  return promoteTypes(requireNumeric(a, op), requireNumeric(b, op));
}

/** The smallest float that holds every value of `dt` (numpy's choice of loop for sqrt, exp...). */
export function floatFor(dt: NumericDType): NumericDType {
  if (dt.kind === "float") return dt;
  if (dt.kind === "bool" || dt.bits === 8) return DT.float16;
  return dt.bits === 16 ? DT.float32 : DT.float64;
}

const refuse = (op: string, t: NumericDType): never => {
  throw new UnsupportedError("dtype", `${op} is not defined for ${dtypeName(t)} data (numpy raises TypeError)`);
};

/**
 * The type a kernel computes `op` in: inputs are cast to it first (logical ops use each
 * operand's truthiness instead). Throws UnsupportedError where numpy has no loop (bitwise
 * on floats, subtract/negative on bools).
 */
export function loopType(op: string, a: OperandType, b?: OperandType): NumericDType {
  const t = commonType(op, a, b);
  switch (op) {
    case "add": case "multiply": case "minimum": case "maximum": case "fmin": case "fmax":
    case "equal": case "notEqual": case "less": case "lessEqual": case "greater": case "greaterEqual":
    case "logicalAnd": case "logicalOr": case "logicalXor": case "where":
    case "abs": case "isnan": case "isfinite": case "logicalNot":
      return t;
    case "subtract": case "negative":
      return t.kind === "bool" ? refuse(op, t) : t;
    case "floorDivide": case "mod": case "power":
      return t.kind === "bool" ? DT.int8 : t;
    case "divide":
      return isFloatT(t) ? t : DT.float64;
    case "bitwiseAnd": case "bitwiseOr": case "bitwiseXor": case "bitwiseNot":
      return isFloatT(t) ? refuse(op, t) : t;
    case "round":
      // numpy rounds bools through its float16 loop (rint); integers stay as they are.
      return t.kind === "bool" ? DT.float16 : t;
    default:
      if (FLOAT_FUNCS.has(op)) return floatFor(t);
      throw new KernelError(op, "unknown operation");
  }
}

/**
 * numpy's result dtype of `op` on operands of the given types (arrays or weak scalars):
 * `resultType("add", int8, uint8)` is int16, `resultType("divide", int32, int32)` float64,
 * `resultType("less", a, b)` bool. Unary ops take one operand; `"where"` takes the two
 * branches. Throws UnsupportedError for dtypes or combinations numpy refuses.
 */
export function resultType(op: string, a: OperandType, b?: OperandType): DataType {
  const loop = loopType(op, a, b);
  if (COMPARISONS.has(op) || LOGICAL.has(op) || op === "isnan" || op === "isfinite" || op === "logicalNot") return DT.bool;
  return loop;
}

/** True when `dt` is an integer or bool type (exact arithmetic, wraps on overflow). */
export const isIntegral = (dt: NumericDType): boolean => dt.kind === "bool" || isIntT(dt);
