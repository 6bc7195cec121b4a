// Build step: every text file of the built client over 1 KiB gets a gzip (.gz) and a brotli (.br)
// sibling, compressed once at their best levels with Node's own zlib (no extra dependency).
// `storyline serve` sends one of them to a browser that accepts it (Accept-Encoding), with
// Content-Encoding and Vary: Accept-Encoding (src/storyline/precompressed.py).
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import type { Plugin } from "vite";

const COMPRESSIBLE = /\.(js|mjs|css|html|svg|json|txt|map|webmanifest)$/;
const MIN_BYTES = 1024;

export function precompressFiles(dir: string): { file: string; raw: number; gzip: number; brotli: number }[] {
  const done: { file: string; raw: number; gzip: number; brotli: number }[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    let raw: Buffer;
    try {
      if (statSync(path).isDirectory()) {
        done.push(...precompressFiles(path));
        continue;
      }
      if (!COMPRESSIBLE.test(name)) continue;
      raw = readFileSync(path);
    } catch (error) {
      // Gone meanwhile: another build emptied the directory (it writes its own siblings).
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw error;
    }
    if (raw.length < MIN_BYTES) continue;
    const gz = gzipSync(raw, { level: 9 });
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    });
    writeFileSync(`${path}.gz`, gz);
    writeFileSync(`${path}.br`, br);
    done.push({ file: path, raw: raw.length, gzip: gz.length, brotli: br.length });
  }
  return done;
}

/** A Vite plugin: precompress the output directory once the bundle is written. */
export function precompress(outDir: string): Plugin {
  return {
    name: "storyline-precompress",
    apply: "build",
    closeBundle() {
      const done = precompressFiles(outDir);
      const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
      const total = done.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip, brotli: t.brotli + f.brotli }), {
        raw: 0,
        gzip: 0,
        brotli: 0,
      });
      console.log(`precompressed ${done.length} files: ${kib(total.raw)} -> gzip ${kib(total.gzip)}, brotli ${kib(total.brotli)}`);
    },
  };
}
