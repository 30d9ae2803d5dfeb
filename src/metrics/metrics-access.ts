import { createHash, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { forbidden, HttpError } from '../http/errors';

export const METRICS_ACCESS_MESSAGES = {
  disabled: 'Metrics are disabled: set METRICS_TOKEN and/or METRICS_ALLOW_CIDRS',
  address: 'Metrics are not available from this address',
  token: 'Metrics need the bearer token: Authorization: Bearer <METRICS_TOKEN>',
} as const;

/**
 * Who may read /metrics. Unset configuration means production, so with neither setting nobody may:
 * the route answers 403 until an operator opens it. METRICS_ALLOW_CIDRS admits the socket's address
 * (never X-Forwarded-For, which any client can write), METRICS_TOKEN a bearer token; with both set, a
 * scrape needs both. Behind a reverse proxy on the same host every request comes from the proxy's
 * address, so use the token there (or keep /metrics off the proxy).
 */
export function metricsAccess(config: Pick<Config, 'METRICS_TOKEN' | 'METRICS_ALLOW_CIDRS'>): RequestHandler {
  const allowed = config.METRICS_ALLOW_CIDRS.length > 0 ? blockListOf(config.METRICS_ALLOW_CIDRS) : null;
  const tokenDigest = config.METRICS_TOKEN ? sha256(config.METRICS_TOKEN) : null;
  return (req, res, next) => {
    if (!allowed && !tokenDigest) throw forbidden(METRICS_ACCESS_MESSAGES.disabled);
    if (allowed && !addressAllowed(allowed, req.socket.remoteAddress)) throw forbidden(METRICS_ACCESS_MESSAGES.address);
    if (tokenDigest) {
      const presented = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
      // compared as digests: equal length whatever was sent, and constant-time
      if (!presented || !timingSafeEqual(sha256(presented), tokenDigest)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new HttpError(401, METRICS_ACCESS_MESSAGES.token);
      }
    }
    next();
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The configured ranges (validated by config.ts): "a.b.c.d/n", "x::y/n" or single addresses. */
function blockListOf(ranges: string[]): net.BlockList {
  const list = new net.BlockList();
  for (const range of ranges) {
    const [address, prefix] = range.split('/');
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return list;
}

function addressAllowed(list: net.BlockList, remoteAddress: string | undefined): boolean {
  if (!remoteAddress) return false;
  // an IPv4 client of a dual-stack listener shows up as ::ffff:a.b.c.d
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(remoteAddress);
  if (mapped) return list.check(mapped[1], 'ipv4');
  return list.check(remoteAddress, net.isIP(remoteAddress) === 6 ? 'ipv6' : 'ipv4');
}
