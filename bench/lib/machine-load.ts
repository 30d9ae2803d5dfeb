import fs from 'node:fs';
import os from 'node:os';

/**
 * Is the machine quiet enough to measure on? On a busy machine every ratio drifts towards 1, because
 * the shared CPUs limit the ceiling as much as the API: the figures would say nothing.
 */

/** Load average (1 min) per CPU above which the machine counts as busy. */
export const MAX_LOAD_PER_CPU = 0.5;
/** Share of all CPU time, taken by other programs (steal included) while the bench idles, above which the machine counts as busy. */
export const MAX_BUSY_SHARE = 0.1;

/** Cumulative CPU time of the whole machine (all CPUs), in clock ticks, from /proc/stat. */
export interface CpuTimes {
  busy: number;
  steal: number;
  total: number;
}

export function readCpuTimes(): CpuTimes | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is inside user)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, steal, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/** Clock ticks per second in /proc/stat and /proc/<pid>/stat (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

export interface MachineLoad {
  at: string;
  cpus: number;
  /** 1, 5 and 15 minute load averages. */
  loadAverage: number[];
  /** CPU time used on the whole machine while sampling, as a share of all CPUs (steal included). */
  busyShare: number | null;
  stealShare: number | null;
  sampleSeconds: number;
  busy: boolean;
  /** Why the machine counts as busy (empty when quiet). */
  reasons: string[];
}

/**
 * Samples the machine for a few seconds while the bench itself idles. judgeLoadAverage is off for the
 * check just before measuring: by then the load average still carries the bench's own data generation.
 */
export async function sampleMachineLoad(sampleSeconds: number, judgeLoadAverage: boolean): Promise<MachineLoad> {
  const cpus = os.availableParallelism();
  const before = readCpuTimes();
  await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
  const after = readCpuTimes();
  const loadAverage = os.loadavg().map((value) => Number(value.toFixed(2)));
  const elapsed = before && after ? after.total - before.total : 0;
  const busyShare = before && after && elapsed > 0 ? (after.busy - before.busy) / elapsed : null;
  const stealShare = before && after && elapsed > 0 ? (after.steal - before.steal) / elapsed : null;
  const reasons: string[] = [];
  if (judgeLoadAverage && loadAverage[0] / cpus > MAX_LOAD_PER_CPU) {
    reasons.push(`load average ${loadAverage[0]} on ${cpus} CPUs is over ${MAX_LOAD_PER_CPU} per CPU`);
  }
  if (busyShare !== null && busyShare > MAX_BUSY_SHARE) {
    reasons.push(
      `other programs used ${percent(busyShare)} of all CPU time over ${sampleSeconds} s (steal ${percent(stealShare ?? 0)}), over ${percent(MAX_BUSY_SHARE)}`,
    );
  }
  return {
    at: new Date().toISOString(),
    cpus,
    loadAverage,
    busyShare: busyShare === null ? null : round(busyShare),
    stealShare: stealShare === null ? null : round(stealShare),
    sampleSeconds,
    busy: reasons.length > 0,
    reasons,
  };
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

const round = (value: number) => Number(value.toFixed(4));
