// Builds the app into LATHE_UI_OUT (scripts/build-ui.sh sets it to the build folder's ui/), where
// `lathe ui` finds it next to the lathe binary. Every asset is bundled: the app loads nothing from
// the network but Lathe's own API.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: process.env.LATHE_UI_OUT ?? "../build/ui",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 2048,
  },
  worker: { format: "es" },
});
