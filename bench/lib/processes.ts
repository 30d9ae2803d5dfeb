import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { PROJECT_ROOT } from '../../src/config';

/** A port the kernel says is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  url: string;
  /** The process and its children (cluster workers), as they are now. */
  pids: () => number[];
  /** Last lines the process wrote, for error messages. */
  output: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  healthPath?: string;
  /** Append stdout and stderr to this file, as a process manager would, instead of piping them to the bench. */
  logFile?: string;
  /** How many processes must be up (the primary and its workers) before the server counts as started. */
  processes?: number;
}

/** Starts `node <args>` with env (and nothing else from the bench's environment but PATH), and waits until GET <healthPath> answers 200. */
export async function startServerProcess(args: string[], env: Record<string, string>, port: number, options: StartOptions = {}): Promise<ServerProcess> {
  const { healthPath = '/health', logFile, processes = 1 } = options;
  const logFd = logFile ? fs.openSync(logFile, 'a') : null;
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
    stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'],
  });
  if (logFd !== null) fs.closeSync(logFd);
  let piped = '';
  const keep = (chunk: Buffer) => {
    piped = (piped + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const output = () => (logFile ? tail(logFile, 4000) : piped);
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (true) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}:\n${output()}`);
    const healthy = await fetch(url + healthPath).then((response) => response.status === 200, () => false);
    if (healthy && processTree(pid).length >= processes) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not become healthy within 60 s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return { child, pid, port, url, pids: () => processTree(pid), output, stop };
}

function tail(file: string, bytes: number): string {
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(bytes, size));
      fs.readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      return buffer.toString();
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** A process and all its descendants (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    let tasks: string[];
    try {
      tasks = fs.readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return pids;
}

/** Resident set size of a process in bytes (VmRSS), or null once it is gone. */
export function readRss(pid: number): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples the RSS of a server's processes every intervalMs and remembers the peaks (overall and since
 * the last mark): of the largest single process, and of all of them together.
 */
export class RssSampler {
  private timer: NodeJS.Timeout;
  private pids: number[];
  private sampled = 0;
  peakProcess = 0;
  peakTotal = 0;
  peakProcessSinceMark = 0;
  peakTotalSinceMark = 0;

  constructor(private readonly server: Pick<ServerProcess, 'pids'>, intervalMs = 100) {
    this.pids = server.pids();
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    // cluster workers come and go rarely: the tree is re-read every 20 samples
    if (++this.sampled % 20 === 0) this.pids = this.server.pids();
    let total = 0;
    let largest = 0;
    for (const pid of this.pids) {
      const rss = readRss(pid) ?? 0;
      total += rss;
      largest = Math.max(largest, rss);
    }
    this.peakProcess = Math.max(this.peakProcess, largest);
    this.peakTotal = Math.max(this.peakTotal, total);
    this.peakProcessSinceMark = Math.max(this.peakProcessSinceMark, largest);
    this.peakTotalSinceMark = Math.max(this.peakTotalSinceMark, total);
  }

  mark(): void {
    this.peakProcessSinceMark = 0;
    this.peakTotalSinceMark = 0;
    this.sample();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Runs `node <args>` to completion and returns its stdout; rejects with its stderr when it fails. onLine sees stdout lines as they come. */
export function runNode(args: string[], env: Record<string, string>, onLine: (line: string) => void = () => undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (c: Buffer) => {
      const text = c.toString();
      stdout += text;
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line) onLine(line);
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${args.join(' ')} exited with ${code}:\n${stderr}`))));
  });
}

/** CPU time (user + system) a process has used so far, in ms, or null once it is gone. */
export function readCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime and stime are the 12th and 13th of those
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}

/** CPU time of several processes together, in ms (a process that is gone counts 0). */
export function readTreeCpuMs(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + (readCpuMs(pid) ?? 0), 0);
}
