import { describe, expect, it } from 'vitest';
import { LogicalError } from '../../logical/errors.ts';
import { hasLiteralPassword, maskConnectionUrl, parseConnectionUrl } from './connection-url.ts';
import { generatePassword, satisfiesDefaultPolicy } from './password.ts';
import { roleAllowed } from './records.ts';
import { databaseError, sanitizeMessage } from './sanitize.ts';
import { formatExpiration, renderTemplate, splitStatements } from './template.ts';
import {
  MYSQL_LEGACY_USERNAME_TEMPLATE,
  MYSQL_USERNAME_TEMPLATE,
  POSTGRES_USERNAME_TEMPLATE,
  UsernameTemplateError,
  generateUsername,
  validateUsernameTemplate,
} from './username.ts';

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);
const input = { displayName: 'token-my.app', roleName: 'readonly-role', nowMs: NOW };

describe('statement templates', () => {
  it('splits on ; outside quotes, dollar quotes and comments, then templates', () => {
    expect(
      splitStatements([
        `CREATE ROLE "{{name}}" PASSWORD '{{password}}'; GRANT SELECT ON t TO "{{name}}";`,
        `DO $$ BEGIN RAISE NOTICE 'a;b'; END $$;`,
        `SELECT 'x;y' -- c;d\n; SELECT 1 /* ; */`,
        '  ;  ',
      ]),
    ).toEqual([
      `CREATE ROLE "{{name}}" PASSWORD '{{password}}'`,
      `GRANT SELECT ON t TO "{{name}}"`,
      `DO $$ BEGIN RAISE NOTICE 'a;b'; END $$`,
      `SELECT 'x;y' -- c;d`,
      'SELECT 1 /* ; */',
    ]);
    expect(
      renderTemplate(`{{name}} {{ username }} {{password}} {{expiration}} {{other}}`, {
        name: 'n',
        username: 'u',
        password: 'p',
        expiration: 'e',
      }),
    ).toBe('n u p e {{other}}');
    expect(formatExpiration(NOW)).toBe('2026-01-02 03:04:05+0000');
  });
});

describe('usernames', () => {
  it("follows Vault's default templates and limits", () => {
    const pgName = generateUsername(POSTGRES_USERNAME_TEMPLATE, input);
    expect(pgName).toMatch(/^v-token-my-readonly-[A-Za-z0-9]{20}-1767323045$/);
    expect(pgName.length).toBeLessThanOrEqual(63);
    const myName = generateUsername(MYSQL_USERNAME_TEMPLATE, input);
    expect(myName).toMatch(/^v-token-my-a-readonly-r-[A-Za-z0-9]{8}$/);
    expect(myName).toHaveLength(32);
    const legacy = generateUsername(MYSQL_LEGACY_USERNAME_TEMPLATE, input);
    expect(legacy).toMatch(/^v-read-[A-Za-z0-9]{9}$/);
    expect(legacy).toHaveLength(16);
    const long = generateUsername(POSTGRES_USERNAME_TEMPLATE, {
      displayName: 'x'.repeat(80),
      roleName: 'y'.repeat(80),
      nowMs: NOW,
    });
    expect(long).toMatch(/^v-x{8}-y{8}-/);
  });

  it('sanitises the display and role names that end up in SQL', () => {
    const name = generateUsername('{{.DisplayName}}/{{.RoleName}}', {
      displayName: `a"; DROP TABLE x; --`,
      roleName: "b'c",
      nowMs: NOW,
    });
    expect(name).toBe('a---DROP-TABLE-x----/b-c');
  });

  it('supports the template functions and rejects bad templates', () => {
    const out = generateUsername(
      '{{ .RoleName | uppercase }}_{{ unix_time_millis }}_{{ printf "%s-%d" "a" 7 }}_{{ replace "-" "_" .RoleName | truncate 6 }}_{{ timestamp "2006-01-02" }}',
      input,
    );
    expect(out).toBe(`READONLY-ROLE_${NOW}_a-7_readon_2026-01-02`);
    expect(generateUsername('{{ random 5 | lowercase }}', input)).toMatch(/^[a-z0-9]{5}$/);
    expect(generateUsername('{{ truncate_sha256 12 .RoleName }}', input)).toHaveLength(12);
    expect(() => validateUsernameTemplate('{{ nope }}')).toThrow(UsernameTemplateError);
    expect(() => validateUsernameTemplate('{{ .Missing }}')).toThrow(UsernameTemplateError);
    expect(() => validateUsernameTemplate('{{ random 2')).toThrow(UsernameTemplateError);
  });
});

describe('passwords', () => {
  it("have Vault's default form", () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
      expect(satisfiesDefaultPolicy(password)).toBe(true);
    }
    expect(new Set(Array.from({ length: 100 }, () => generatePassword())).size).toBe(100);
  });
});

describe('sanitizer', () => {
  it('removes known secrets and credential-shaped text', () => {
    expect(
      sanitizeMessage(
        "connect postgresql://admin:hunter2@db:5432/x failed; dsn root:pw@tcp(h:3306)/d; password=abc pwd='q r'; near 'IDENTIFIED BY 's3cr3t''; raw s3cr3t and s%3Dx",
        ['s3cr3t', 's=x'],
      ),
    ).toBe(
      "connect postgresql://admin:[redacted]@db:5432/x failed; dsn root:[redacted]@tcp(h:3306)/d; password=[redacted] pwd=[redacted]; near 'IDENTIFIED BY '[redacted]''; raw [redacted] and [redacted]",
    );
  });

  it('removes a secret the driver cut short, and SET PASSWORD FOR values', () => {
    const secret = 'A1b2-C3d4-E5f6-G7h8-I9j0';
    const cut = `You have an error near 'SET PASSWORD FOR 'u'@'%' = '${secret.slice(0, 12)}`;
    const clean = sanitizeMessage(cut, [secret]);
    expect(clean).not.toContain(secret.slice(0, 8));
    expect(sanitizeMessage("near SET PASSWORD FOR 'u'@'%' = 'unknown-secret'", [])).not.toContain(
      'unknown-secret',
    );
  });

  it('builds an error with no cause and the code', () => {
    const driver = Object.assign(new Error('password authentication failed: Top-Secret'), {
      code: '28P01',
      sql: "ALTER ROLE x PASSWORD 'Top-Secret'",
    });
    const error = databaseError('unable to connect', driver, ['Top-Secret']);
    expect(error).toBeInstanceOf(LogicalError);
    expect(error.message).toBe(
      'unable to connect: password authentication failed: [redacted] (28P01)',
    );
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify(error)).not.toContain('Top-Secret');
  });
});

describe('connection URLs', () => {
  const creds = { username: 'adm', password: 'p@ss:/w?rd' };
  it('parses URLs, DSNs and key/value strings before filling in credentials', () => {
    expect(
      parseConnectionUrl(
        'postgresql://{{username}}:{{password}}@db.local:5433/app?sslmode=disable',
        creds,
      ),
    ).toEqual({
      host: 'db.local',
      port: 5433,
      user: 'adm',
      password: 'p@ss:/w?rd',
      database: 'app',
      params: { sslmode: 'disable' },
    });
    expect(
      parseConnectionUrl('{{username}}:{{password}}@tcp(127.0.0.1:3306)/test', creds),
    ).toMatchObject({
      host: '127.0.0.1',
      port: 3306,
      user: 'adm',
      password: 'p@ss:/w?rd',
      database: 'test',
    });
    expect(parseConnectionUrl('host=h port=1 user={{username}} dbname=d', creds)).toMatchObject({
      host: 'h',
      port: 1,
      user: 'adm',
      password: 'p@ss:/w?rd',
      database: 'd',
    });
  });

  it('masks literal passwords for reads', () => {
    expect(maskConnectionUrl('postgres://u:secret@h/d')).toBe('postgres://u:*****@h/d');
    expect(maskConnectionUrl('u:secret@tcp(h:1)/d')).toBe('u:*****@tcp(h:1)/d');
    expect(maskConnectionUrl('postgres://{{username}}:{{password}}@h/d')).toBe(
      'postgres://{{username}}:{{password}}@h/d',
    );
    expect(hasLiteralPassword('postgres://u:secret@h/d')).toBe(true);
    expect(hasLiteralPassword('postgres://{{username}}:{{password}}@h/d')).toBe(false);
  });
});

describe('allowed_roles', () => {
  it('accepts *, names and globs', () => {
    expect(roleAllowed(['*'], 'x')).toBe(true);
    expect(roleAllowed(['a', 'b'], 'b')).toBe(true);
    expect(roleAllowed(['static-*'], 'static-app')).toBe(true);
    expect(roleAllowed(['static-*'], 'app')).toBe(false);
    expect(roleAllowed([], 'app')).toBe(false);
  });
});
