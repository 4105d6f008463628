// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}` with offsets relative to
// the first byte after the header, then the raw little-endian tensor bytes.
import { AgentError } from "../errors";

export interface NamedTensor {
  name: string;
  shape: number[];
  /** float32 values, row-major (PyTorch layout as stored) */
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  /** tensors of types that are not weights (I64 `num_batches_tracked`), by name and dtype */
  skipped: Map<string, string>;
  metadata: Record<string, string>;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

const bytesPer: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, U8: 1, BOOL: 1, F64: 8 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decode(dtype: string, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (dtype === "F32") {
    // Copy bytes (Buffer.slice would be a view, possibly unaligned) straight into the float array.
    if (littleEndian) new Uint8Array(out.buffer).set(bytes);
    else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (dtype === "F16") for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  else if (dtype === "BF16") {
    // bfloat16 is the top half of a float32.
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) u32[i] = view.getUint16(2 * i, true) << 16;
  }
  return out;
}

const bad = (what: string, message: string) =>
  new AgentError("BAD_SAFETENSORS", `${what} is not a valid safetensors file: ${message}`);

/** Parses a whole file held in memory. `what` names it in errors (usually its path). */
export function readSafetensors(buf: Uint8Array, what = "the weights file"): SafetensorsFile {
  if (buf.byteLength < 8) throw bad(what, `only ${buf.byteLength} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) throw bad(what, `header length ${headerLen} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw bad(what, `header is not JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, NamedTensor>();
  const skipped = new Map<string, string>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const e = raw as HeaderEntry;
    const width = bytesPer[e.dtype];
    if (!width || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) {
      throw bad(what, `tensor "${name}" has an unsupported entry ${JSON.stringify(raw)}`);
    }
    const count = e.shape.reduce((a, b) => a * b, 1);
    const [begin, end] = e.data_offsets;
    if (end - begin !== count * width || dataStart + end > buf.byteLength) {
      throw bad(what, `tensor "${name}" (${e.dtype} ${JSON.stringify(e.shape)}) has offsets ${begin}–${end}`);
    }
    if (e.dtype !== "F32" && e.dtype !== "F16" && e.dtype !== "BF16") {
      skipped.set(name, e.dtype);
      continue;
    }
    const data = decode(e.dtype, buf.subarray(dataStart + begin, dataStart + end), count);
    tensors.set(name, { name, shape: e.shape, data });
  }
  return { tensors, skipped, metadata };
}

/** Serialises float32 tensors (in the given order) with optional string metadata. */
export function writeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length)
      throw new Error(`${t.name}: shape ${JSON.stringify(t.shape)} ≠ ${t.data.length} values`);
    header[t.name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    offset += 4 * count;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  const le = new DataView(out.buffer);
  for (const t of tensors) {
    if (littleEndian) out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    else for (let i = 0; i < t.data.length; i++) le.setFloat32(at + 4 * i, t.data[i]!, true);
    at += 4 * t.data.length;
  }
  return out;
}
