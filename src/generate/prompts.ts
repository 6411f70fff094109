import { createInterface } from 'node:readline/promises';
import { ARCHES, platformString } from '../arch.js';

/** Asks on a terminal; only called when stdin is a TTY and --yes was not given. */
export async function ask(questions: { key: string; text: string; def: string; help?: string }[]): Promise<Record<string, string>> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answers: Record<string, string> = {};
  try {
    for (const q of questions) {
      if (q.help) process.stderr.write(q.help + '\n');
      const a = (await rl.question(`? ${q.text} (${q.def}) `)).trim();
      answers[q.key] = a === '' ? q.def : a;
    }
  } finally {
    rl.close();
  }
  return answers;
}

export function archHelp(): string {
  return '  ' + ARCHES.map((a) => `${a.name} (${platformString(a.platform)})`).join(', ');
}
