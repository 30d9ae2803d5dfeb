import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';

/**
 * Parsing an address with ipaddr.js costs more than the rest of a check-in's address handling
 * together, and a partner sends thousands of requests from a handful of addresses: each function
 * below remembers its answers. The memory is bounded (emptied when full), so a flood of made-up
 * addresses through a trusted proxy costs parsing, never memory.
 */
const MEMO_LIMIT = 10_000;

function memoized(compute: (address: string) => string): (address: string) => string {
  const answers = new Map<string, string>();
  return (address) => {
    let answer = answers.get(address);
    if (answer === undefined) {
      answer = compute(address);
      if (answers.size >= MEMO_LIMIT) answers.clear();
      answers.set(address, answer);
    }
    return answer;
  };
}

/** IPv4 clients reached over an IPv6 socket (::ffff:1.2.3.4) are shown as IPv4. */
const normalised = memoized((raw) => (ipaddr.isValid(raw) ? ipaddr.process(raw).toString() : raw));

/**
 * The client's address as Express sees it: the socket's peer, or with TRUST_PROXY the address the
 * trusted proxies report.
 */
export function clientAddress(req: Pick<IncomingMessage, 'ip' | 'socket'>): string {
  const raw = req.ip ?? req.socket?.remoteAddress;
  return raw ? normalised(raw) : 'unknown';
}

/**
 * What rate limits and throttles count per: an IPv4 address, or an IPv6 address's /64 network, since
 * one IPv6 host is usually handed a whole /64 and could otherwise step through addresses at will.
 */
export const addressKey = memoized((address) => {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const groups = (parsed as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4);
  return `${groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
});
