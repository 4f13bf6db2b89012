import { defineConfig } from "vite";
import { effectAssets } from "./effect-assets.ts";

// Preact JSX through Vite 8's built-in Oxc transform: no framework plugin needed.
export default defineConfig({
  plugins: [effectAssets()],
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2023",
    // The polyfill is unnecessary for the browsers that can run Conclave's E2EE anyway.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts; keeps the CSP story simple.
    assetsInlineLimit: 0,
  },
  worker: { format: "es" },
  server: {
    proxy: { "/ws": { target: "ws://127.0.0.1:8090", ws: true } },
  },
});
