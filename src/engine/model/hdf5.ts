/**
 * Read-only access to an HDF5 file through h5wasm (the HDF5 C library compiled to WebAssembly; its
 * Node build reads the real file system). Only what the Keras loaders need: groups, string
 * attributes and float datasets.
 */
export interface Hdf5Reader {
  /** Child names of a group ('' is the root); [] when the path is not a group. */
  keys(group: string): string[];
  isGroup(path: string): boolean;
  isDataset(path: string): boolean;
  /** A string attribute, or null. */
  stringAttribute(path: string, name: string): string | null;
  /** A list-of-strings attribute (Keras's layer_names, weight_names); [] when absent or empty. */
  stringListAttribute(path: string, name: string): string[];
  /** A float dataset as float32 with its shape, or null when absent. */
  dataset(path: string): { shape: number[]; values: Float32Array } | null;
  close(): void;
}

type H5wasm = typeof import('h5wasm/node').default;
let loading: Promise<H5wasm> | null = null;

/** h5wasm (4 MB of JS and WebAssembly) is loaded on first use, not when the engine starts. */
function loadH5wasm(): Promise<H5wasm> {
  loading ??= import('h5wasm/node').then(async (module) => {
    const wasm = await module.default.ready;
    // HDF5 errors become thrown JS errors instead of a stack printed to stderr.
    wasm.activate_throwing_error_handler();
    return module.default;
  });
  return loading;
}

/** Opens an HDF5 file for reading; throws when h5wasm cannot open it. */
export async function openHdf5(file: string): Promise<Hdf5Reader> {
  const h5wasm = await loadH5wasm();
  const h5 = new h5wasm.File(file, 'r');
  const get = (path: string) => (path === '' || path === '/' ? h5 : h5.get(path));
  const attributes = (path: string) => {
    const entity = get(path);
    return entity instanceof h5wasm.Group || entity instanceof h5wasm.Dataset ? entity.attrs : {};
  };
  return {
    keys(group) {
      const entity = get(group);
      return entity instanceof h5wasm.Group ? entity.keys() : [];
    },
    isGroup: (path) => get(path) instanceof h5wasm.Group,
    isDataset: (path) => get(path) instanceof h5wasm.Dataset,
    stringAttribute(path, name) {
      const value = attributes(path)[name]?.value;
      if (typeof value === 'string') return value;
      if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
      return null;
    },
    stringListAttribute(path, name) {
      const value = attributes(path)[name]?.value;
      if (Array.isArray(value)) return value.map(String);
      if (typeof value === 'string') return [value];
      return [];
    },
    dataset(path) {
      const entity = get(path);
      if (!(entity instanceof h5wasm.Dataset)) return null;
      const value = entity.value;
      const shape = entity.shape ?? [];
      if (value instanceof Float32Array) return { shape, values: value };
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        return { shape, values: Float32Array.from(value as unknown as ArrayLike<number>, Number) };
      }
      if (typeof value === 'number') return { shape, values: Float32Array.of(value) };
      return null;
    },
    close: () => {
      h5.close();
    },
  };
}

/** An h5wasm error in a few words: HDF5's innermost reason ("Not an HDF5 file"), never a stack. */
export function describeHdf5Error(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reasons = [...text.matchAll(/minor: ([^\n]+)/g)].map((m) => m[1].trim());
  const reason = reasons.length > 0 ? reasons[reasons.length - 1] : text.split('\n')[0];
  return reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
