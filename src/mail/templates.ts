import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { PROJECT_ROOT } from '../config';

export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

interface CompiledEmailTemplate {
  subject: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

/** outbox_messages.subject is VARCHAR(255); a long tunnel or member name must not fail the booking. */
const SUBJECT_MAX_LENGTH = 255;

const handlebars = Handlebars.create();
const compiled = new Map<string, CompiledEmailTemplate>();

/**
 * An e-mail template is three files beside each other: templates/<id>.subject.hbs, <id>.html.hbs and
 * <id>.text.hbs (id like "logbook/external-time-entry-active"). Compiled on first use and kept;
 * the HTML part escapes values, the subject and text parts are plain text and do not.
 */
export function renderEmail(templateId: string, params: object): RenderedEmail {
  const template = compiled.get(templateId) ?? compileEmailTemplate(templateId);
  return { subject: oneLine(template.subject(params), SUBJECT_MAX_LENGTH), html: template.html(params), text: template.text(params) };
}

function compileEmailTemplate(templateId: string): CompiledEmailTemplate {
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*$/.test(templateId)) throw new Error(`Invalid template id: ${templateId}`);
  const read = (part: string) => fs.readFileSync(path.join(TEMPLATES_DIR, `${templateId}.${part}.hbs`), 'utf8');
  const template: CompiledEmailTemplate = {
    subject: handlebars.compile(read('subject'), { noEscape: true, strict: true }),
    html: handlebars.compile(read('html'), { strict: true }),
    text: handlebars.compile(read('text'), { noEscape: true, strict: true }),
  };
  compiled.set(templateId, template);
  return template;
}

function oneLine(text: string, maxLength: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= maxLength ? line : `${line.slice(0, maxLength - 1)}…`;
}
