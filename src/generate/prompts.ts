import { createInterface } from 'node:readline';
import { ARCHES, platformString } from '../arch.js';
import { UserError } from '../errors.js';

/**
 * Asks on a terminal; only called when stdin is a TTY and --yes was not given. Lines are read
 * through readline's async iterator, which queues lines typed (or pasted) ahead of a question.
 */
export interface Question {
  key: string;
  text: string;
  def: string;
  help?: string;
  /** Throws a UserError for an answer it refuses: its sentence is shown and the question asked again. */
  check?: (answer: string) => unknown;
}

// One readline for the whole run, paused between asks: a second interface on stdin would miss
// the lines the first one had already read ahead (typed or pasted before the question).
let session: { rl: ReturnType<typeof createInterface>; lines: AsyncIterator<string> } | undefined;

export async function ask(questions: Question[]): Promise<Record<string, string>> {
  if (!session) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    session = { rl, lines: rl[Symbol.asyncIterator]() };
  }
  const { rl, lines } = session;
  rl.resume();
  const answers: Record<string, string> = {};
  try {
    for (const q of questions) {
      if (q.help) process.stderr.write(q.help + '\n');
      for (;;) {
        rl.setPrompt(`? ${q.text} (${q.def}) `);
        rl.prompt();
        const next = await lines.next();
        if (next.done)
          throw new UserError(
            'Input ended before every question was answered; answer them, or pass --yes and the flags (see --help).',
            130,
          );
        const a = String(next.value).trim() || q.def;
        const problem = refusal(q, a);
        if (problem === undefined) {
          answers[q.key] = a;
          break;
        }
        process.stderr.write(`  ${problem}\n`);
      }
    }
  } finally {
    // Paused, not closed: a later ask (the adoption question) reads on; paused stdin keeps nothing running.
    rl.pause();
  }
  return answers;
}

/** The sentence a question's check refuses `answer` with, if it does. */
function refusal(q: Question, answer: string): string | undefined {
  try {
    q.check?.(answer);
    return undefined;
  } catch (e) {
    if (e instanceof UserError) return e.message;
    throw e;
  }
}

export function archHelp(): string {
  return '  ' + ARCHES.map((a) => `${a.name} (${platformString(a.platform)})`).join(', ');
}
