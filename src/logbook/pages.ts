import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATES_DIR } from '../mail/templates';
import type { FlightTimeBooking } from './flight-time.service';

const handlebars = Handlebars.create();
const compile = (name: string) =>
  handlebars.compile(fs.readFileSync(path.join(TEMPLATES_DIR, 'pages', `${name}.hbs`), 'utf8'), { strict: true });

// compiled once, when the module loads; values are HTML-escaped
const layout = compile('layout');
const formPage = compile('flight-time-form');
const savedPage = compile('flight-time-saved');
const messagePage = compile('message');

const inLayout = (title: string, body: string) => layout({ title, body });

export function renderFlightTimeForm(booking: FlightTimeBooking, action: string, error?: string, value?: string): string {
  return inLayout('Update your flight time', formPage({ booking, action, error: error ?? '', value: value ?? String(booking.currentMinutes) }));
}

export function renderFlightTimeSaved(booking: FlightTimeBooking, minutes: number): string {
  return inLayout('Flight time saved', savedPage({ booking, minutes }));
}

export function renderMessagePage(title: string, message: string): string {
  return inLayout(title, messagePage({ title, message }));
}
