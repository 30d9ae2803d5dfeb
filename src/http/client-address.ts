import type { Request } from 'express';
import ipaddr from 'ipaddr.js';

/**
 * The client's address as Express sees it: the socket's peer, or with TRUST_PROXY the address the
 * trusted proxies report. IPv4 clients reached over an IPv6 socket (::ffff:1.2.3.4) are shown as IPv4.
 */
export function clientAddress(req: Pick<Request, 'ip' | 'socket'>): string {
  const raw = req.ip ?? req.socket?.remoteAddress;
  if (!raw) return 'unknown';
  return ipaddr.isValid(raw) ? ipaddr.process(raw).toString() : raw;
}

/**
 * What rate limits and throttles count per: an IPv4 address, or an IPv6 address's /64 network, since
 * one IPv6 host is usually handed a whole /64 and could otherwise step through addresses at will.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const groups = (parsed as ipaddr.IPv6).toNormalizedString().split(':').slice(0, 4);
  return `${groups.map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
