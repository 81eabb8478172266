// The explorers' figures, computed and drawn in the reader's browser.
//
// One ES module, shipped with the Python package and loaded by anywidget, both in
// JupyterLab and on the static site (where no Python runs). The figure widget of each
// explorer (lstm_magnifier.viz.explorers) holds the model ids of its sliders; this
// module follows their values, recomputes the cell here, and redraws an SVG. The math
// mirrors lstm_magnifier.cell.step and lstm_magnifier.timelines line by line, and the
// tests check it against NumPy to 1e-12; each SVG carries what it shows as JSON in
// `data-values`, in the same shape as the Python explorer's `values`.

// ------------------------------------------------------------------ the cell's math

/** sigma(z), written as 0.5 (1 + tanh(z / 2)), as lstm_magnifier.nn.sigmoid does. */
export const sigmoid = (z) => 0.5 * (1.0 + Math.tanh(0.5 * z));

/** One step with the gates given (lstm_magnifier.timelines.gate_step). */
export function gateStep({ i, f, g, o, c_prev }) {
  const learn = i * g; // the learn network: what is written
  const forget = f * c_prev; // the forget network: what is kept
  const c = forget + learn; // the remember network: the new long-term memory
  const tanh_c = Math.tanh(c); // the use network reads c ...
  const h = o * tanh_c; // ... and lets out a share of it
  return { i, f, g, o, c_prev, learn, forget, c, tanh_c, h };
}

/** Memories under constant gates (lstm_magnifier.timelines.constant_gate_timeline). */
export function constantGateTimeline({ f, i, g, o, steps, c0 }) {
  const learn = i * g;
  const t = [], c = [], h = [], kept = [];
  let c_t = c0;
  for (let k = 1; k <= steps; k++) {
    c_t = f * c_t + learn;
    t.push(k);
    c.push(c_t);
    h.push(o * Math.tanh(c_t));
    kept.push(c0 * f ** k);
  }
  const half_life = f === 1 ? Infinity : f === 0 ? 0 : Math.log(0.5) / Math.log(f);
  const steady_state = f === 1 ? NaN : (i * g) / (1.0 - f);
  return { f, i, g, o, steps, c0, t, c, h, kept, half_life, steady_state };
}

/** A one-unit cell with weights w over inputs x (lstm_magnifier.timelines.weight_timeline). */
export function weightTimeline(w, x) {
  const out = { x: Array.from(x), i: [], f: [], g: [], o: [], c: [], h: [] };
  let h = 0.0, c = 0.0;
  for (const x_t of x) {
    const z = (k) => x_t * w[`W_i${k}`] + w[`b_${k}`] + h * w[`W_h${k}`];
    const i = sigmoid(z('i')), f = sigmoid(z('f')), g = Math.tanh(z('g')), o = sigmoid(z('o'));
    c = f * c + i * g;
    h = o * Math.tanh(c);
    for (const [k, v] of Object.entries({ i, f, g, o, c, h })) out[k].push(v);
  }
  return out;
}

/** One time step of an LSTM layer (lstm_magnifier.cell.step): the stacked layer
 * z = (W_ih x + b) + W_hh h_prev, split into z_i, z_f, z_g, z_o (rows k, H + k, 2H + k,
 * 3H + k for unit k), each gate's activation, then the gate step above, unit by unit. */
export function lstmStep(x, h_prev, c_prev, { weight_ih, weight_hh, bias }) {
  const H = h_prev.length;
  const inputs = []; // the inputs that are not 0: one for a one-hot character
  for (let d = 0; d < x.length; d++) if (x[d] !== 0) inputs.push(d);
  const z = new Array(bias.length);
  for (let r = 0; r < bias.length; r++) {
    const w_x = weight_ih[r], w_h = weight_hh[r];
    let sum = bias[r];
    for (const d of inputs) sum += w_x[d] * x[d];
    for (let k = 0; k < H; k++) sum += w_h[k] * h_prev[k];
    z[r] = sum;
  }
  const step = { x, h_prev, c_prev, i: [], f: [], g: [], o: [], learn: [], forget: [], c: [], h: [] };
  for (let k = 0; k < H; k++) {
    const v = gateStep({ i: sigmoid(z[k]), f: sigmoid(z[H + k]), g: Math.tanh(z[2 * H + k]),
      o: sigmoid(z[3 * H + k]), c_prev: c_prev[k] });
    for (const name of GATE_STEP_KEYS) step[name].push(v[name]);
  }
  return step;
}

const GATE_STEP_KEYS = ['i', 'f', 'g', 'o', 'learn', 'forget', 'c', 'h'];

/** The traces of every layer over inputs xs (T rows), from zero memories
 * (lstm_magnifier.lstm.LSTM.forward): each layer reads the h of the one below. */
export function lstmForward(layers, xs) {
  const traces = [];
  for (const layer of layers) {
    const H = layer.weight_hh[0].length;
    const trace = Object.fromEntries(STEP_KEYS.map((k) => [k, []]));
    let h = new Array(H).fill(0), c = new Array(H).fill(0);
    for (const x of xs) {
      const step = lstmStep(x, h, c, layer);
      for (const k of STEP_KEYS) trace[k].push(step[k]);
      h = step.h, c = step.c;
    }
    traces.push(trace);
    xs = trace.h;
  }
  return traces;
}

const STEP_KEYS = ['x', 'h_prev', 'c_prev', 'i', 'f', 'g', 'o', 'learn', 'forget', 'c', 'h'];

/** What of a reader's text the model can run (SequenceMagnifier.read in Python): the
 * characters of `vocabulary`, at most maxLength of them; the rest is skipped, and a
 * message says what was left out (or that nothing is left to run). */
export function readText(typed, vocabulary, maxLength) {
  const chars = [...typed];
  const kept = chars.filter((ch) => vocabulary.includes(ch));
  const skipped = [...new Set(chars.filter((ch) => !vocabulary.includes(ch)))];
  const messages = [];
  if (skipped.length) {
    const n = chars.length - kept.length;
    messages.push(`Skipped ${n} character${n === 1 ? '' : 's'} the model cannot read: ` +
      `${skipped.map((ch) => JSON.stringify(ch)).join(', ')}.`);
  }
  if (kept.length > maxLength) {
    messages.push(`Only the first ${maxLength} characters are run (the text has ${kept.length}).`);
  }
  if (!kept.length) {
    messages.push(`Nothing to run: type some of ${[...vocabulary].map((ch) => JSON.stringify(ch)).join(' ')}.`);
  }
  return { text: kept.slice(0, maxLength).join(''), skipped: skipped.join(''), message: messages.join(' ') };
}

/** Arrays shipped as base64 little-endian bytes, {shape, b64, dtype} (float64 unless
 * dtype says float32) -> rows of numbers. */
export function decodeArray({ shape, b64, dtype }) {
  const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const flat = Array.from(new (dtype === 'float32' ? Float32Array : Float64Array)(bytes.buffer));
  if (shape.length === 1) return flat;
  const width = shape[1];
  return Array.from({ length: shape[0] }, (_, r) => flat.slice(r * width, (r + 1) * width));
}

/** What the sequence magnifier shows at step t (1-based) of a decoded trace. */
export function sequenceValues(trace, t, unit, labels) {
  const values = { t, unit };
  for (const [name, rows] of Object.entries(trace)) values[name] = rows[t - 1].slice();
  if (labels) values.label = labels[t - 1];
  return values;
}

/** A reader's text run through the shipped model (weights decoded): what was read, the
 * trace of the layer shown (null when there is nothing to run) and its labels. */
export function typedRun(setup, weights, typed) {
  const read = readText(typed, setup.vocabulary, setup.max_length);
  if (!read.text) return { read, trace: null, labels: null };
  const vocabulary = [...setup.vocabulary];
  const labels = [...read.text];
  const xs = labels.map((ch) => vocabulary.map((v) => (v === ch ? 1 : 0)));
  return { read, trace: lstmForward(weights.slice(0, setup.layer + 1), xs)[setup.layer], labels };
}

/** What the typed magnifier shows (SequenceMagnifier.values): step t of the run (t kept
 * within the text), and what was read of the text. */
export function typedValues(run, t, unit) {
  const { text, skipped, message } = run.read;
  if (!run.trace) return { text, skipped, message };
  const T = run.trace.c.length;
  return { ...sequenceValues(run.trace, Math.min(t, T), unit, run.labels), text, skipped, message };
}

// ------------------------------------------------------------------ drawing

const SVG = 'http://www.w3.org/2000/svg';
const COLOR = {
  i: 'var(--lm-i)', f: 'var(--lm-f)', g: 'var(--lm-g)', o: 'var(--lm-o)',
  c: 'var(--lm-c)', h: 'var(--lm-h)', x: 'var(--lm-ink)',
  learn: 'var(--lm-learn)', forget: 'var(--lm-forget)',
  remember: 'var(--lm-remember)', use: 'var(--lm-use)',
};
/** Text in a colour: the same hue, shaded to be read on the page (light or dark). */
const TEXT = Object.fromEntries(Object.keys(COLOR).map((k) => [k, `var(--lm-${k}-text)`]));
TEXT.x = 'var(--lm-ink)';

function el(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, v);
  for (const child of children) {
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

// A coloured text's fill goes in its style: the stylesheet's default fill would win over
// the fill attribute.
const text = (x, y, content, { fill, ...attrs } = {}) =>
  el('text', { x, y, class: 'lm-text', style: fill && `fill: ${fill}`, ...attrs }, content);
const line = (x1, y1, x2, y2, attrs = {}) => el('line', { x1, y1, x2, y2, class: 'lm-wire', ...attrs });
const polyline = (points, attrs = {}) =>
  el('polyline', { points: points.map((p) => p.join(',')).join(' '), fill: 'none', ...attrs });

/** A number as the figures print it: two decimals, a real minus sign. */
export function fmt(v, digits = 2) {
  if (Number.isNaN(v)) return 'none';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const s = v.toFixed(digits);
  return (/^-0\.?0*$/.test(s) ? s.slice(1) : s).replace('-', '−');
}

/** Axis range covering `values` and [-at_least, at_least], with a little room. */
function limits(values, atLeast = 1.0) {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(-atLeast, ...finite), hi = Math.max(atLeast, ...finite);
  const pad = 0.08 * (hi - lo);
  return [lo - pad, hi + pad];
}

/** A framed plot area: returns the group and scale functions. */
function panel(x0, y0, w, h, [xlo, xhi], [ylo, yhi], title) {
  const sx = (v) => x0 + ((v - xlo) / (xhi - xlo)) * w;
  const sy = (v) => y0 + h - ((v - ylo) / (yhi - ylo)) * h;
  const g = el('g', {});
  g.append(el('rect', { x: x0, y: y0, width: w, height: h, class: 'lm-frame' }));
  if (ylo < 0 && yhi > 0) g.append(line(x0, sy(0), x0 + w, sy(0), { class: 'lm-axis' }));
  g.append(text(x0 - 6, y0 + 12, fmt(yhi, 1), { 'text-anchor': 'end', class: 'lm-small' }));
  g.append(text(x0 - 6, y0 + h, fmt(ylo, 1), { 'text-anchor': 'end', class: 'lm-small' }));
  if (title) g.append(text(x0, y0 - 7, title, { class: 'lm-small' }));
  return { g, sx, sy };
}

/** A curve over t = 1..T in a panel. */
function curve(p, values, color, attrs = {}) {
  return polyline(values.map((v, k) => [p.sx(k + 1).toFixed(2), p.sy(v).toFixed(2)]), {
    stroke: color, 'stroke-width': 2.5, ...attrs,
  });
}

function legend(x, y, entries) {
  const g = el('g', {});
  let at = x;
  for (const [label, color, dash] of entries) {
    g.append(line(at, y - 5, at + 22, y - 5, { stroke: color, 'stroke-width': 3, 'stroke-dasharray': dash }));
    const t = text(at + 27, y, label);
    g.append(t);
    at += 34 + 9.5 * label.length;
  }
  return g;
}

// -- one step: the cell diagram with the values on its wires

function node(x, y, symbol, color) {
  return el('g', {},
    el('circle', { cx: x, cy: y, r: 15, class: 'lm-node', stroke: color }),
    text(x, y + 6, symbol, { 'text-anchor': 'middle', class: 'lm-symbol' }));
}

function gateBox(x, y, name, value, color) {
  return el('g', {},
    el('rect', { x: x - 34, y: y - 17, width: 68, height: 34, rx: 6, class: 'lm-gate', stroke: color }),
    text(x, y + 6, `${name} ${fmt(value)}`, { 'text-anchor': 'middle', fill: TEXT[name], class: 'lm-text lm-bold' }));
}

function region(x, y, w, h, name, highlight, labelAbove = false) {
  const dim = highlight && highlight !== name ? ' lm-dim' : '';
  return el('g', { class: `lm-region${dim}` },
    el('rect', { x, y, width: w, height: h, rx: 10, fill: COLOR[name], 'fill-opacity': 0.1, stroke: COLOR[name] }),
    text(x + 8, labelAbove ? y - 5 : y + h - 8, name, { fill: TEXT[name], class: 'lm-small lm-bold' }));
}

function cellDiagram(v, { highlight, extra } = {}) {
  const g = el('g', {});
  const dim = (name) => (highlight && highlight !== name ? 'lm-dim' : undefined);
  g.append(
    region(82, 28, 92, 180, 'forget', highlight),
    region(184, 90, 150, 170, 'learn', highlight),
    region(230, 34, 62, 44, 'remember', highlight, true),
    region(344, 28, 126, 232, 'use', highlight),
  );
  // the long-term memory, left to right along the top
  g.append(line(10, 56, 470, 56, { stroke: COLOR.c, 'stroke-width': 4 }));
  g.append(text(12, 46, `c_prev ${fmt(v.c_prev)}`, { fill: TEXT.c, class: 'lm-text lm-bold' }));
  g.append(text(470, 46, `c ${fmt(v.c)}`, { 'text-anchor': 'end', fill: TEXT.c, class: 'lm-text lm-bold' }));
  // forget: f times c_prev
  g.append(el('g', { class: dim('forget') },
    line(128, 71, 128, 150, { stroke: COLOR.f }), gateBox(128, 166, 'f', v.f, COLOR.f),
    node(128, 56, '×', COLOR.forget),
    text(150, 80, fmt(v.forget), { class: 'lm-small' })));
  // learn: i times g, into the remember network
  g.append(el('g', { class: dim('learn') },
    line(220, 210, 261, 127), line(300, 210, 261, 127),
    gateBox(220, 226, 'i', v.i, COLOR.i), gateBox(300, 226, 'g', v.g, COLOR.g),
    line(261, 97, 261, 71, { stroke: COLOR.learn }),
    node(261, 112, '×', COLOR.learn),
    text(268, 90, fmt(v.learn), { class: 'lm-small' })));
  g.append(el('g', { class: dim('remember') }, node(261, 56, '+', COLOR.remember)));
  // use: o times tanh(c)
  g.append(el('g', { class: dim('use') },
    line(380, 56, 380, 98), line(380, 130, 380, 160), line(406, 175, 395, 175),
    el('rect', { x: 352, y: 98, width: 56, height: 32, rx: 6, class: 'lm-gate', stroke: COLOR.use }),
    text(380, 119, 'tanh', { 'text-anchor': 'middle', class: 'lm-text' }),
    text(388, 151, fmt(v.tanh_c), { class: 'lm-small' }),
    gateBox(440, 175, 'o', v.o, COLOR.o),
    node(380, 175, '×', COLOR.use),
    line(380, 190, 380, 226, { stroke: COLOR.h, 'stroke-width': 4 }),
    text(392, 246, `h ${fmt(v.h)}`, { fill: TEXT.h, class: 'lm-text lm-bold' })));
  if (extra) g.append(text(12, 246, extra, { class: 'lm-small' }));
  return g;
}

function bars(v, y0) {
  const g = el('g', {});
  const rows = [
    ['c_prev', v.c_prev, COLOR.c], ['f·c_prev', v.forget, COLOR.forget],
    ['i·g', v.learn, COLOR.learn], ['c', v.c, COLOR.c], ['h', v.h, COLOR.h],
  ];
  const x0 = 250, half = 150, scale = half / 4;
  g.append(line(x0, y0 - 4, x0, y0 + rows.length * 26, { class: 'lm-axis' }));
  rows.forEach(([label, value, color], k) => {
    const y = y0 + k * 26;
    const w = Math.min(Math.abs(value), 4) * scale;
    g.append(text(x0 - half - 10, y + 15, label, { 'text-anchor': 'end' }));
    g.append(el('rect', { x: value < 0 ? x0 - w : x0, y: y + 2, width: w, height: 18, fill: color }));
    g.append(text(value < 0 ? x0 + 6 : x0 - 6, y + 16, fmt(value), {
      'text-anchor': value < 0 ? 'start' : 'end', class: 'lm-small' }));
  });
  return g;
}

function drawGate(v, setup) {
  const svg = el('svg', { viewBox: '0 0 480 470' });
  svg.append(cellDiagram(v, { highlight: setup.highlight }));
  svg.append(text(12, 292, `c = ${fmt(v.f)}·${fmt(v.c_prev)} + ${fmt(v.i)}·${fmt(v.g)} = ${fmt(v.c)}`));
  svg.append(text(12, 316, `h = ${fmt(v.o)}·tanh(${fmt(v.c)}) = ${fmt(v.h)}`));
  svg.append(bars(v, 332));
  const label =
    `One cell step with the gates set by hand: i ${fmt(v.i)}, f ${fmt(v.f)}, g ${fmt(v.g)}, ` +
    `o ${fmt(v.o)}, c_prev ${fmt(v.c_prev)}. Forget keeps ${fmt(v.forget)}, learn writes ` +
    `${fmt(v.learn)}, so c becomes ${fmt(v.c)} and h = o·tanh(c) = ${fmt(v.h)}.`;
  return [svg, label];
}

function drawTimeline(v) {
  const svg = el('svg', { viewBox: '0 0 480 330' });
  const all = [...v.c, ...v.h, ...v.kept, v.c0, v.steady_state];
  const p = panel(56, 30, 404, 220, [0, v.steps], limits(all));
  svg.append(p.g);
  if (Number.isFinite(v.steady_state)) {
    svg.append(line(p.sx(0), p.sy(v.steady_state), p.sx(v.steps), p.sy(v.steady_state), {
      stroke: COLOR.remember, 'stroke-dasharray': '8 5', 'stroke-width': 2 }));
  }
  if (Number.isFinite(v.half_life) && v.half_life > 0 && v.half_life <= v.steps) {
    svg.append(line(p.sx(v.half_life), 30, p.sx(v.half_life), 250, { class: 'lm-axis', 'stroke-dasharray': '3 4' }));
  }
  svg.append(curve(p, v.kept, COLOR.c, { 'stroke-dasharray': '2 5', 'stroke-width': 2 }));
  svg.append(curve(p, v.c, COLOR.c), curve(p, v.h, COLOR.h));
  svg.append(text(56, 272, `t = 1 … ${v.steps}`, { class: 'lm-small' }));
  svg.append(legend(56, 18, [['c_t', COLOR.c], ['h_t', COLOR.h], ['f^t·c0', COLOR.c, '2 5'],
    ['steady', COLOR.remember, '8 5']]));
  const summary = `half-life ${fmt(v.half_life, 1)} steps, steady state ${fmt(v.steady_state)}, ` +
    `c_T ${fmt(v.c[v.steps - 1])}`;
  svg.append(text(56, 300, summary));
  const label = `Long-term memory c and short-term memory h over ${v.steps} steps with constant ` +
    `gates f ${fmt(v.f)}, i ${fmt(v.i)}, g ${fmt(v.g)}, o ${fmt(v.o)} from c0 ${fmt(v.c0)}: ${summary}.`;
  return [svg, label];
}

function drawWeights(v) {
  const svg = el('svg', { viewBox: '0 0 480 430' });
  const T = v.x.length, xr = [0.5, T + 0.5];
  const px = panel(56, 26, 404, 70, xr, limits(v.x, 0.0), 'input x_t');
  const pg = panel(56, 126, 404, 130, xr, [-1.05, 1.05], 'gates');
  const pm = panel(56, 286, 404, 110, xr, limits([...v.c, ...v.h]), 'memories');
  svg.append(px.g, pg.g, pm.g);
  svg.append(curve(px, v.x, COLOR.x, { 'stroke-width': 2 }));
  for (const k of 'ifgo') svg.append(curve(pg, v[k], COLOR[k]));
  svg.append(curve(pm, v.c, COLOR.c), curve(pm, v.h, COLOR.h));
  svg.append(legend(300, 118, [['i', COLOR.i], ['f', COLOR.f], ['g', COLOR.g], ['o', COLOR.o]]));
  svg.append(legend(340, 278, [['c', COLOR.c], ['h', COLOR.h]]));
  svg.append(text(56, 420, `t = 1 … ${T}`, { class: 'lm-small' }));
  const last = T - 1;
  const weights = ['i', 'f', 'g', 'o']
    .map((k) => `W_i${k} ${fmt(v[`W_i${k}`], 1)}, W_h${k} ${fmt(v[`W_h${k}`], 1)}, b_${k} ${fmt(v[`b_${k}`], 1)}`)
    .join('; ');
  const peak = v.c.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0);
  const label = `Input x_t, the gates i, f, g, o and the memories c and h of a one-unit cell over ` +
    `${T} steps (input "${v.sequence}"), with weights ${weights}. Largest c ${fmt(peak)}. ` +
    `At the last step: i ${fmt(v.i[last])}, f ${fmt(v.f[last])}, g ${fmt(v.g[last])}, ` +
    `o ${fmt(v.o[last])}, c ${fmt(v.c[last])}, h ${fmt(v.h[last])}.`;
  return [svg, label];
}

/** '#RRGGBB' colours by name -> [r, g, b] by name (a heat map's pixels take no CSS). */
const rgbOf = (colors) => Object.fromEntries(Object.entries(colors).map(([k, hex]) =>
  [k, [1, 3, 5].map((j) => parseInt(hex.slice(j, j + 2), 16))]));

/** One heat map, T x H cells, as an image of T x H pixels (a cell each) stretched over
 * its box: far quicker to draw than T x H rectangles when a reader types a long text. */
function heatmap(x0, y0, w, h, rows, name, signed, colors) {
  const g = el('g', {});
  const T = rows.length, H = rows[0].length;
  const top = Math.max(1e-12, ...rows.flat().map(Math.abs));
  g.append(text(x0, y0 - 5, name, { fill: TEXT[name], class: 'lm-small lm-bold' }));
  const canvas = document.createElement('canvas');
  canvas.width = T;
  canvas.height = H;
  const context = canvas.getContext('2d');
  const image = context.createImageData(T, H);
  rows.forEach((row, s) => row.forEach((v, u) => {
    const color = signed && v < 0 ? colors[name === 'c' ? 'h' : 'negative'] : colors[name];
    const opacity = signed ? Math.abs(v) / top : v;
    image.data.set([...color, Math.round(255 * Math.min(1, Math.max(0, opacity)))], 4 * (u * T + s));
  }));
  context.putImageData(image, 0, 0);
  g.append(el('image', { x: x0, y: y0, width: w, height: h, href: canvas.toDataURL(),
    preserveAspectRatio: 'none', class: 'lm-heat' }));
  g.append(el('rect', { x: x0, y: y0, width: w, height: h, class: 'lm-frame' }));
  return g;
}

/** The frame of step t and the box of the unit on one heat map. */
function picks(x0, y0, w, h, T, H, t, unit) {
  const cw = w / T, ch = h / H;
  return el('g', {},
    el('rect', { x: x0 + (t - 1) * cw, y: y0, width: cw, height: h, class: 'lm-pick' }),
    el('rect', { x: x0, y: y0 + unit * ch, width: w, height: ch, class: 'lm-pick-unit' }));
}

const MAPS = [['i', false], ['f', false], ['g', true], ['o', false], ['c', true], ['h', true]];
const mapBox = (k) => [10 + (k % 2) * 240, 22 + Math.floor(k / 2) * 112, 220, 86];

/** The named unit's c over the whole text, and the running count it may follow. */
function unitPanel(y0, trace, labels, setup, t) {
  const [name, u] = Object.entries(setup.names)[0];
  const T = trace.c.length, xr = [0.5, T + 0.5];
  const c = trace.c.map((row) => row[u]);
  const p = panel(56, y0 + 24, 370, 90, xr, limits(c, 0.5), `c of the ${name} (unit ${u})`);
  const g = el('g', {}, p.g, curve(p, c, COLOR.c));
  if (setup.count) {
    let total = 0;
    const counts = labels.map((ch) => (total += setup.count.steps[ch] ?? 0));
    const [lo, hi] = [Math.min(0, ...counts), Math.max(1, ...counts)];
    const q = panel(56, y0 + 24, 370, 90, xr, [lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)]);
    g.append(curve(q, counts, 'var(--lm-ink)', { 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }));
    g.append(text(432, y0 + 36, fmt(hi, 0), { class: 'lm-small' }), text(432, y0 + 114, fmt(lo, 0), { class: 'lm-small' }));
    g.append(legend(340, y0 + 16, [[setup.count.name, 'var(--lm-ink)', '4 3']]));
  }
  g.append(line(p.sx(t), y0 + 24, p.sx(t), y0 + 114, { class: 'lm-pick' }));
  return g;
}

function drawSequence(v, setup, trace, cache) {
  if (!trace) {  // nothing to run: a message, not an empty plot
    const svg = el('svg', { viewBox: '0 0 480 50' });
    svg.append(text(10, 32, 'No text to run: type in the box above.'));
    return [svg, `No heat maps to show. ${v.message}`];
  }
  const named = setup.names && Object.keys(setup.names).length ? 140 : 0;
  const svg = el('svg', { viewBox: `0 0 480 ${(setup.diagram ? 680 : 400) + named}` });
  const T = trace.c.length, H = trace.c[0].length;
  // The heat maps (T x H cells each) are drawn once per trace and moved into each new figure.
  if (cache.mapsOf !== trace) {
    cache.colors ??= rgbOf(setup.colors);
    cache.maps = el('g', {}, ...MAPS.map(([name, signed], k) =>
      heatmap(...mapBox(k), trace[name], name, signed, cache.colors)));
    cache.mapsOf = trace;
  }
  svg.append(cache.maps);
  MAPS.forEach((_, k) => svg.append(picks(...mapBox(k), T, H, v.t, v.unit)));
  const unitName = Object.entries(setup.names ?? {}).find(([, u]) => u === v.unit)?.[0];
  const unit = `unit ${v.unit}${unitName ? ` (${unitName})` : ''}`;
  const caption = 'label' in v ? `step t = ${v.t} of ${T} (“${v.label}”), ${unit}` : `step t = ${v.t}, ${unit}`;
  svg.append(text(10, 362, caption));
  svg.append(text(10, 384, 'darker: larger; g, c, h below 0 in a second colour',
    { class: 'lm-small' }));
  if (named) svg.append(unitPanel(396, trace, cache.labels ?? setup.labels, setup, v.t));
  const at = (name) => v[name][v.unit];
  const step = {
    i: at('i'), f: at('f'), g: at('g'), o: at('o'), c_prev: at('c_prev'),
    learn: at('learn'), forget: at('forget'), c: at('c'), tanh_c: Math.tanh(at('c')), h: at('h'),
  };
  if (setup.diagram) {
    const d = cellDiagram(step, { extra: `h_prev ${fmt(at('h_prev'))}` });
    d.setAttribute('transform', `translate(0, ${412 + named})`);
    svg.append(d);
  }
  const label = `Heat maps of the gates i, f, g, o and the memories c, h over ${T} ` +
    `steps and ${H} units; ${caption}: i ${fmt(step.i)}, f ${fmt(step.f)}, ` +
    `g ${fmt(step.g)}, o ${fmt(step.o)}, c ${fmt(step.c)}, h ${fmt(step.h)}.` +
    ('text' in v ? ` Text run: ${v.text.length > 60 ? `${v.text.slice(0, 60)}…` : v.text}` : '');
  return [svg, label];
}

// ------------------------------------------------------------------ the widget

/** JSON of what a figure shows, non-finite numbers spelled as strings ("inf", "nan"). */
export function valuesJson(values) {
  return JSON.stringify(values, (_, v) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf') : v);
}

/** The values a figure shows, from the controls' values (as each Python explorer's `values`). */
export function compute(kind, params, setup, trace) {
  if (kind === 'gate') return gateStep(params);
  if (kind === 'timeline') return constantGateTimeline(params);
  if (kind === 'weights') {
    return { ...params, ...weightTimeline(params, setup.sequences[params.sequence]) };
  }
  if (kind === 'sequence') return sequenceValues(trace, params.t, params.unit, setup.labels);
  throw new Error(`unknown explorer kind ${JSON.stringify(kind)}`);
}

const DRAW = { gate: drawGate, timeline: drawTimeline, weights: drawWeights, sequence: drawSequence };

let forms = 0; // ids for the text boxes' labels

/** The typed magnifier's form: a labelled text box (one line, or a `textarea` of several),
 * example buttons, the model's training range and a status line for what could not be run.
 * Typing sets the model's `text`. */
function typedForm(model, setup, tag = 'input') {
  const make = (tag, attrs, content) => Object.assign(document.createElement(tag), attrs, content && { textContent: content });
  const type = (text) => { model.set('text', text); model.save_changes?.(); };
  const id = `lm-typed-${++forms}`;
  const input = make(tag, { id, className: 'lm-typed-input', spellcheck: false, autocomplete: 'off',
    value: model.get('text'), ...(tag === 'input' ? { type: 'text' } : { rows: 6 }) });
  input.addEventListener('input', () => type(input.value));
  const presets = make('div', { className: 'lm-presets' });
  presets.setAttribute('role', 'group');
  presets.setAttribute('aria-label', 'examples');
  for (const [name, text] of setup.presets) {
    const button = make('button', { type: 'button', className: 'lm-preset', title: text }, name);
    button.addEventListener('click', () => type(text));
    presets.append(button);
  }
  const message = make('p', { className: 'lm-message' });
  message.setAttribute('role', 'status');
  message.setAttribute('aria-live', 'polite');
  const box = make('div', { className: 'lm-typed' });
  box.append(make('label', { htmlFor: id }, setup.prompt), input, presets);
  if (setup.note) box.append(make('p', { className: 'lm-note' }, setup.note));
  box.append(message);
  return { box, input, message };
}

async function render({ model, el: host }) {
  const kind = model.get('kind');
  const setup = model.get('setup');
  const decode = (arrays) => Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, decodeArray(a)]));
  const trace = setup.trace ? decode(setup.trace) : null;
  const weights = setup.weights ? setup.weights.map(decode) : null; // a typed magnifier
  const ids = model.get('controls');
  const names = Object.keys(ids);
  const sliders = await Promise.all(
    names.map((name) => model.widget_manager.get_model(ids[name].replace(/^IPY_MODEL_/, ''))));
  const cache = {}; // what a figure draws once and keeps (the sequence's heat maps)
  const form = weights ? typedForm(model, setup) : null;
  if (form) host.append(form.box);
  const figure = document.createElement('div');
  figure.className = 'lm-explorer-figure';
  host.append(figure);
  // A slider's value is `value`; a dropdown's front-end model keeps `index` and its labels.
  const valueOf = (m) => (m.get('_options_labels') ? m.get('_options_labels')[m.get('index')] : m.get('value'));
  const params = () => Object.fromEntries(names.map((name, k) => [name, valueOf(sliders[k])]));
  /** A new text: run it, and keep the step slider within it (the Play button follows
   * its range through a link). Without a kernel the page itself must do this. */
  const run = (text) => {
    cache.text = text;
    cache.run = typedRun(setup, weights, text);
    cache.labels = cache.run.labels;
    const T = cache.run.trace?.c.length, step = sliders[names.indexOf('t')];
    if (T && step.get('value') > T) step.set('value', T);
    if (T && step.get('max') !== T) step.set('max', T);
  };
  let drawing = false;
  const redraw = () => {
    if (drawing) return; // a slider moved by run(): drawn once, below
    drawing = true;
    try {
      let values, shown = trace;
      if (form) {
        const text = model.get('text');
        if (cache.text !== text) run(text);
        const p = params();
        values = typedValues(cache.run, p.t, p.unit);
        shown = cache.run.trace;
        if (form.input.value !== text) form.input.value = text;
        form.message.textContent = cache.run.read.message;
      } else {
        values = compute(kind, params(), setup, trace);
      }
      const [svg, label] = DRAW[kind](values, setup, shown, cache);
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', label);
      svg.setAttribute('class', 'lm-svg');
      svg.dataset.kind = kind;
      svg.dataset.values = valuesJson(values);
      figure.replaceChildren(svg);
    } finally {
      drawing = false;
    }
  };
  const onChange = () => redraw();
  const events = 'change:value change:index';
  sliders.forEach((s) => s.on(events, onChange));
  if (form) model.on('change:text', onChange);
  redraw();
  return () => {
    sliders.forEach((s) => s.off(events, onChange));
    if (form) model.off('change:text', onChange);
  };
}

export default { render };
