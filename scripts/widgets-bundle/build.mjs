// Build the slim widget bundle: one minified IIFE that stands in for
// @jupyter-widgets/html-manager's dist/embed.js on the book's pages.
//
//   npm ci
//   node build.mjs [OUTDIR]        (OUTDIR defaults to ./dist)
//
// Writes OUTDIR/embed.js, OUTDIR/THIRD-PARTY-LICENSES.txt (the licence text of every npm
// package whose code or CSS ended up in embed.js), OUTDIR/inputs.txt (how many bytes of
// the output each package and each source file accounts for) and OUTDIR/metafile.json
// (esbuild's metafile, for https://esbuild.github.io/analyze/ or `esbuild --analyze`).

import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rewriteAnywidgetAmd } from './amd-rewrite.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUTDIR = path.resolve(process.argv[2] || path.join(HERE, 'dist'));
const TARGET = ['es2018'];

// Files read by the CSS sub-builds below; they count as bundled for the licences.
const cssInputs = new Map(); // path relative to HERE -> bytes in the CSS text

/**
 * `import css from 'some/file.css'` in JavaScript gives the CSS as a string: the file is
 * bundled on its own by esbuild (its @imports inlined, minified) and the result becomes
 * the module's default export. src/embed.js puts the strings in <style> tags.
 */
const cssTextPlugin = {
  name: 'css-text',
  setup(build) {
    build.onResolve({ filter: /\.css$/ }, async (args) => {
      // build.resolve() below runs this callback again: let esbuild answer that one.
      if (args.pluginData === 'css-text') return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'css-text',
      });
      if (result.errors.length > 0) return { errors: result.errors };
      return { path: result.path, namespace: 'css-text' };
    });
    build.onLoad({ filter: /.*/, namespace: 'css-text' }, async (args) => {
      const out = await esbuild.build({
        entryPoints: [args.path],
        bundle: true,
        minify: true,
        write: false,
        metafile: true,
        legalComments: 'none',
        target: ['chrome80', 'firefox78', 'safari14'],
        logLevel: 'silent',
        absWorkingDir: HERE,
        outfile: 'out.css',
        loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
      });
      const [output] = Object.values(out.metafile.outputs);
      for (const [file, info] of Object.entries(output.inputs)) {
        cssInputs.set(file, (cssInputs.get(file) || 0) + info.bytesInOutput);
      }
      return {
        contents: `export default ${JSON.stringify(out.outputFiles[0].text.trim())};`,
        loader: 'js',
        watchFiles: Object.keys(out.metafile.inputs).map((f) => path.resolve(HERE, f)),
      };
    });
  },
};

/**
 * sanitize-html (which ManagerBase uses to clean HTML descriptions) only uses
 * htmlparser2's Parser class, but `require('htmlparser2')` pulls in its whole CommonJS
 * build: DOM handler, DomUtils, dom-serializer and a second copy of `entities`, ~110 KB.
 * Hand it a module that exports just that Parser, taken from htmlparser2's own ES build
 * of the same version (the same code its index re-exports).
 */
const htmlparser2ParserOnlyPlugin = {
  name: 'htmlparser2-parser-only',
  setup(build) {
    build.onResolve({ filter: /^htmlparser2$/ }, async (args) => {
      if (args.pluginData === 'htmlparser2-parser-only') return undefined;
      if (!/[\\/]node_modules[\\/]sanitize-html[\\/]/.test(args.importer)) return undefined;
      const result = await build.resolve('htmlparser2', {
        kind: 'import-statement',
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'htmlparser2-parser-only',
      });
      if (result.errors.length > 0) return { errors: result.errors };
      const parser = path.join(path.dirname(result.path), 'Parser.js');
      if (!/[\\/]htmlparser2[\\/]dist[\\/]esm[\\/]index\.js$/.test(result.path) || !fs.existsSync(parser)) {
        return { errors: [{ text: `htmlparser2 layout changed (${result.path}): update build.mjs` }] };
      }
      return { path: parser, namespace: 'htmlparser2-parser-only', pluginData: parser };
    });
    build.onLoad({ filter: /.*/, namespace: 'htmlparser2-parser-only' }, (args) => ({
      contents: `export { Parser } from ${JSON.stringify(args.pluginData)};`,
      resolveDir: path.dirname(args.pluginData),
      loader: 'js',
    }));
  },
};

/**
 * The modules of @jupyter-widgets/controls/lib only define classes (plus a static
 * `class_map` or two on them), but the package does not say "sideEffects": false, so
 * esbuild keeps the modules of every control, used or not. Say it for that folder: the
 * modules whose classes src/controls.js names stay whole, the others drop out.
 */
const CONTROLS_LIB = /[\\/]node_modules[\\/]@jupyter-widgets[\\/]controls[\\/]lib[\\/][^\\/]+\.js$/;
const controlsSideEffectFreePlugin = {
  name: 'controls-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /^(@jupyter-widgets\/controls|\.\.?\/.*)$/ }, async (args) => {
      if (args.pluginData === 'controls-side-effect-free') return undefined;
      if (args.path.startsWith('.') && !CONTROLS_LIB.test(args.importer)) return undefined;
      const result = await build.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'controls-side-effect-free',
      });
      if (result.errors.length > 0 || !CONTROLS_LIB.test(result.path)) return undefined;
      return { path: result.path, sideEffects: false };
    });
  },
};

/**
 * anywidget's dist/index.js ends with an AMD `define(["@jupyter-widgets/base"], ...)`:
 * load it with that line turned into `export { AnyModel, AnyView }` (amd-rewrite.mjs),
 * so that its @jupyter-widgets/base import resolves to the bundled copy. The build fails
 * with rewriteAnywidgetAmd's message if the file ends otherwise.
 */
const ANYWIDGET_DIST = /[\\/]node_modules[\\/]anywidget[\\/]dist[\\/]index\.js$/;
const anywidgetAmdPlugin = {
  name: 'anywidget-amd',
  setup(build) {
    build.onLoad({ filter: ANYWIDGET_DIST }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8');
      try {
        return { contents: rewriteAnywidgetAmd(source, path.relative(HERE, args.path)), loader: 'js' };
      } catch (error) {
        return { errors: [{ text: error.message }] };
      }
    });
  },
};

fs.mkdirSync(OUTDIR, { recursive: true });
const outfile = path.join(OUTDIR, 'embed.js');
const result = await esbuild.build({
  entryPoints: [path.join(HERE, 'src', 'embed.js')],
  absWorkingDir: HERE,
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: TARGET,
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  metafile: true,
  outfile,
  plugins: [cssTextPlugin, htmlparser2ParserOnlyPlugin, controlsSideEffectFreePlugin, anywidgetAmdPlugin],
  logLevel: 'warning',
});

// ---- which packages went in --------------------------------------------------------

// bytes in embed.js per input file (JS files directly, CSS files through the sub-builds)
const outputInfo = result.metafile.outputs[path.relative(HERE, outfile)];
const bytesByFile = new Map();
for (const [file, info] of Object.entries(outputInfo.inputs)) {
  // stand for the CSS files counted below, and for htmlparser2's Parser.js (an input too)
  if (file.startsWith('css-text:') || file.startsWith('htmlparser2-parser-only:')) continue;
  bytesByFile.set(file, info.bytesInOutput);
}
for (const [file, bytes] of cssInputs) bytesByFile.set(file, bytes);

/** The package folder (relative to HERE) of a node_modules file, or null. */
function packageDirOf(file) {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return null;
  const n = parts[i + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, i + 1 + n).join('/');
}

const packages = new Map(); // dir -> { name, version, license, bytes, files }
let ownBytes = 0;
for (const [file, bytes] of bytesByFile) {
  const dir = packageDirOf(file);
  if (dir === null) {
    ownBytes += bytes;
    continue;
  }
  if (!packages.has(dir)) {
    const pkg = JSON.parse(fs.readFileSync(path.join(HERE, dir, 'package.json'), 'utf8'));
    packages.set(dir, { name: pkg.name, version: pkg.version, license: pkg.license, bytes: 0, files: 0, paths: [] });
  }
  const p = packages.get(dir);
  p.bytes += bytes;
  p.files += 1;
  p.paths.push(file);
}
const sorted = [...packages.entries()].sort((a, b) =>
  a[1].name < b[1].name ? -1 : a[1].name > b[1].name ? 1 : 0
);

// ---- THIRD-PARTY-LICENSES.txt --------------------------------------------------------

const LICENSE_FILE = /^(licen[cs]e|copying|notice)(\..*)?$/i;
// The npm packages of ipywidgets and Lumino ship no licence file. Their text, as in the
// LICENSE file of their source repositories, is kept in ./licenses/.
const FALLBACK_LICENSES = [
  [/^@jupyter-widgets\//, 'licenses/ipywidgets-LICENSE.txt', 'the jupyter-widgets/ipywidgets repository'],
  [/^@lumino\//, 'licenses/lumino-LICENSE.txt', 'the jupyterlab/lumino repository'],
];
// A package file that is itself a bundle names each file it inlines in a comment line,
// "// node_modules/.pnpm/<name>@<version>/node_modules/<name>/...", as esbuild writes
// them: anywidget's dist/index.js inlines solid-js and @lukeed/uuid. Their licence
// texts, taken from the npm tarballs of exactly those versions, are kept in ./licenses/.
const INLINED_LICENSES = {
  'solid-js@1.9.12': 'licenses/solid-js-1.9.12-LICENSE.txt',
  '@lukeed/uuid@2.0.1': 'licenses/lukeed-uuid-2.0.1-license.txt',
};
const INLINED_FILE = /^\/\/ node_modules\/(.*)$/gm;
const PNPM_DIR = /^\.pnpm\/(@[^+/]+\+[^@/]+|[^@/]+)@([^/_]+)[^/]*\//;

/** The packages (name@version) inlined in the bundled files `paths` of one package. */
function inlinedPackages(paths) {
  const found = new Set();
  for (const file of paths) {
    if (!file.endsWith('.js') && !file.endsWith('.mjs')) continue;
    for (const [line, rest] of fs.readFileSync(path.join(HERE, file), 'utf8').matchAll(INLINED_FILE)) {
      const match = PNPM_DIR.exec(rest);
      if (match === null) {
        console.error(`${file} inlines a file build.mjs cannot name the package of: ${line}`);
        process.exit(1);
      }
      found.add(`${match[1].replace('+', '/')}@${match[2]}`);
    }
  }
  return [...found].sort();
}

const missing = [];
const missingInlined = [];
let text =
  'The file embed.js built from scripts/widgets-bundle (lstm-magnifier) contains code\n' +
  'and CSS from the npm packages below. Each is listed with its version, its licence\n' +
  'and the text of the licence file it ships.\n';
for (const [dir, p] of sorted) {
  const files = fs
    .readdirSync(path.join(HERE, dir))
    .filter((f) => LICENSE_FILE.test(f))
    .sort();
  text += `\n${'='.repeat(78)}\n${p.name}@${p.version} (${p.license || 'no licence field'})\n${'='.repeat(78)}\n\n`;
  if (files.length === 0) {
    const fallback = FALLBACK_LICENSES.find(([re]) => re.test(p.name));
    if (!fallback) {
      missing.push(`${p.name}@${p.version}`);
      continue;
    }
    text += `(The npm package ships no licence file: this is the LICENSE file of ${fallback[2]}.)\n\n`;
    text += fs.readFileSync(path.join(HERE, fallback[1]), 'utf8').trim() + '\n';
    continue;
  }
  for (const f of files) {
    if (files.length > 1) text += `--- ${f} ---\n`;
    text += fs.readFileSync(path.join(HERE, dir, f), 'utf8').trim() + '\n';
  }
  for (const inlined of inlinedPackages(p.paths)) {
    const licence = INLINED_LICENSES[inlined];
    if (licence === undefined) {
      missingInlined.push(`${inlined} (inlined in ${p.name}@${p.version})`);
      continue;
    }
    text += `\n${'='.repeat(78)}\n${inlined}, inlined in ${p.name}@${p.version}\n${'='.repeat(78)}\n\n`;
    text += `(The licence file of the npm package ${inlined}.)\n\n`;
    text += fs.readFileSync(path.join(HERE, licence), 'utf8').trim() + '\n';
  }
}
if (missing.length) {
  console.error(
    `No licence text for: ${missing.join(', ')}. Add it under licenses/ and to FALLBACK_LICENSES.`
  );
  process.exit(1);
}
if (missingInlined.length) {
  console.error(
    `No licence text for: ${missingInlined.join(', ')}. Add the licence file of that exact ` +
      'version under licenses/ and to INLINED_LICENSES in build.mjs.'
  );
  process.exit(1);
}
fs.writeFileSync(path.join(OUTDIR, 'THIRD-PARTY-LICENSES.txt'), text);

// ---- inputs.txt: what takes the room ---------------------------------------------------

const size = fs.statSync(outfile).size;
const kb = (n) => (n / 1024).toFixed(1).padStart(7) + ' KB';
let summary = `embed.js: ${size} bytes (${kb(size).trim()})\n\nBytes in the output by package:\n`;
for (const [, p] of [...packages.entries()].sort((a, b) => b[1].bytes - a[1].bytes)) {
  summary += `${kb(p.bytes)}  ${p.name}@${p.version} (${p.files} files)\n`;
}
summary += `${kb(ownBytes)}  src/ (this folder)\n\nThe 25 biggest input files:\n`;
for (const [file, bytes] of [...bytesByFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  summary += `${kb(bytes)}  ${file}\n`;
}
fs.writeFileSync(path.join(OUTDIR, 'inputs.txt'), summary);
fs.writeFileSync(path.join(OUTDIR, 'metafile.json'), JSON.stringify(result.metafile));

console.log(`wrote ${path.relative(process.cwd(), outfile) || outfile}: ${size} bytes`);
console.log(`${packages.size} npm packages bundled, licences in THIRD-PARTY-LICENSES.txt`);
