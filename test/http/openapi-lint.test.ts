import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { appOpenApiDocument } from '../../src/cli/openapi-document';
import { PROJECT_ROOT } from '../../src/config';

/**
 * The document the app serves, linted as CI lints it (scripts/lint-openapi.sh): Redocly CLI and
 * Spectral, zero errors and zero warnings. Every operation any feature adds is held to the same rules.
 */

const LINTED = path.join(PROJECT_ROOT, '.data', 'openapi', 'openapi.json');
const MUTATED = path.join(PROJECT_ROOT, '.data', 'openapi', 'mutated', 'openapi.json');

function lint(file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(path.join(PROJECT_ROOT, 'scripts', 'lint-openapi.sh'), [file], { cwd: PROJECT_ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

function write(file: string, document: object) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
}

describe('the OpenAPI document (scripts/lint-openapi.sh)', () => {
  jest.setTimeout(180_000);

  it('passes Redocly CLI and Spectral with no error and no warning; a broken copy fails both', async () => {
    const document = appOpenApiDocument() as { paths: Record<string, Record<string, { operationId?: string; security?: unknown }>> };
    write(LINTED, document);
    // the same document with an operation that has no operationId and no security, and a path ending with a slash
    const mutated = structuredClone(document);
    delete mutated.paths['/health/live'].get.operationId;
    delete mutated.paths['/health/live'].get.security;
    mutated.paths['/health/'] = { get: { ...mutated.paths['/health'].get, operationId: 'healthWithSlash' } };
    write(MUTATED, mutated);

    const [clean, broken] = await Promise.all([lint(LINTED), lint(MUTATED)]);

    expect(clean.output).toContain('Your API description is valid');
    expect(clean.output).toContain("No results with a severity of 'warn' or higher found!");
    expect(clean).toEqual({ code: 0, output: expect.any(String) });

    expect(broken.code).not.toBe(0);
    const [redocly, spectral] = broken.output.split('== Spectral');
    for (const rule of ['operation-operationId', 'security-defined', 'no-path-trailing-slash']) expect(redocly).toContain(rule);
    for (const rule of ['operation-operationId', 'path-keys-no-trailing-slash']) expect(spectral).toContain(rule);
  });
});
