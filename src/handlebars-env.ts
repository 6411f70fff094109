/**
 * Where Handlebars comes from and how a template is compiled: in the source (tests), the full
 * library compiles each template when first used. The build (scripts/build.mjs) swaps this module
 * for one that uses `handlebars/runtime` and the templates precompiled with the same options, so the
 * CLI ships and loads no template compiler. Keep the two in step: COMPILE_OPTIONS is read by the build.
 */
import Handlebars from 'handlebars';

/** Compile-time options of every template: no HTML escaping (the output is shell and Markdown), unknown names are errors. */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

export function newHandlebars(): typeof Handlebars {
  return Handlebars.create();
}

/** The template `name` (under templates/) whose text is `text`, for the environment `hbs`. */
export function compileTemplate(hbs: typeof Handlebars, _name: string, text: string): HandlebarsTemplateDelegate {
  return hbs.compile(text, COMPILE_OPTIONS);
}
