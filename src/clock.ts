/** Rules that depend on time take a clock, so tests can pin "now" without fake timers. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const fromUnixSeconds = (seconds: number): Date => new Date(seconds * 1000);
