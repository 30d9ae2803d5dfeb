import { z } from 'zod';
import type { Pool } from '../db/pool';
import { isDuplicateKeyError } from '../db/errors';
import { hashPassword, passwordWeakness } from '../security/passwords';
import { insertAdminMember, memberExistsWithEmail, memberExistsWithUsername } from './auth-member.model';

/** Why an admin account was not created, in words for the person at the terminal. */
export class AdminCreationRefused extends Error {}

export interface NewAdminInput {
  username: string;
  password: string;
  email: string;
  firstName?: string;
  lastName?: string;
}

// no "@": sign-in falls back to the e-mail address when a login is not a username
const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

/**
 * Creates an admin (role 1) with an argon2id password hash and TOTP not yet set up, so the first
 * login answers requiresTotpSetup. The database's unique keys have the last word on duplicates.
 */
export async function createAdmin(pool: Pool, input: NewAdminInput): Promise<number> {
  const username = input.username.trim();
  const email = input.email.trim().toLowerCase();
  if (!USERNAME.test(username)) {
    throw new AdminCreationRefused('Username must be 3 to 64 characters: letters, digits, dots, dashes or underscores');
  }
  if (!z.email().safeParse(email).success || email.length > 254) throw new AdminCreationRefused(`"${input.email}" is not a valid e-mail address`);
  const weakness = passwordWeakness(input.password, username);
  if (weakness) throw new AdminCreationRefused(weakness);
  await refuseTaken(pool, username, email);

  const passwordHash = await hashPassword(input.password);
  try {
    return await insertAdminMember(pool, {
      username,
      email,
      passwordHash,
      screenName: username,
      firstName: input.firstName?.trim() || username,
      lastName: input.lastName?.trim() || 'Admin',
    });
  } catch (error) {
    if (isDuplicateKeyError(error)) await refuseTaken(pool, username, email);
    throw error;
  }
}

async function refuseTaken(pool: Pool, username: string, email: string): Promise<void> {
  if (await memberExistsWithUsername(pool, username)) throw new AdminCreationRefused(`A member with username "${username}" already exists`);
  if (await memberExistsWithEmail(pool, email)) throw new AdminCreationRefused(`The e-mail address ${email} is already used by another member`);
}
