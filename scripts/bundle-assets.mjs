// Bundles the portal's front end from node_modules (installed from package-lock.json) into
// src/chargeplane/portal/static/build: one script, one stylesheet, and the images they use.
import { build } from "esbuild";

const outdir = "src/chargeplane/portal/static/build";
const common = {
  bundle: true, minify: true, sourcemap: true, outdir, logLevel: "warning",
  loader: { ".png": "file", ".svg": "file" }, assetNames: "[name]-[hash]",
};
await build({ ...common, entryPoints: ["assets/portal.js"], format: "iife", target: ["es2020"] });
await build({ ...common, entryPoints: ["assets/portal.css"] });
console.log(`bundled into ${outdir}`);
