// anywidget's npm package (dist/index.js) is an ES module file whose last line hands its
// factory to an AMD loader, as JupyterLab and Notebook 6 expect:
//
//   define(["@jupyter-widgets/base"], widget_default);
//
// build.mjs (the "anywidget-amd" plugin) replaces that line with an ES module export, so
// that the bundle imports the file like any other module and anywidget gets the bundled
// copy of @jupyter-widgets/base:
//
//   import * as jupyterWidgetsBase from "@jupyter-widgets/base";
//   const { AnyModel, AnyView } = widget_default(jupyterWidgetsBase);
//   export { AnyModel, AnyView };
//
// If a future anywidget ends differently, rewriteAnywidgetAmd() throws and the build
// fails, rather than bundling a file that would call a missing `define` in the page.
// Kept apart from build.mjs so that tests/test_widgets_bundle.py can run it with node.

/** The one line the rewrite accepts; group 1 is the factory's name. */
export const AMD_LINE = /^define\(\["@jupyter-widgets\/base"\],\s*([A-Za-z_$][\w$]*)\);$/;

/**
 * The source of anywidget's dist/index.js with its final `define([...], factory);` line
 * turned into `export { AnyModel, AnyView }`. Throws an Error naming the file and the
 * line found if the source does not end with exactly that AMD call, or calls `define`
 * anywhere else.
 */
export function rewriteAnywidgetAmd(source, file = 'anywidget/dist/index.js') {
  const lines = source.replace(/\s+$/, '').split('\n');
  const last = lines[lines.length - 1];
  const match = AMD_LINE.exec(last.trim());
  const fail = (what) =>
    new Error(
      `${file}: ${what}. build.mjs expects anywidget's npm build to end with the AMD call ` +
        `'define(["@jupyter-widgets/base"], <factory>);' and turns it into an ES module ` +
        'export; this version of anywidget is built differently: update amd-rewrite.mjs ' +
        'for it (or pin the anywidget version that package.json had).'
    );
  if (match === null) {
    throw fail(`the last line is ${JSON.stringify(last.slice(0, 200))}`);
  }
  const defines = lines.filter((line) => /^\s*define\s*\(/.test(line)).length;
  if (defines !== 1) {
    throw fail(`it has ${defines} lines that call define(), not one`);
  }
  lines[lines.length - 1] = [
    'import * as jupyterWidgetsBase from "@jupyter-widgets/base";',
    `const { AnyModel, AnyView } = ${match[1]}(jupyterWidgetsBase);`,
    'export { AnyModel, AnyView };',
  ].join('\n');
  return lines.join('\n') + '\n';
}
