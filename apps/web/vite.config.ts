import tailwindcss from '@tailwindcss/vite';
import { tanstackRouter } from '@tanstack/router-plugin/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  // The router plugin generates src/routeTree.gen.ts from src/routes/ and splits each route into its own chunk.
  plugins: [tanstackRouter({ target: 'react', autoCodeSplitting: true }), react(), tailwindcss()],
  server: { port: 5173, proxy: { '/trpc': 'http://127.0.0.1:3000' } },
  // Production source maps are not served (the api's CSP and SPEC 12): build without them.
  build: { outDir: 'dist', sourcemap: false },
});
