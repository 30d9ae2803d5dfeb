import type { Logger } from '../logger';
import { recordWrongPin } from '../metrics/metrics';

/**
 * Makes PIN guessing visible, so IBA sees an attack instead of members who cannot check in: every
 * wrong PIN is counted per connector (iba_partner_wrong_pins_total), a member's PIN checks being
 * locked is logged as a warning, and so is a connector whose wrong PINs reach
 * PARTNER_WRONG_PIN_SPIKE_PER_MINUTE within a minute (once per minute, per process).
 */
export class PinGuessMonitor {
  private readonly minutes = new Map<number, { minute: number; wrongPins: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly spikePerMinute: number,
  ) {}

  wrongPin(event: { connectorId: number; memberId: number; lockedNow: boolean }, now: Date): void {
    recordWrongPin(event.connectorId);
    if (event.lockedNow) {
      this.logger.warn({ connectorId: event.connectorId, memberId: event.memberId }, "a member's PIN checks are locked after too many wrong PINs");
    }
    const minute = Math.floor(now.getTime() / 60_000);
    const current = this.minutes.get(event.connectorId);
    const tally = current && current.minute === minute ? current : { minute, wrongPins: 0 };
    tally.wrongPins += 1;
    this.minutes.set(event.connectorId, tally);
    if (tally.wrongPins === this.spikePerMinute) {
      this.logger.warn({ connectorId: event.connectorId, wrongPinsThisMinute: tally.wrongPins }, 'wrong PINs are spiking for this connector');
    }
  }
}
