/**
 * The one Handlebars set-up: the helpers every template may use, and the package's templates
 * (templates/), read once and compiled once. Used by the hooks (src/hooks/render-hooks.ts) and the build
 * rules file (src/generate/rules-file.ts). The read step calls loadTemplates() so that planning
 * reads no file; a renderer used on its own (a test) loads what it needs on first use.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { shDoubleQuote, shQuote } from './hooks/quote.js';
import { templatePath } from './package-root.js';

const hbs = Handlebars.create();
hbs.registerHelper('sh', (v: unknown) => shQuote(String(v)));
hbs.registerHelper('shArray', (v: unknown) => `(${(v as unknown[]).map((x) => shQuote(String(x ?? ''))).join(' ')})`);
hbs.registerHelper('shTextArray', (v: unknown) => `(${(v as unknown[]).map((x) => shDoubleQuote(String(x ?? ''))).join(' ')})`);

const texts = new Map<string, string>();
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** A file under templates/ (`runtime/core.sh`), LF line endings whatever the checkout did. */
export function templateText(name: string): string {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(templatePath(...name.split('/')), 'utf8').replace(/\r\n/g, '\n');
    texts.set(name, text);
  }
  return text;
}

/** A Handlebars template under templates/ (`hooks/build.sh.hbs`), compiled strict and unescaped. */
export function template(name: string): HandlebarsTemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(templateText(name), { noEscape: true, strict: true });
    compiled.set(name, t);
  }
  return t;
}

/** Reads every file under templates/ now (the read step), so rendering later reads nothing. */
export function loadTemplates(): void {
  const root = templatePath();
  for (const e of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) templateText(relative(root, join(e.parentPath, e.name)).split(/[\\/]/).join('/'));
  }
}
