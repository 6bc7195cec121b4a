// Regenerates src/api/schema.d.ts from the server's OpenAPI document.
// Usage: npm run gen:api            (asks the Python app in ../.venv directly, no server needed)
//        npm run gen:api -- URL     (reads a running server's /openapi.json instead)
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, "..");
const out = join(web, "src/api/schema.d.ts");
const url = process.argv[2];
let spec;
if (url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  spec = await res.text();
} else {
  const python = process.env.PYTHON ?? join(web, "../.venv/bin/python");
  spec = execFileSync(python, ["-c",
    "import json; from storyline.app import create_app; print(json.dumps(create_app().openapi(), sort_keys=True))"],
    { encoding: "utf8", env: { ...process.env, STORYLINE_DATABASE_URL: "sqlite:///:memory:" } });
}
const file = join(mkdtempSync(join(tmpdir(), "openapi-")), "openapi.json");
writeFileSync(file, spec);
execFileSync(join(web, "node_modules/.bin/openapi-typescript"), [file, "-o", out], { stdio: "inherit" });
console.log(`wrote ${out}`);
