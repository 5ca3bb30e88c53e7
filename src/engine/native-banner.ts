/**
 * libtensorflow (2.21, as `npm run setup-native` installs it) prints a few lines on stderr when it starts:
 * absl's "WARNING: All log messages before absl::InitializeLog() …", oneDNN and CPU-feature info lines
 * ("I0000 00:00:… port.cc:153] …", "To enable the following instructions: …"). TF_CPP_MIN_LOG_LEVEL does
 * not silence them: they are written before TensorFlow reads it.
 */
const BANNER =
  /^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR|[IW]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] |To enable the following instructions: )/;

export function isNativeBannerLine(line: string): boolean {
  return BANNER.test(line);
}
