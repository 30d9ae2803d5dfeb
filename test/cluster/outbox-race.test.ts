import pino from 'pino';
import { systemClock } from '../../src/clock';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool';
import { insertOutboxMessage } from '../../src/mail/outbox.model';
import { newMessageId } from '../../src/mail/addresses';
import { OutboxWorker } from '../../src/mail/outbox-worker';
import { createMailTransport, type MailTransport } from '../../src/mail/transport';
import { type SmtpCatcher, startSmtpCatcher } from '../helpers/smtp-catcher';
import { type ClusterDatabase, conflictCount, endPools, freshClusterDatabase, NODES, type NodeNumber, nodePools } from './cluster';

/**
 * FOR UPDATE SKIP LOCKED only skips rows locked on the same node: workers on two nodes can select the
 * same due message. The claim commits before anything is sent, so certification lets one of them have
 * it and aborts the other (which claims again and finds it taken): each message is sent once.
 */

const MESSAGES = 300;
let database: ClusterDatabase;
let pools: Record<NodeNumber, Pool>;
let workerPools: Pool[] = [];
let transport: MailTransport;
let smtp: SmtpCatcher;

beforeAll(async () => {
  database = await freshClusterDatabase('iba_cluster_outbox');
  pools = nodePools(database);
  smtp = await startSmtpCatcher();
  transport = createMailTransport({ SMTP_URL: smtp.url, MAIL_FROM: 'IBA Logbook <no-reply@tunnelflight.com>', MAIL_OUTBOX_DIR: '/nonexistent', NODE_ENV: 'test' }, pino({ level: 'silent' }));
});

afterAll(async () => {
  transport?.close();
  await smtp?.stop();
  await Promise.all(workerPools.map((pool) => pool.end()));
  await endPools(pools);
});

describe('outbox workers on all three nodes draining one outbox', () => {
  it('send each message exactly once, though they select the same rows', async () => {
    const now = new Date();
    for (let i = 0; i < MESSAGES; i++) {
      await insertOutboxMessage(pools[((i % 3) + 1) as NodeNumber], { messageId: newMessageId('iba.example'), template: 'test/race', to: `flyer${i}@example.com`, subject: `Message ${i}`, html: `<p>${i}</p>`, text: `${i}` }, now);
    }
    const conflictsBefore = await conflictCount(database);

    // two workers per node, small batches, polling all the time: they keep picking the same due rows
    workerPools = NODES.flatMap((n) => [createPool(database.node(n), { connectionLimit: 2 }), createPool(database.node(n), { connectionLimit: 2 })]);
    const workers = workerPools.map((pool) => new OutboxWorker({ pool, transport, logger: pino({ level: 'silent' }), clock: systemClock, pollIntervalMs: 5, batchSize: 5 }));
    workers.forEach((worker) => worker.start());
    try {
      await smtp.waitForMessages(MESSAGES, 60_000);
      // time for a message sent twice to arrive twice
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      await Promise.all(workers.map((worker) => worker.stop()));
    }

    const [rows] = await pools[1].query<RowDataPacket[]>('SELECT message_id FROM outbox_messages');
    const expected = rows.map((row) => String(row.message_id)).sort();
    expect(smtp.messages.map((mail) => mail.messageId).sort()).toEqual(expected);
    for (const n of NODES) {
      const [unsent] = await pools[n].query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox_messages WHERE sent_at IS NULL');
      expect(Number(unsent[0].n)).toBe(0);
    }
    // the workers did collide, and Galera's certification settled it
    expect((await conflictCount(database)) - conflictsBefore).toBeGreaterThan(0);
  });
});
