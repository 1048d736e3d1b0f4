import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Each Django page mounts one entry of src/pages/. Django serves dist/ under /static/app/ (settings:
// STATICFILES_DIRS and DJANGO_VITE) and finds each entry's hashed files through dist/.vite/manifest.json.
export default defineConfig({
  plugins: [react()],
  base: "/static/app/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    rollupOptions: {
      input: {
        strategies: "src/pages/strategies.tsx",
        editor: "src/pages/editor.tsx",
        tests: "src/pages/tests.tsx",
        report: "src/pages/report.tsx",
        code: "src/pages/code.tsx",
        compare: "src/pages/compare.tsx",
        datasets: "src/pages/datasets.tsx",
      },
    },
  },
});
