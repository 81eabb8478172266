// ------------------------------------------------------------------ the text magnifier
/* Chapter 17's magnifier, appended to explorers.js by lstm_magnifier.viz.text_magnifier (it
   uses that module's lstmStep, readText, decodeArray and valuesJson). The reader types Python;
   the shipped character model reads it, one character at a time, and the units the chapter
   names colour the characters they read. "Generate" continues the text with the draws of
   lstm_magnifier.text.sample: the same seed and temperature write the same text here and in
   Python. */

/** Numbers in [0, 1) from a whole-number seed below 2^32, without end (text.uniforms in
 * Python): Marsaglia's xorshift32, started from (seed * 9E3779B9 + 6D2B79F5) mod 2^32. */
export function* uniforms(seed) {
  let x = (Math.imul(seed, 0x9e3779b9) + 0x6d2b79f5) >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x / 4294967296;
  }
}

/** The index drawn from softmax(logits / T) by u in [0, 1) (text.draw): the first k whose
 * running sum of exp((z_k - max z) / T), summed in order, passes u times the total. */
export function drawIndex(logits, temperature, u) {
  let top = -Infinity;
  for (const z of logits) if (z > top) top = z;
  const running = [];
  let sum = 0;
  for (const z of logits) running.push((sum += Math.exp((z - top) / temperature)));
  const threshold = u * sum;
  for (let k = 0; k < running.length; k++) if (running[k] > threshold) return k;
  return logits.length - 1;
}

/** The decoded model of a text magnifier's setup: its LSTM layers, its readout and vocabulary. */
export function textModel(setup) {
  const decode = (arrays) => Object.fromEntries(Object.entries(arrays).map(([k, a]) => [k, decodeArray(a)]));
  return { layers: setup.weights.map(decode), head: decode(setup.head), vocabulary: [...setup.vocabulary] };
}

/** One character (or the zero input, k = -1) through every layer from `state` ({h, c}: one
 * array per layer); returns the new state. */
function advance(model, k, state) {
  let x = model.vocabulary.map((_, j) => (j === k ? 1 : 0));
  const h = [], c = [];
  model.layers.forEach((layer, n) => {
    const step = lstmStep(x, state.h[n], state.c[n], layer);
    h.push(step.h), c.push(step.c);
    x = step.h;
  });
  return { h, c };
}

/** The states after reading `text` (text.run in Python: one zero input first, then each
 * character): states[t] after t characters. `memo` (the last call's result) is reused up to the
 * first character that differs, so typing at the end costs one step. */
export function readChars(model, text, memo = { text: '', states: [] }) {
  const chars = [...text];
  const old = [...memo.text];
  let same = 0;
  while (same < chars.length && same < old.length && chars[same] === old[same]) same++;
  const states = memo.states.slice(0, same + 1);
  if (!states.length) {
    const zeros = model.layers.map((l) => new Array(l.weight_hh[0].length).fill(0));
    states.push(advance(model, -1, { h: zeros, c: zeros }));
  }
  for (let t = same; t < chars.length; t++) states.push(advance(model, model.vocabulary.indexOf(chars[t]), states[t]));
  return { text, states, same }; // same: the characters whose states were reused
}

/** The next character's logits from the top layer's h: head.weight h + head.bias. */
function logitsOf(model, state) {
  const h = state.h[state.h.length - 1];
  return model.head.bias.map((b, r) => {
    let sum = b;
    const row = model.head.weight[r];
    for (let k = 0; k < h.length; k++) sum += row[k] * h[k];
    return sum;
  });
}

/** `length` characters after `prompt`, drawn at `temperature` from `seed` (text.sample). */
export function sampleText(model, length, temperature, seed, prompt = '', memo = undefined) {
  const read = readChars(model, prompt, memo);
  let state = read.states[read.states.length - 1];
  const numbers = uniforms(seed);
  let out = '';
  for (let n = 0; n < length; n++) {
    const k = drawIndex(logitsOf(model, state), temperature, numbers.next().value);
    out += model.vocabulary[k];
    state = advance(model, k, state);
  }
  return out;
}

/** What the text magnifier shows (TextMagnifier.values): what was read of the reader's text,
 * each named unit's value after every character, and the text generated last. */
export function textValues(setup, model, typed, memo, generated) {
  const read = readText(typed, setup.vocabulary, setup.max_length);
  const run = readChars(model, read.text, memo);
  const units = {};
  for (const u of setup.units) units[u.name] = run.states.slice(1).map((s) => s[u.memory][u.layer][u.unit]);
  return [{ ...read, units, generated }, run];
}

/** A value's background: orange towards +scale, purple towards -scale (sign turned so that
 * orange goes with the property), at most 55 % opaque so the text reads on either theme. */
function tint(value, unit, colors) {
  const v = Math.max(-1, Math.min(1, (value * unit.sign) / unit.scale));
  const [r, g, b] = v >= 0 ? colors.positive : colors.negative;
  return `rgba(${r}, ${g}, ${b}, ${(0.55 * Math.abs(v)).toFixed(3)})`;
}

function make(tag, attrs = {}, text = undefined) {
  const node = Object.assign(document.createElement(tag), attrs);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One named unit over the characters: its title, then the text with a tint behind each. */
function unitRow(unit) {
  const row = make('div', { className: 'lm-unit-row' });
  row.append(make('p', { className: 'lm-unit-name' }, unit.label), make('pre', { className: 'lm-chars' }));
  return row;
}

/** Tint the characters of a unit's row: the first `keep` are as they were (the same text read
 * to the same values), the rest are drawn again. */
function tintRow(row, unit, text, values, colors, keep) {
  const chars = row.lastChild;
  const spans = chars.children;
  while (spans.length > keep) chars.lastChild.remove();
  const more = document.createDocumentFragment();
  [...text].slice(spans.length).forEach((ch, k) => {
    const span = make('span', {}, ch);
    span.style.backgroundColor = tint(values[spans.length + k], unit, colors);
    more.append(span);
  });
  chars.append(more);
  chars.setAttribute('aria-label', `${unit.label}: ${text.length} characters, tinted by the unit's value`);
}

async function renderText({ model, el: host }) {
  const setup = model.get('setup');
  const lstm = textModel(setup);
  const ids = model.get('controls');
  const names = Object.keys(ids);
  const sliders = await Promise.all(
    names.map((name) => model.widget_manager.get_model(ids[name].replace(/^IPY_MODEL_/, ''))));
  const slider = (name) => sliders[names.indexOf(name)].get('value');
  const form = typedForm(model, setup, 'textarea');
  const figure = make('div', { className: 'lm-text-figure' });
  const rows = setup.units.map(unitRow);
  figure.append(...rows);
  const button = make('button', { type: 'button', className: 'lm-generate' }, 'generate');
  const generated = make('pre', { className: 'lm-generated' });
  generated.setAttribute('aria-live', 'polite');
  const box = make('div', { className: 'lm-generate-box' });
  box.append(make('p', { className: 'lm-note' }, setup.generate_note), button, generated);
  const frame = make('div', { className: 'lm-explorer-figure lm-text-explorer' }); // the palette's scope
  frame.append(form.box, figure, box);
  host.append(frame);
  let memo;
  const redraw = () => {
    const text = model.get('text');
    const [values, run] = textValues(setup, lstm, text, memo, model.get('generated'));
    memo = run;
    if (form.input.value !== text) form.input.value = text;
    form.message.textContent = values.message;
    setup.units.forEach((u, k) => tintRow(rows[k], u, values.text, values.units[u.name], setup.colors, run.same));
    figure.dataset.kind = 'text';
    figure.dataset.values = valuesJson(values);
    generated.textContent = values.generated;
  };
  button.addEventListener('click', () => {
    const prompt = readText(model.get('text'), setup.vocabulary, setup.max_length).text;
    const more = sampleText(lstm, setup.length, slider('temperature'), slider('seed'), prompt, memo);
    model.set('generated', more);
    model.save_changes?.();
  });
  const events = ['change:text', 'change:generated'];
  events.forEach((e) => model.on(e, redraw));
  redraw();
  return () => events.forEach((e) => model.off(e, redraw));
}

export default { render: (context) => (context.model.get('kind') === 'text' ? renderText(context) : render(context)) };
