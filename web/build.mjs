// Builds the console into $CONSOLE_OUT (default ./dist): one bundled app.js, the page and styles.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.env.CONSOLE_OUT || join(here, 'dist');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'esm',
  target: ['es2020'],
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
});
const css = readFileSync(join(here, 'src/app.css'), 'utf8') +
  readFileSync(join(here, 'node_modules/uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync(join(out, 'app.css'), css);
cpSync(join(here, 'src/index.html'), join(out, 'index.html'));
console.log(`console built into ${out}`);
