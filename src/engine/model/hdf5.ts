import h5wasm from 'h5wasm/node';

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

let ready: Promise<unknown> | null = null;

/** Opens an HDF5 file for reading; throws when h5wasm cannot open it. */
export async function openHdf5(file: string): Promise<Hdf5Reader> {
  ready ??= h5wasm.ready;
  await ready;
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
