// Label selectors in the syntax of kubectl's -l (k8s.io/apimachinery labels.Parse):
// `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
// `key notin (a,b)`, `key>1`, `key<1`, joined by commas. Checked before any
// request, so that a typo is reported against the flag rather than as a 400
// from the server, or as a silent empty selection.
import { dns1123Subdomain } from './names.js';

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX = 63;
// The operators and punctuation, longest first so that `!=` is not read as `!`.
const SYMBOLS = ['!=', '==', '!', '(', ')', ',', '=', '>', '<'];

type Token = { symbol: string } | { word: string };

function tokens(selector: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    if (/\s/.test(selector[i]!)) {
      i++;
      continue;
    }
    const symbol = SYMBOLS.find((s) => selector.startsWith(s, i));
    if (symbol) {
      out.push({ symbol });
      i += symbol.length;
      continue;
    }
    let j = i;
    while (j < selector.length && !/\s/.test(selector[j]!) && !'!()=,><'.includes(selector[j]!)) j++;
    out.push({ word: selector.slice(i, j) });
    i = j;
  }
  return out;
}

function show(t: Token | undefined): string {
  if (t === undefined) return "''";
  return `'${'symbol' in t ? t.symbol : t.word}'`;
}

function keyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `invalid label key "${key}": a qualified name has at most one '/'`;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]!];
  if (prefix !== undefined) {
    const bad = prefix === '' ? 'must not be empty' : dns1123Subdomain(prefix);
    if (bad) return `invalid label key "${key}": prefix part ${bad}`;
  }
  if (!name || name.length > MAX || !NAME.test(name)) {
    return `invalid label key "${key}": name part must be 1 to ${MAX} alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character`;
  }
  return undefined;
}

function valueProblem(key: string, value: string): string | undefined {
  if (value.length <= MAX && VALUE.test(value)) return undefined;
  return `invalid label value "${value}" for key "${key}": at most ${MAX} alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character`;
}

/** Why `selector` is not a label selector, or undefined when it is one (the empty selector selects everything). */
export function labelSelectorProblem(selector: string): string | undefined {
  const toks = tokens(selector);
  let i = 0;
  const next = () => toks[i++];
  const peek = () => toks[i];
  const isSymbol = (t: Token | undefined, s: string) => t !== undefined && 'symbol' in t && t.symbol === s;
  const word = (t: Token | undefined) => (t !== undefined && 'word' in t ? t.word : undefined);

  if (toks.length === 0) return undefined;
  for (;;) {
    const negated = isSymbol(peek(), '!');
    if (negated) next();
    const keyToken = next();
    const key = word(keyToken);
    if (key === undefined) return `found ${show(keyToken)}, expected a label key`;
    const badKey = keyProblem(key);
    if (badKey) return badKey;

    const op = peek();
    if (op === undefined || isSymbol(op, ',')) {
      // `key` or `!key` alone: existence.
    } else if (negated) {
      return `found ${show(op)}, expected ',' or the end after '!${key}'`;
    } else if (['=', '==', '!='].some((s) => isSymbol(op, s))) {
      next();
      const v = peek();
      const value = word(v) ?? (v === undefined || isSymbol(v, ',') ? '' : undefined);
      if (value === undefined) return `found ${show(v)}, expected a value after ${show(op)}`;
      if (word(v) !== undefined) next();
      const badValue = valueProblem(key, value);
      if (badValue) return badValue;
    } else if (isSymbol(op, '>') || isSymbol(op, '<')) {
      next();
      const value = word(next());
      if (value === undefined || !/^[-+]?\d+$/.test(value)) return `for '>' and '<' the value must be an integer, got ${value === undefined ? 'nothing' : `"${value}"`}`;
    } else if (word(op) === 'in' || word(op) === 'notin') {
      next();
      if (!isSymbol(next(), '(')) return `found ${show(toks[i - 1])}, expected '(' after '${word(op)}'`;
      const values: string[] = [];
      for (let t = next(); !isSymbol(t, ')'); ) {
        if (t === undefined) return `found '', expected ')' to close the values of '${key} ${word(op)}'`;
        if (isSymbol(t, ',')) {
          t = next();
          continue;
        }
        const value = word(t);
        if (value === undefined) return `found ${show(t)}, expected a value in '${key} ${word(op)} (...)'`;
        const badValue = valueProblem(key, value);
        if (badValue) return badValue;
        values.push(value);
        t = next();
        if (t !== undefined && !isSymbol(t, ',') && !isSymbol(t, ')')) return `found ${show(t)}, expected ',' or ')'`;
      }
      if (values.length === 0) return `for 'in' and 'notin' the set of values must not be empty`;
    } else {
      return `found ${show(op)}, expected one of '=', '==', '!=', 'in', 'notin', '>', '<', ',' after '${key}'`;
    }

    const end = next();
    if (end === undefined) return undefined;
    if (!isSymbol(end, ',')) return `found ${show(end)}, expected ',' or the end`;
    if (peek() === undefined) return `found '', expected a requirement after ','`;
  }
}
