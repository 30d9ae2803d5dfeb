/** Command-line options: --name=value, or --name alone for true. */
export function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(prefix));
  if (!arg) return undefined;
  return arg === `--${name}` ? 'true' : arg.slice(prefix.length);
}

export function numberOption(name: string, fallback: number): number {
  const value = option(name);
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number, not "${value}"`);
  return number;
}

export const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);
