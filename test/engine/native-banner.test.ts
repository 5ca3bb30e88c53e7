import { describe, expect, it } from 'vitest';
import { isNativeBannerLine } from '../../src/engine/native-banner';

describe('libtensorflow start-up banner', () => {
  it('recognises the lines TensorFlow 2.21 prints when it loads', () => {
    for (const line of [
      'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR',
      'I0000 00:00:1796626934.658351   10428 port.cc:153] oneDNN custom operations are on.',
      'I0000 00:00:1796626934.784587   10428 cpu_feature_guard.cc:227] This TensorFlow binary is optimized',
      'To enable the following instructions: AVX2 AVX512F FMA, in other operations, rebuild TensorFlow',
    ]) {
      expect(isNativeBannerLine(line)).toBe(true);
    }
  });

  it('keeps everything else, the engine’s own messages included', () => {
    for (const line of [
      'calibration-audit: /data/model.json: is not valid JSON, possibly truncated.',
      'control epoch 1: loss 0.2564, training accuracy 90.88%',
      'WARNING: something else',
      'Segmentation fault',
    ]) {
      expect(isNativeBannerLine(line)).toBe(false);
    }
  });
});
