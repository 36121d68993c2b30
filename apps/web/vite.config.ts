import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  server: { port: 5173, proxy: { '/trpc': 'http://127.0.0.1:3000' } },
  build: { outDir: 'dist', sourcemap: false },
});
