/**
 * Issue 8, defect 3: secrets in an error reached classifications (and so spans, errors, callbacks and files), and
 * `JSON.stringify` of a classification exposed the raw error through `cause`.
 */
import { describe, expect, it } from 'vitest';
import { classifyError } from './classifier.js';
import * as openai from './test-support/openai.js';
import { SECRET_FORMS } from './test-support/secret-forms.js';

const SECRET = 'k-9f8e7d6c5b4a39281706';

describe('classification of an error that carries secrets', () => {
  it.each(SECRET_FORMS.map(form => [form.name, form] as const))(
    'redacts %s in the message, as thrown and as an OpenAI error body without message',
    (_name, { embed, example }) => {
      const thrown = classifyError(new Error(`upstream failed: ${embed(example)}`));
      const body = classifyError(openai.APIError.generate(401, { error: { detail: embed(example) } }));
      for (const classified of [thrown, body]) {
        expect(classified.message).not.toContain(example);
        expect(JSON.stringify(classified)).not.toContain(example);
      }
    },
  );

  it('keeps the raw error as a non-enumerable cause: JSON.stringify and spreads leave it out', () => {
    const error = openai.APIError.generate(401, { error: { 'x-api-key': SECRET } });
    const classified = classifyError(error);
    expect(classified.cause).toBe(error);
    expect(Object.keys(classified)).not.toContain('cause');
    expect(JSON.stringify(classified)).not.toContain(SECRET);
    expect(JSON.stringify(classified)).toContain('"message":"401 {\\"x-api-key\\":\\"[REDACTED]\\"}"');
  });

  it('does not take a secret-looking code as error.type or code', () => {
    const key = 'sk-proj-Ab12Cd34Ef56Gh78Ij90';
    const classified = classifyError(
      Object.assign(new Error('failed'), { status: 400, code: key, error: { code: key } }),
    );
    expect(classified.errorType).toBe('400');
    expect(classified.code).toBeUndefined();
    expect(JSON.stringify(classified)).not.toContain('Ab12Cd34');
  });
});
