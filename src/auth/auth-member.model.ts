import { ADMIN_ROLE_ID } from './roles';
import type { Queryable, ResultSetHeader, RowDataPacket } from '../db/pool';

/** What sign-in needs to know about a member. The TOTP secret is read only where a code is checked. */
export interface AuthMember {
  memberId: number;
  username: string | null;
  email: string;
  firstName: string;
  passwordHash: string | null;
  roleId: number;
  /** As stored: sealed by the SecretBox, or plain in rows from before encryption. */
  totpSecret: string | null;
  totpEnabled: boolean;
  tokenVersion: number;
}

interface AuthMemberRow extends RowDataPacket {
  member_id: number;
  username: string | null;
  email: string;
  first_name: string;
  password_hash: string | null;
  role_id: number;
  totp_secret: string | null;
  totp_enabled: number;
  token_version: number;
}

const AUTH_MEMBER_COLUMNS = 'member_id, username, email, first_name, password_hash, role_id, totp_secret, totp_enabled, token_version';

function toAuthMember(row: AuthMemberRow): AuthMember {
  return {
    memberId: row.member_id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    passwordHash: row.password_hash,
    roleId: row.role_id,
    totpSecret: row.totp_secret,
    totpEnabled: Boolean(row.totp_enabled),
    tokenVersion: row.token_version,
  };
}

/** The member signing in as `login`: their username, or else their e-mail address (flyers often have no username). */
export async function findMemberByLogin(db: Queryable, login: string): Promise<AuthMember | null> {
  const [rows] = await db.execute<AuthMemberRow[]>(
    `SELECT ${AUTH_MEMBER_COLUMNS} FROM members WHERE username = ? OR email = ?
     ORDER BY username = ? DESC LIMIT 1`,
    [login, login, login],
  );
  return rows[0] ? toAuthMember(rows[0]) : null;
}

export async function findMemberById(db: Queryable, memberId: number): Promise<AuthMember | null> {
  const [rows] = await db.execute<AuthMemberRow[]>(`SELECT ${AUTH_MEMBER_COLUMNS} FROM members WHERE member_id = ?`, [memberId]);
  return rows[0] ? toAuthMember(rows[0]) : null;
}

export async function memberExistsWithUsername(db: Queryable, username: string): Promise<boolean> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT 1 FROM members WHERE username = ?', [username]);
  return rows.length > 0;
}

export async function memberExistsWithEmail(db: Queryable, email: string): Promise<boolean> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT 1 FROM members WHERE email = ?', [email]);
  return rows.length > 0;
}

export interface NewAdmin {
  username: string;
  email: string;
  passwordHash: string;
  screenName: string;
  firstName: string;
  lastName: string;
}

/** Inserts a member with the admin role; the unique keys refuse a taken username or e-mail. */
export async function insertAdminMember(db: Queryable, admin: NewAdmin): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO members (username, email, password_hash, role_id, screen_name, first_name, last_name)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [admin.username, admin.email, admin.passwordHash, ADMIN_ROLE_ID, admin.screenName, admin.firstName, admin.lastName],
  );
  return result.insertId;
}

/** Whom a token's member id stands for now: the current role and token version, or null once the member is gone. */
export interface TokenHolder {
  roleId: number;
  tokenVersion: number;
}

export async function findTokenHolder(db: Queryable, memberId: number): Promise<TokenHolder | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT role_id, token_version FROM members WHERE member_id = ?', [memberId]);
  return rows[0] ? { roleId: rows[0].role_id, tokenVersion: rows[0].token_version } : null;
}

/** Revokes every token issued to the member so far (role, password and TOTP changes do this by trigger). */
export async function bumpTokenVersion(db: Queryable, memberId: number): Promise<void> {
  await db.execute('UPDATE members SET token_version = token_version + 1 WHERE member_id = ?', [memberId]);
}

/** Stores a new, not yet confirmed TOTP secret (sealed); refuses (false) when TOTP is already on. */
export async function storePendingTotpSecret(db: Queryable, memberId: number, secret: string): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE members SET totp_secret = ?, totp_last_used_step = NULL WHERE member_id = ? AND totp_enabled = FALSE',
    [secret, memberId],
  );
  return result.affectedRows === 1;
}

/**
 * Turns TOTP on for the secret the code was checked against (as stored), recording the code's step as used.
 * False when TOTP was turned on meanwhile or a newer setup replaced the secret.
 */
export async function enableTotp(db: Queryable, memberId: number, secret: string, timeStep: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE members SET totp_enabled = TRUE, totp_last_used_step = ?
     WHERE member_id = ? AND totp_enabled = FALSE AND totp_secret = ?`,
    [timeStep, memberId, secret],
  );
  return result.affectedRows === 1;
}

/**
 * The replay guard: claims a time step for the member only if it is later than the last one used,
 * in one conditional statement, so the same code accepted twice at once still succeeds only once.
 */
export async function claimTotpStep(db: Queryable, memberId: number, timeStep: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE members SET totp_last_used_step = ?
     WHERE member_id = ? AND totp_enabled = TRUE AND (totp_last_used_step IS NULL OR totp_last_used_step < ?)`,
    [timeStep, memberId, timeStep],
  );
  return result.affectedRows === 1;
}
