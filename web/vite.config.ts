import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { precompress } from "./scripts/precompress";

// The built client goes into the Python package, where `storyline serve` serves it at `/`.
const outDir = fileURLToPath(new URL("../src/storyline/web", import.meta.url));
const api = process.env.STORYLINE_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic" },
  // .gz and .br siblings of every text file, served by `storyline serve` to browsers that accept them.
  plugins: [precompress(outDir)],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rollupOptions: {
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE") return; // "use client" in libraries
        warn(warning);
      },
    },
  },
  server: { proxy: { "/api": api, "/v1": api, "/preview": api } },
  test: { environment: "node", include: ["src/**/*.test.ts", "src/**/*.test.tsx"] },
});
