import { read } from 'read';

/**
 * The password for a command-line tool, kept out of shell history and `ps`: asked twice on a terminal
 * without echo, or read as the first line of standard input when it is a pipe or a file
 * (`printf '%s\n' "$PASSWORD" | npm run admin:create -- ...`).
 */
export async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) return firstLineOfStdin();
  const first = await read({ prompt: 'Password: ', silent: true, replace: '', output: process.stderr });
  const second = await read({ prompt: 'Repeat the password: ', silent: true, replace: '', output: process.stderr });
  if (first !== second) throw new PasswordEntryError('The two passwords differ');
  return first;
}

export class PasswordEntryError extends Error {}

async function firstLineOfStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0];
}
