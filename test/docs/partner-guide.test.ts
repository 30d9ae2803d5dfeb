import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';
import { seedDemoData } from '../../src/demo/demo-data';
import { startValidatingProxy, type ValidatingProxy } from '../helpers/openapi-proxy';
import { createTestContext, type TestContext } from '../helpers/test-app';

/**
 * Every shell (curl + openssl) and Node snippet in docs/partners.md, run as a partner would paste it,
 * against a real listening server with the demo data: each must print a successful answer. They
 * reach it through a validating proxy (Prism) with the app's OpenAPI document, so each request and
 * answer must also be one the document describes.
 */

const GUIDE = path.join(PROJECT_ROOT, 'docs', 'partners.md');
const snippets = [...fs.readFileSync(GUIDE, 'utf8').matchAll(/```(sh|js)\n([\s\S]*?)```/g)].map((match, index) => ({
  name: `${match[1]} snippet ${index + 1}: ${/(validate-pin|get-member|create-booking)/.exec(match[2])?.[1] ?? ''}`,
  language: match[1] as 'sh' | 'js',
  code: match[2],
}));

let t: TestContext;
let proxy: ValidatingProxy;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'partner-guide-'));

beforeAll(async () => {
  t = await createTestContext();
  await seedDemoData(t.pool, t.config, new Date());
  proxy = await startValidatingProxy(t.app);
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await t.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function run(snippet: (typeof snippets)[number]): Promise<string> {
  const file = path.join(scratch, `snippet.${snippet.language === 'sh' ? 'sh' : 'cjs'}`);
  fs.writeFileSync(file, snippet.code);
  const [command, args] = snippet.language === 'sh' ? ['bash', ['-euo', 'pipefail', file]] : [process.execPath, [file]];
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { PATH: process.env.PATH ?? '', BASE_URL: proxy.url }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${snippet.name} failed: ${stderr || error.message}\n${stdout}`));
      else resolve(stdout);
    });
  });
}

describe('docs/partners.md', () => {
  it('has curl and Node snippets for every signing method', () => {
    expect(snippets.filter((s) => s.language === 'sh')).toHaveLength(4);
    expect(snippets.filter((s) => s.language === 'js')).toHaveLength(3);
  });

  it.each(snippets.map((snippet) => [snippet.name, snippet] as const))('%s prints a successful answer', async (_name, snippet) => {
    const output = (await run(snippet)).trim().split('\n').pop() ?? '';
    expect(JSON.parse(output)).toMatchObject({ valid: true });
    proxy.expectEveryExchangeDescribed();
    // one second apart: the timestamped snippets sign the same requests as the curl ones
    await new Promise((resolve) => setTimeout(resolve, 1000));
  });
});
