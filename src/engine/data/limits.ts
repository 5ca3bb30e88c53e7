/** Largest image we decode; bigger declared sizes are refused before any allocation. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** Largest image file we read into memory. */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;
/** Largest IDX image side; MNIST-family files are tens of pixels wide. */
export const MAX_IDX_SIDE = 4096;
/**
 * Longest CSV record; anything longer is an unterminated quote or not a CSV. A 512×512 RGB image as
 * one row of pixel values is about 3 M characters.
 */
export const MAX_CSV_RECORD_CHARS = 16 * 1024 * 1024;
/** Thumbnail side when the caller gives none. */
export const DEFAULT_THUMBNAIL_SIZE = 128;
