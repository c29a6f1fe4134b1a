import type { CompressionCodec, Compressors } from 'hyparquet';
import { compressors as jsCompressors } from 'hyparquet-compressors';
import { ZSTDDecoder } from 'zstddec';

/**
 * Page decompression. Snappy comes from hyparquet-compressors (hysnappy, WebAssembly); zstd from zstddec
 * (the reference C decoder compiled to WebAssembly), about 3x faster than hyparquet-compressors' pure-JS
 * fzstd on sensor pages (0.19 against 0.6 CPU-µs per 20-column row, docs/decisions/parquet-fast-path.md).
 */
const zstd = new ZSTDDecoder();
let zstdReady = false;
const zstdInit = zstd.init().then(() => {
  zstdReady = true;
});

/** Resolves once the WebAssembly decoders are compiled; every reader awaits it before its first page. */
export function codecsReady(): Promise<void> {
  return zstdInit;
}

function unzstd(input: Uint8Array, outputLength: number): Uint8Array {
  if (!zstdReady) throw new Error('zstd decoder used before codecsReady() resolved');
  const output = zstd.decode(input, outputLength);
  // zstddec returns whatever length ZSTD_decompress reported, an error code included: check it here.
  if (output.length !== outputLength)
    throw new Error(`zstd page decompressed to ${output.length} bytes, its header says ${outputLength}`);
  return output;
}

/** The decompressors hyparquet gets: its own set with zstd swapped for the faster decoder. */
export const compressors: Compressors = { ...jsCompressors, ZSTD: unzstd };

/** Codecs the fast column path decodes itself; other codecs go through hyparquet. */
export function fastCodec(codec: CompressionCodec): boolean {
  return codec === 'UNCOMPRESSED' || codec === 'SNAPPY' || codec === 'ZSTD';
}

/** One page's bytes, decompressed to exactly `outputLength` bytes. */
export function decompress(codec: CompressionCodec, input: Uint8Array, outputLength: number): Uint8Array {
  if (codec === 'UNCOMPRESSED') {
    if (input.length !== outputLength)
      throw new Error(`uncompressed page holds ${input.length} bytes, its header says ${outputLength}`);
    return input;
  }
  if (codec === 'ZSTD') return unzstd(input, outputLength);
  const decode = compressors[codec];
  if (!decode) throw new Error(`no decompressor for ${codec}`);
  const output = decode(input, outputLength);
  if (output.length !== outputLength)
    throw new Error(`${codec} page decompressed to ${output.length} bytes, its header says ${outputLength}`);
  return output;
}
