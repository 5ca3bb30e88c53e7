/**
 * Counts the parameters of an ONNX model from its protobuf bytes: the elements of every
 * initializer of the main graph (ModelProto.graph = field 7, GraphProto.initializer = field 5,
 * TensorProto.dims = field 1), plus the float-list attributes of its nodes (GraphProto.node =
 * field 1, NodeProto.attribute = field 5, AttributeProto.floats = field 7), where scikit-learn
 * exports keep their coefficients. onnxruntime does not expose either, and the count is all the
 * app shows of them; null when the bytes do not parse as expected.
 */
export function countOnnxParameters(bytes: Uint8Array): number | null {
  try {
    let total = 0;
    for (const graph of fields(bytes, 0, bytes.length, 7)) {
      for (const tensor of fields(bytes, graph.start, graph.end, 5)) {
        let size = 1;
        for (const dim of dimsOf(bytes, tensor.start, tensor.end)) size *= dim;
        total += size;
      }
      for (const node of fields(bytes, graph.start, graph.end, 1)) {
        for (const attribute of fields(bytes, node.start, node.end, 5)) {
          total += countFloats(bytes, attribute.start, attribute.end);
        }
      }
    }
    return total;
  } catch {
    return null;
  }
}

interface Span {
  start: number;
  end: number;
}

function varint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new RangeError('truncated varint');
    const byte = bytes[i++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i };
    scale *= 128;
    if (scale > 2 ** 63) throw new RangeError('varint too long');
  }
}

/** Length-delimited occurrences of field `wanted` in [start, end). */
function fields(bytes: Uint8Array, start: number, end: number, wanted: number): Span[] {
  const out: Span[] = [];
  let i = start;
  while (i < end) {
    const key = varint(bytes, i);
    i = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (wire === 0) i = varint(bytes, i).next;
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const length = varint(bytes, i);
      const span = { start: length.next, end: length.next + length.value };
      if (span.end > end) throw new RangeError('field past its message');
      if (field === wanted) out.push(span);
      i = span.end;
    } else throw new RangeError(`wire type ${wire}`);
  }
  if (i !== end) throw new RangeError('message overrun');
  return out;
}

/** TensorProto.dims (field 1): repeated int64, packed or not. */
function dimsOf(bytes: Uint8Array, start: number, end: number): number[] {
  const dims: number[] = [];
  let i = start;
  while (i < end) {
    const key = varint(bytes, i);
    i = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (field === 1 && wire === 0) {
      const dim = varint(bytes, i);
      dims.push(dim.value);
      i = dim.next;
    } else if (field === 1 && wire === 2) {
      const length = varint(bytes, i);
      let j = length.next;
      while (j < length.next + length.value) {
        const dim = varint(bytes, j);
        dims.push(dim.value);
        j = dim.next;
      }
      i = length.next + length.value;
    } else if (wire === 0) i = varint(bytes, i).next;
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const length = varint(bytes, i);
      i = length.next + length.value;
    } else throw new RangeError(`wire type ${wire}`);
  }
  return dims;
}

/** AttributeProto.floats (field 7): packed (wire type 2) or repeated fixed32 (wire type 5). */
function countFloats(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  let i = start;
  while (i < end) {
    const key = varint(bytes, i);
    i = key.next;
    const field = Math.floor(key.value / 8);
    const wire = key.value % 8;
    if (wire === 0) i = varint(bytes, i).next;
    else if (wire === 1) i += 8;
    else if (wire === 5) {
      if (field === 7) count++;
      i += 4;
    } else if (wire === 2) {
      const length = varint(bytes, i);
      if (field === 7) count += length.value / 4;
      i = length.next + length.value;
    } else throw new RangeError(`wire type ${wire}`);
  }
  return count;
}
