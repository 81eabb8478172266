// Whether a module version stored with a widget model (`_model_module_version`, an npm
// semver range such as "~0.11.*" or "^0.11.0") admits the version this bundle carries.
// JupyterLab's widget manager asks the same question with the `semver` package
// (maxSatisfying); this is the part of npm's range syntax that stored states use:
//
//   *  ""  1  1.2  1.2.3  1.x  1.2.*     (x-ranges; a full version means exactly it)
//   ~1.2.3  ~1.2  ~1.2.*  ~1            (tilde: patch updates, or minor if no minor)
//   ^1.2.3  ^0.2.3  ^0.0.3  ^1.x        (caret: no change of the first non-zero part)
//   >=1.2  >1.2.3  <2  <=1.2  =1.2.3    (comparators)
//   ">=1.2 <2"  "1.x || 2.x"            (all of the space-separated parts, any of the ||)
//
// Versions with a pre-release or build tag are not understood: such a range throws.
// Kept apart (and free of imports) so that tests/test_widgets_bundle.py runs it with node.

const PART = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/;

/** [major, minor, patch] of a partial version, with null for a missing or wildcard part. */
function parsePartial(text, range) {
  const match = PART.exec(text);
  if (match === null) {
    throw new Error(`cannot read the version range ${JSON.stringify(range)} (at ${JSON.stringify(text)})`);
  }
  const parts = match.slice(1, 4).map((p) => (p === undefined || /^[xX*]$/.test(p) ? null : Number(p)));
  // After a wildcard, the rest is wildcard too ("1.x.3" means 1.x).
  const first = parts.indexOf(null);
  return first < 0 ? parts : parts.map((p, i) => (i >= first ? null : p));
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/** The comparators [op, [major, minor, patch]] that one space-separated part stands for. */
function comparators(token, range) {
  const match = /^(~>?|\^|>=|<=|>|<|=)?\s*(.*)$/.exec(token);
  const op = match[1] || '';
  const [M, m, p] = parsePartial(match[2], range);
  const zero = (x) => (x === null ? 0 : x);
  if (M === null) {
    // "*", "x": anything; "<*" or ">*": nothing.
    return op === '<' || op === '>' ? [['<', [0, 0, 0]]] : [];
  }
  const low = [M, zero(m), zero(p)];
  // the first version above an x-range: 1 -> 2.0.0, 1.2 -> 1.3.0
  const next = m === null ? [M + 1, 0, 0] : [M, m + 1, 0];
  const partial = p === null;
  switch (op) {
    case '':
    case '=':
      return partial ? [['>=', low], ['<', next]] : [['=', low]];
    case '~':
    case '~>':
      return [['>=', low], ['<', m === null ? [M + 1, 0, 0] : [M, m + 1, 0]]];
    case '^': {
      let upper;
      if (M > 0 || m === null) upper = [M + 1, 0, 0];
      else if (m > 0 || p === null) upper = [0, m + 1, 0];
      else upper = [0, 0, p + 1];
      return [['>=', low], ['<', upper]];
    }
    case '>=':
      return [['>=', low]];
    case '>':
      return partial ? [['>=', next]] : [['>', low]];
    case '<':
      return [['<', low]];
    case '<=':
      return partial ? [['<', next]] : [['<=', low]];
    default:
      throw new Error(`cannot read the version range ${JSON.stringify(range)}`);
  }
}

const TESTS = {
  '=': (c) => c === 0,
  '>=': (c) => c >= 0,
  '>': (c) => c > 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
};

/**
 * Whether the npm semver `range` admits `version` (a plain "major.minor.patch").
 * Throws an Error for a range it cannot read.
 */
export function admitsVersion(range, version) {
  const exact = parsePartial(String(version), version);
  if (exact.includes(null)) throw new Error(`not a full version: ${JSON.stringify(version)}`);
  const text = String(range).trim();
  return text.split('||').some((alternative) => {
    // "~ 1.2" and ">= 1.2" are allowed: glue an operator to its version first.
    const tokens = alternative
      .trim()
      .replace(/(~>?|\^|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter((t) => t !== '');
    if (tokens.includes('-')) {
      throw new Error(`cannot read the version range ${JSON.stringify(range)} (hyphen ranges)`);
    }
    return tokens.every((token) =>
      comparators(token, range).every(([op, bound]) => TESTS[op](compare(exact, bound)))
    );
  });
}
