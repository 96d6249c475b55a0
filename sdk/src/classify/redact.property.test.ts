/**
 * Issue 8, defect 3, as properties: a secret embedded in any of the listed forms, in any surrounding text, never
 * survives redaction (whole or any 8-character piece of it), and redacting redacted text changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLASSIFY_DEFAULTS } from './defaults.js';
import { redact } from './redact.js';
import { SECRET_FORMS } from './test-support/secret-forms.js';

/** Text around a form: anything, separated from it by whitespace (a glued letter would change the name). */
const surrounding = fc.string({ unit: 'binary', maxLength: 60 });
const separator = fc.constantFrom(' ', '\n', ', ', '; ', '\t', '\r\n', ' | ');

/**
 * The pieces of `secret` that must not appear: the whole of it and every 8-character window, as it is and as
 * JSON-escaped once and twice (the forms a JSON body carries it in).
 */
function pieces(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  const out: string[] = [];
  for (const text of new Set([secret, escaped, JSON.stringify(escaped).slice(1, -1)])) {
    out.push(text);
    for (let i = 0; i + 8 <= text.length; i++) out.push(text.slice(i, i + 8));
  }
  return out;
}

/** Pieces of `secret` found in `text`, except those the text around it holds anyway (`context`). */
const leaked = (text: string, secret: string, context: string) =>
  pieces(secret).filter(piece => text.includes(piece) && !context.includes(piece));

describe.each(SECRET_FORMS.map(form => [form.name, form] as const))(
  'redacting %s',
  (_name, { secrets, embed }) => {
    it('never leaves the secret, whatever surrounds it', () => {
      fc.assert(
        fc.property(
          surrounding,
          separator,
          secrets,
          separator,
          surrounding,
          (before, sepBefore, secret, sepAfter, after) => {
            const out = redact(`${before}${sepBefore}${embed(secret)}${sepAfter}${after}`);
            expect(leaked(out, secret, `${before}\n${embed('')}\n${after}`)).toEqual([]);
          },
        ),
      );
    });

    it('is stable: redacting the output again changes nothing', () => {
      fc.assert(
        fc.property(surrounding, secrets, surrounding, (before, secret, after) => {
          const once = redact(`${before} ${embed(secret)} ${after}`);
          expect(redact(once)).toBe(once);
        }),
      );
    });
  },
);

describe('redaction with several forms in one text', () => {
  const formAndSecret = fc
    .constantFrom(...SECRET_FORMS)
    .chain(form => form.secrets.map(secret => ({ text: form.embed(secret), secret, bare: form.embed('') })));

  it('removes every secret, including past the first 512 characters of output', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(formAndSecret, separator, surrounding), { maxLength: 12 }), parts => {
        const text = parts.map(([{ text }, sep, filler]) => `${filler}${sep}${text}${sep}`).join('');
        const context = parts.map(([{ bare }, , filler]) => `${filler}\n${bare}`).join('\n');
        const out = redact(text);
        for (const [{ secret }] of parts) expect(leaked(out, secret, context)).toEqual([]);
        expect(redact(out)).toBe(out);
      }),
    );
  });

  it('drops a secret cut by the scanned window instead of showing its start', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECRET_FORMS),
        fc.integer({ min: 1, max: 60 }),
        ({ embed, example }, cut) => {
          const window = CLASSIFY_DEFAULTS.maxMessageLength * 8;
          const text = embed(example);
          // Control characters collapse to one space, so the secret lands inside the 512 characters of output.
          const padding = '\u0000'.repeat(window - Math.min(cut, text.length - 1));
          const out = redact(`${padding}${text}`);
          expect(leaked(out, example.slice(0, Math.max(8, cut)), embed(''))).toEqual([]);
        },
      ),
    );
  });

  it('is stable on any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 700 }), text => {
        const once = redact(text);
        expect(redact(once)).toBe(once);
      }),
    );
  });
});
