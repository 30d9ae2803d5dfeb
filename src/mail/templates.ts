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

/** Every HTML part's document: head (title, language, viewport) and the IBA header around the body. */
const htmlLayout = handlebars.compile(fs.readFileSync(path.join(TEMPLATES_DIR, 'email-layout.html.hbs'), 'utf8'), { strict: true });

/**
 * An e-mail template is three files beside each other: templates/<id>.subject.hbs, <id>.html.hbs and
 * <id>.text.hbs (id like "logbook/external-time-entry-active"). Compiled on first use and kept;
 * the HTML part escapes values, the subject and text parts are plain text and do not. The HTML part
 * is the body only: it is put into templates/email-layout.html.hbs, titled with the subject.
 */
export function renderEmail(templateId: string, params: object): RenderedEmail {
  const template = compiled.get(templateId) ?? compileEmailTemplate(templateId);
  const subject = oneLine(template.subject(params), SUBJECT_MAX_LENGTH);
  return { subject, html: htmlLayout({ title: subject, body: template.html(params) }), text: template.text(params) };
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
